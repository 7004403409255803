using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Worktrunk.Diagnostics;
using Worktrunk.IO;
using Worktrunk.Processes;
using Worktrunk.TestSupport;

namespace Worktrunk.Benchmarks
{
    /// <summary>
    /// Get-WtWorktreeProcess's core (WorktreeProcesses.Find) on a machine of 1,000+ processes: 1,000
    /// `sleep` stand-ins, 50 working in the worktree (some in a subdirectory), 50 in a sibling whose
    /// name shares the worktree's prefix, the rest in the sandbox's root; plus whatever else runs.
    /// Reference in the same run: what worktrunk's `wt remove --reap` runs, as processes through
    /// ProcessRunner (no shell): `lsof -w -d cwd -F pcn` machine-wide, then `ps -o pid=,tty= -p
    /// &lt;matches&gt;` for the terminals. Both must find the same 50 PIDs or the setup throws.
    /// Target: Find under 20 ms (absolute, from the issue) and, as a ratio, far below the reference.
    /// Every stand-in is registered with TestProcesses and killed by PID (and group) at the end.
    /// </summary>
    [SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
    [MinColumn]
    [MedianColumn]
    public class WorktreeProcessBenchmarks
    {
        private const int Total = 1000;
        private const int Inside = 50;
        private const int Sibling = 50;

        private GitSandbox? _sandbox;
        private TestProcesses? _procs;
        private string _worktree = string.Empty;
        private string _canonical = string.Empty;
        private readonly HashSet<int> _inside = new HashSet<int>();

        [GlobalSetup]
        public void Setup()
        {
            _sandbox = GitSandbox.Create("bench");
            _procs = new TestProcesses();
            _worktree = _sandbox.AddWorktree("agent");
            _canonical = PathUtil.Canonicalize(_worktree);
            var sub = Directory.CreateDirectory(Path.Combine(_worktree, "web")).FullName;
            var sibling = Directory.CreateDirectory(_worktree + "2").FullName;
            for (var i = 0; i < Total; i++)
            {
                var cwd = i < Inside ? (i % 2 == 0 ? _worktree : sub) : i < Inside + Sibling ? sibling : _sandbox.Root;
                var child = UnixSpawn.Spawn(new SpawnOptions("sleep", new[] { "3600" }) { WorkingDirectory = cwd, Stdout = StdioMode.Null, Stderr = StdioMode.Null });
                _procs.Track(child.Pid, group: true);
                if (i < Inside)
                {
                    _inside.Add(child.Pid);
                }
            }

            // posix_spawn returns once the child exists, with its working directory already set.
            var procfs = ProcFs().OrderBy(p => p).ToList();
            var reference = Reference().OrderBy(p => p).ToList();
            if (!procfs.SequenceEqual(_inside.OrderBy(p => p)) || !reference.SequenceEqual(procfs))
            {
                throw new InvalidOperationException($"The methods disagree: /proc found {procfs.Count}, lsof {reference.Count}; expected the {Inside} stand-ins.");
            }
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _procs?.Dispose();
            _sandbox?.Dispose();
        }

        /// <summary>worktrunk's `--reap` discovery: lsof -d cwd machine-wide, filter by prefix, then ps for the terminals.</summary>
        [Benchmark(Baseline = true, Description = "lsof -d cwd + ps tty (reference, processes)")]
        public List<int> Reference()
        {
            var lsof = ProcessRunner.Run(new SpawnOptions("lsof", new[] { "-w", "-d", "cwd", "-F", "pcn" }), TimeSpan.FromSeconds(30), NullSink.Instance);
            var found = new List<int>();
            foreach (var record in Daemons.LsofParser.Parse(lsof.Stdout))
            {
                if (record.Names.Count > 0 && PathUtil.IsAtOrUnder(record.Names[0], _canonical))
                {
                    found.Add(record.Pid);
                }
            }

            if (found.Count > 0)
            {
                var ps = ProcessRunner.Run(new SpawnOptions("ps", new[] { "-o", "pid=,tty=", "-p", string.Join(",", found) }), TimeSpan.FromSeconds(30), NullSink.Instance);
                if (ps.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length != found.Count)
                {
                    throw new InvalidOperationException("ps did not answer for every PID");
                }
            }

            return found;
        }

        /// <summary>Worktrunk's: /proc readlink of every cwd, stat and cmdline of the matches; no child process.</summary>
        [Benchmark(Description = "Get-WtWorktreeProcess core (/proc)")]
        public List<int> ProcFs() => WorktreeProcesses.Find(new[] { _worktree }, NullSink.Instance).Select(p => p.Id).ToList();

        /// <summary>
        /// Not BenchmarkDotNet: for a machine shared with other work. Each round runs both methods back
        /// to back, alternating which goes first; reports medians, minimums, the median of the
        /// per-round ratios, and the p90 of the /proc method against the 20 ms target.
        /// `dotnet run -c Release --project bench/Worktrunk.Benchmarks -- --processes-paired 40`.
        /// </summary>
        public static void Paired(int rounds)
        {
            var bench = new WorktreeProcessBenchmarks();
            bench.Setup();
            try
            {
                var names = new[] { "lsof -d cwd + ps tty (reference, processes)", "Get-WtWorktreeProcess core (/proc)" };
                var actions = new Func<List<int>>[] { bench.Reference, bench.ProcFs };
                var times = new[] { new double[rounds], new double[rounds] };
                var cpu = new double[2];
                var self = System.Diagnostics.Process.GetCurrentProcess();
                // Warm-up: the reference a few times, Worktrunk's until the JIT has tiered it up.
                for (var w = 0; w < 3; w++)
                {
                    actions[0]();
                }

                for (var w = 0; w < 200; w++)
                {
                    actions[1]();
                }

                for (var round = 0; round < rounds; round++)
                {
                    for (var j = 0; j < 2; j++)
                    {
                        var k = (round + j) % 2;
                        self.Refresh();
                        var cpu0 = self.TotalProcessorTime;
                        var clock = System.Diagnostics.Stopwatch.StartNew();
                        var n = actions[k]().Count;
                        times[k][round] = clock.Elapsed.TotalMilliseconds;
                        self.Refresh();
                        cpu[k] += (self.TotalProcessorTime - cpu0).TotalMilliseconds;
                        if (n != Inside)
                        {
                            throw new InvalidOperationException($"{names[k]} found {n} processes, not {Inside}");
                        }
                    }
                }

                var ratios = new double[rounds];
                for (var i = 0; i < rounds; i++)
                {
                    ratios[i] = times[0][i] / times[1][i];
                }

                var sorted = (double[])times[1].Clone();
                Array.Sort(sorted);
                var p90 = sorted[(int)Math.Ceiling(0.9 * rounds) - 1];
                var processes = Directory.EnumerateDirectories("/proc").Count(d => int.TryParse(Path.GetFileName(d), out _));
                Console.WriteLine($"Paired, {rounds} rounds: {processes} processes on the machine ({Total} stand-ins, {Inside} in the worktree); load average {File.ReadAllText("/proc/loadavg").Trim()}");
                Console.WriteLine("| Method | Median | Min | CPU of this process per call |");
                Console.WriteLine("|---|---:|---:|---:|");
                for (var k = 0; k < 2; k++)
                {
                    Console.WriteLine($"| {names[k]} | {Stats.Median(times[k]).ToString("0.00", CultureInfo.InvariantCulture)} ms | {Stats.Min(times[k]).ToString("0.00", CultureInfo.InvariantCulture)} ms | {(cpu[k] / rounds).ToString("0.00", CultureInfo.InvariantCulture)} ms |");
                }

                Console.WriteLine($"/proc p90 {p90.ToString("0.00", CultureInfo.InvariantCulture)} ms (target: under 20 ms). Median of per-round speed-up (reference / Worktrunk): {Stats.Median(ratios).ToString("0.0", CultureInfo.InvariantCulture)}x");
            }
            finally
            {
                bench.Cleanup();
            }
        }
    }
}
