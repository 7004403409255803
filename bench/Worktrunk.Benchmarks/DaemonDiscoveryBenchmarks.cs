using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.Processes;
using Worktrunk.StandIn;
using Worktrunk.TestSupport;

namespace Worktrunk.Benchmarks
{
    /// <summary>
    /// Finds and classifies 100 stand-in fsmonitor daemons (50 live, 25 of removed worktrees, 25
    /// whose git dir was deleted) among 150+ other processes (sleepers, and shells whose command
    /// line names `git fsmonitor--daemon run`), two ways, in the same run:
    /// the reference method (worktrunk's: `pgrep -f 'git fsmonitor--daemon'` plus one batched
    /// `lsof -a -p &lt;pids&gt; -U -F pn`, run as processes) and Worktrunk's /proc discovery.
    /// Both classify with the same function and the same pre-fetched worktree listing, so the
    /// ratio measures discovery. Target: the /proc method at least 20x faster.
    /// </summary>
    [SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
    [MinColumn]
    [MedianColumn]
    public class DaemonDiscoveryBenchmarks
    {
        private const int LiveDaemons = 50;
        private const int RemovedDaemons = 25;
        private const int GoneDaemons = 25;
        private const int Sleepers = 135;
        private const int Decoys = 15;

        private GitSandbox? _sandbox;
        private TestProcesses? _procs;
        private GitWorktreeListings? _listings;
        private string _common = string.Empty;
        private HashSet<int> _mine = new HashSet<int>();

        [GlobalSetup]
        public void Setup()
        {
            _sandbox = GitSandbox.Create("bench");
            _procs = new TestProcesses();
            var git = new GitRunner(NullSink.Instance);
            var worktrees = new List<string>();
            for (var i = 0; i < LiveDaemons - 1 + RemovedDaemons + GoneDaemons; i++)
            {
                worktrees.Add(_sandbox.AddWorktree("b" + i.ToString(CultureInfo.InvariantCulture)));
            }

            var gitDirs = worktrees.Select(w => PathUtil.Canonicalize(RepositoryLocator.ReadGitFile(Path.Combine(w, ".git"), w)!)).ToList();
            _common = PathUtil.Canonicalize(_sandbox.CommonDir);
            var sockets = new List<string> { _common };
            sockets.AddRange(gitDirs);

            var started = new StandInProcess[sockets.Count];
            Parallel.For(0, sockets.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
                started[i] = StandInLauncher.Start(_procs, Path.Combine(sockets[i], FsmonitorSocket.FileName)));
            _mine = new HashSet<int>(started.Select(s => s.Pid));

            // Orphan the last 50: 25 removed worktrees (registration kept), 25 deleted git dirs.
            for (var i = LiveDaemons - 1; i < worktrees.Count; i++)
            {
                TestFiles.DeleteTree(worktrees[i]);
                if (i >= LiveDaemons - 1 + RemovedDaemons)
                {
                    TestFiles.DeleteTree(gitDirs[i]);
                }
            }

            for (var i = 0; i < Sleepers; i++)
            {
                var child = UnixSpawn.Spawn(new SpawnOptions("sleep", new[] { "3600" }) { Stdout = StdioMode.Null, Stderr = StdioMode.Null });
                _procs.Track(child.Pid, group: true);
            }

            for (var i = 0; i < Decoys; i++)
            {
                // A shell whose command line names the daemon (pgrep -f matches it; it is no daemon).
                var child = UnixSpawn.Spawn(new SpawnOptions("sh", new[] { "-c", "sleep 3600; :", "gdb", "git", "fsmonitor--daemon", "run" }) { Stdout = StdioMode.Null, Stderr = StdioMode.Null });
                _procs.Track(child.Pid, group: true);
            }

            _listings = new GitWorktreeListings(git, RepositoryLocator.Locate(_sandbox.RepoPath, git), allowOtherRepositories: false);
            _listings.For(_common);

            var reference = Reference();
            var procfs = ProcFs();
            if (reference != procfs || procfs != RemovedDaemons + GoneDaemons)
            {
                throw new InvalidOperationException($"The methods disagree: reference found {reference} orphans, /proc {procfs}; expected {RemovedDaemons + GoneDaemons}.");
            }
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _procs?.Dispose();
            _sandbox?.Dispose();
        }

        /// <summary>
        /// Not BenchmarkDotNet: for a machine shared with other work. Each round runs both methods
        /// back to back, alternating which goes first, so load changes hit both alike; reports
        /// medians, minimums, the median of the per-round ratios, and CPU time per call.
        /// `dotnet run -c Release --project bench/Worktrunk.Benchmarks -- --daemons-paired 60`.
        /// </summary>
        public static void Paired(int rounds)
        {
            var bench = new DaemonDiscoveryBenchmarks();
            bench.Setup();
            try
            {
                var names = new[] { "pgrep -f + batched lsof (reference, processes)", "/proc discovery (Worktrunk)" };
                var actions = new Func<int>[] { bench.Reference, bench.ProcFs };
                var times = new[] { new double[rounds], new double[rounds] };
                var cpu = new double[2];
                for (var w = 0; w < 5; w++)
                {
                    actions[0]();
                    actions[1]();
                }

                var self = System.Diagnostics.Process.GetCurrentProcess();
                for (var round = 0; round < rounds; round++)
                {
                    for (var j = 0; j < 2; j++)
                    {
                        var k = (round + j) % 2;
                        self.Refresh();
                        var cpu0 = self.TotalProcessorTime;
                        var clock = System.Diagnostics.Stopwatch.StartNew();
                        actions[k]();
                        times[k][round] = clock.Elapsed.TotalMilliseconds;
                        self.Refresh();
                        cpu[k] += (self.TotalProcessorTime - cpu0).TotalMilliseconds;
                    }
                }

                var ratios = new double[rounds];
                for (var i = 0; i < rounds; i++)
                {
                    ratios[i] = times[0][i] / times[1][i];
                }

                Console.WriteLine($"Paired, {rounds} rounds: 100 stand-in daemons (50 live, 50 orphaned) among {Sleepers + (2 * Decoys)}+ other processes; load average {File.ReadAllText("/proc/loadavg").Trim()}");
                Console.WriteLine("| Method | Median | Min | CPU of this process per call |");
                Console.WriteLine("|---|---:|---:|---:|");
                for (var k = 0; k < 2; k++)
                {
                    Console.WriteLine($"| {names[k]} | {Stats.Median(times[k]):0.00} ms | {Stats.Min(times[k]):0.00} ms | {cpu[k] / rounds:0.00} ms |");
                }

                Console.WriteLine($"Median of per-round speed-up (reference / Worktrunk): {Stats.Median(ratios):0.0}x; ratio of medians {Stats.Median(times[0]) / Stats.Median(times[1]):0.0}x; ratio of minimums {Stats.Min(times[0]) / Stats.Min(times[1]):0.0}x");
            }
            finally
            {
                bench.Cleanup();
            }
        }

        /// <summary>
        /// worktrunk's method: pgrep -f, then one batched lsof, as child processes; then classify.
        /// The children run through System.Diagnostics.Process (not Worktrunk's ProcessRunner, whose
        /// 5 ms wait after a child closes its pipes would inflate the reference).
        /// </summary>
        [Benchmark(Baseline = true, Description = "pgrep -f + batched lsof (reference)")]
        public int Reference()
        {
            var pgrep = Run("pgrep", "-f", "git fsmonitor--daemon");
            var pids = pgrep.Split('\n').Select(l => int.TryParse(l.Trim(), out var p) ? p : 0).Where(p => p > 0).ToList();
            if (pids.Count == 0)
            {
                return 0;
            }

            // Exit status ignored, as the reference does: lsof is non-zero when a listed PID vanished.
            var lsof = Run("lsof", "-w", "-a", "-p", string.Join(",", pids), "-U", "-F", "pn");
            var orphans = 0;
            var fs = new CachingFileSystemView();
            foreach (var record in LsofParser.Parse(lsof))
            {
                var socket = LsofParser.SocketOf(record);
                if (socket != null && _mine.Contains(record.Pid) && IsOrphan(socket, fs))
                {
                    orphans++;
                }
            }

            return orphans;
        }

        /// <summary>Worktrunk's method: /proc cmdline + fd links + /proc/net/unix, no child process; then classify.</summary>
        [Benchmark(Description = "/proc discovery (Worktrunk)")]
        public int ProcFs()
        {
            var orphans = 0;
            var fs = new CachingFileSystemView();
            foreach (var d in DaemonDiscovery.Discover(NullSink.Instance, DiscoveryMethod.ProcFs))
            {
                if (_mine.Contains(d.Pid) && IsOrphan(d.SocketPath, fs))
                {
                    orphans++;
                }
            }

            return orphans;
        }

        private static string Run(string program, params string[] args)
        {
            var psi = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            using var p = System.Diagnostics.Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            stderr.Wait();
            return stdout;
        }

        /// <summary>The same classification for both methods: one memoizing filesystem view per pass, as Get-WtOrphanDaemon uses.</summary>
        private bool IsOrphan(string? socket, IFileSystemView fs)
        {
            var v = DaemonClassifier.Classify(socket, _common, fs, _listings!);
            return DaemonClassifier.InSweepScope(v, socket, _common);
        }
    }

    /// <summary>A whole Invoke-WtFsmonitorSweep (daemon part) on a machine with no fsmonitor daemon. Target: under 5 ms.</summary>
    [SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
    [MinColumn]
    [MedianColumn]
    public class EmptySweepBenchmarks
    {
        private GitSandbox? _sandbox;
        private RepositoryLocation? _repo;
        private GitRunner? _git;

        [GlobalSetup]
        public void Setup()
        {
            _sandbox = GitSandbox.Create("empty");
            _git = new GitRunner(NullSink.Instance);
            _repo = RepositoryLocator.Locate(_sandbox.RepoPath, _git);
            if (DaemonDiscovery.Discover(NullSink.Instance).Count != 0)
            {
                throw new InvalidOperationException("fsmonitor daemons are running on this machine; the empty-sweep benchmark needs none.");
            }
        }

        [GlobalCleanup]
        public void Cleanup() => _sandbox?.Dispose();

        [Benchmark(Description = "sweep, no daemons")]
        public int Sweep() => FsmonitorSweep.Run(_repo!, _git!, whatIf: false, TimeSpan.FromSeconds(1.5)).Orphans.Count;
    }
}
