using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.Processes;
using Worktrunk.TestSupport;

namespace Worktrunk.Benchmarks
{
    /// <summary>
    /// Get-WtOrphanDaemon's discovery from the sockets (issue 10), paired against the reference
    /// method (`pgrep -f` + one batched `lsof`, as child processes) in the same run:
    /// <list type="bullet">
    /// <item>common case: 50 live daemons and 50 orphans of `rm -rf`ed worktrees (git dir kept, so
    /// every socket names its listener) among 1,000 other processes; target 30x;</item>
    /// <item>fallback: 25 of those orphans have their git dir deleted too (their sockets' paths are
    /// gone, so discovery scans the processes for them); target 8x;</item>
    /// <item>a table of Worktrunk's time at 10, 100 and 1,000 daemons (1,000 other processes) and
    /// at 200 and 2,000 other processes (100 daemons), common case and fallback.</item>
    /// </list>
    /// Worktrunk's side is what Get-WtOrphanDaemon's default view runs, DaemonInventory.TakeWanted
    /// (every listening socket classified by its path; only those that can be orphans asked who
    /// listens, then classified with the inotify watches read); the reference finds every daemon
    /// and classifies by socket path only. Both use the same worktree listing, fetched once, so the ratio measures
    /// discovery. Daemons: git 2.55's real daemon where RealGit finds one (as many as the machine's
    /// inotify budget allows: `--socket-discovery-real`), else, and for the scale rows, a minimal
    /// native stand-in (native/tiny-fsmonitor-daemon.c, compiled here with `cc`): argv exactly
    /// `git fsmonitor--daemon run`, a listening socket in the git dir, six descriptors, 1 MB.
    /// Every process started is tracked and killed by PID (TestProcesses) at the end of its scene.
    /// Needs `lsof` and `pgrep` (Debian: `apt-get install -y lsof procps`) and a C compiler.
    /// </summary>
    public static class SocketDiscoveryBenchmarks
    {
        private const string Header =
            "| Scenario | Daemons (live / removed / git dir gone) | Other processes | Reference median | Worktrunk median | Worktrunk min | Median per-round ratio | Target | CPU per call, reference (with its children) / Worktrunk | Process scans per Worktrunk call |\n" +
            "|---|---|---:|---:|---:|---:|---:|---|---:|---:|";

        private static readonly Lazy<string> s_tiny = new Lazy<string>(CompileTiny);

        /// <summary>Lines printed after the targets' table (first and second call of each scene).</summary>
        private static readonly List<string> s_notes = new List<string>();

        private static void PrintNotes()
        {
            Console.WriteLine();
            foreach (var n in s_notes)
            {
                Console.WriteLine("- " + n);
            }

            s_notes.Clear();
        }

        /// <summary>CPU time of this process and its waited-for children (/proc/self/stat utime, stime, cutime, cstime), in ms.</summary>
        private static double CpuMs()
        {
            var text = File.ReadAllText("/proc/self/stat");
            var f = text.Substring(text.LastIndexOf(')') + 2).Split(' ');
            var ticks = long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture) + long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture);
            return ticks * 10.0;
        }

        /// <summary>`--socket-discovery [rounds]`: the two targets, then the table.</summary>
        public static void Run(int rounds, bool table = true)
        {
            try
            {
                RunScenes(rounds, table);
            }
            finally
            {
                DeleteCompiledStandIn();
            }
        }

        /// <summary>Deletes the stand-in compiled for this process, if any (every mode that builds scenes ends with it).</summary>
        public static void DeleteCompiledStandIn()
        {
            if (s_tiny.IsValueCreated)
            {
                TestFiles.DeleteTree(Path.GetDirectoryName(s_tiny.Value)!);
            }
        }

        private static void RunScenes(int rounds, bool table)
        {
            Require("lsof");
            Require("pgrep");
            Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, Linux {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, load average {File.ReadAllText("/proc/loadavg").Trim()}");
            Console.WriteLine();
            Console.WriteLine(Header);
            Pair("common case", DaemonKind.Tiny, 50, 50, 0, 1000, rounds, "30x");
            Pair("fallback", DaemonKind.Tiny, 50, 25, 25, 1000, rounds, "8x");
            PrintNotes();
            Console.WriteLine($"Load average after the targets: {File.ReadAllText("/proc/loadavg").Trim()}");
            if (!table)
            {
                return;
            }

            Console.WriteLine();
            Console.WriteLine("Worktrunk alone (median of " + rounds.ToString(CultureInfo.InvariantCulture) + " rounds; min in brackets):");
            Console.WriteLine();
            Console.WriteLine("| Daemons | Other processes | Common case (all sockets attributable) | Fallback (a quarter with the git dir gone) | Load average after the row |");
            Console.WriteLine("|---:|---:|---:|---:|---|");
            foreach (var (daemons, others) in new[] { (10, 1000), (100, 1000), (1000, 1000), (100, 200), (100, 2000) })
            {
                var common = Alone(DaemonKind.Tiny, daemons / 2, daemons / 2, 0, others, rounds);
                var fallback = Alone(DaemonKind.Tiny, daemons / 2, daemons / 4, daemons / 4, others, rounds);
                Console.WriteLine($"| {daemons} | {others} | {common} | {fallback} | {File.ReadAllText("/proc/loadavg").Trim()} |");
            }
        }

        /// <summary>`--socket-discovery-real [rounds] [live] [orphans]`: the two targets with git 2.55's real daemons.</summary>
        public static void RunReal(int rounds, int live, int orphans)
        {
            Require("lsof");
            Require("pgrep");
            if (RealGit.Executable == null)
            {
                Console.WriteLine("No git with the Linux fsmonitor daemon: " + RealGit.SkipReason);
                return;
            }

            Console.WriteLine($"git 2.55 real daemons ({RealGit.Executable}); load average {File.ReadAllText("/proc/loadavg").Trim()}");
            using var budget = InotifyBudget.AtLeast(live + orphans + 128);
            Console.WriteLine(budget.Note);
            Console.WriteLine();
            Console.WriteLine(Header);
            Pair("common case, real daemons", DaemonKind.Real, live, orphans, 0, 1000, rounds, "30x");
            Pair("fallback, real daemons", DaemonKind.Real, live, orphans / 2, orphans - (orphans / 2), 1000, rounds, "8x");
            PrintNotes();
            Console.WriteLine($"Load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
        }

        /// <summary>
        /// fs.inotify.max_user_instances raised for the run (each real daemon holds one inotify
        /// instance; Linux allows 128 per user by default, shared by every run on the machine), then
        /// put back. Raised only as root and only when too low; put back only if it still holds the
        /// value set here (another run may have raised it further meanwhile).
        /// </summary>
        private sealed class InotifyBudget : IDisposable
        {
            private const string Setting = "/proc/sys/fs/inotify/max_user_instances";
            private readonly int _original;
            private readonly int _set;

            private InotifyBudget(int original, int set, string note)
            {
                _original = original;
                _set = set;
                Note = note;
            }

            internal string Note { get; }

            internal static InotifyBudget AtLeast(int wanted)
            {
                var current = int.Parse(File.ReadAllText(Setting).Trim(), CultureInfo.InvariantCulture);
                if (current >= wanted)
                {
                    return new InotifyBudget(current, 0, $"fs.inotify.max_user_instances = {current} (enough, left as is)");
                }

                try
                {
                    File.WriteAllText(Setting, wanted.ToString(CultureInfo.InvariantCulture));
                    return new InotifyBudget(current, wanted, $"fs.inotify.max_user_instances raised from {current} to {wanted} for this run (put back at the end)");
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    return new InotifyBudget(current, 0, $"fs.inotify.max_user_instances = {current} (cannot raise it: {e.Message}); daemons beyond it fail to start");
                }
            }

            public void Dispose()
            {
                if (_set == 0)
                {
                    return;
                }

                try
                {
                    if (int.Parse(File.ReadAllText(Setting).Trim(), CultureInfo.InvariantCulture) == _set)
                    {
                        File.WriteAllText(Setting, _original.ToString(CultureInfo.InvariantCulture));
                        Console.WriteLine($"fs.inotify.max_user_instances put back to {_original}");
                    }
                    else
                    {
                        Console.WriteLine("fs.inotify.max_user_instances was changed by someone else during the run; left as it is");
                    }
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    Console.WriteLine($"could not put fs.inotify.max_user_instances back to {_original}: {e.Message}");
                }
            }
        }

        private static void Pair(string name, DaemonKind kind, int live, int removed, int gone, int others, int rounds, string target)
        {
            using var scene = new Scene(kind, live, removed, gone, others);
            var reference = new double[rounds];
            var ours = new double[rounds];
            var second = System.Diagnostics.Stopwatch.StartNew();
            scene.Worktrunk();
            s_notes.Add($"{name}: the scene's first Worktrunk call {scene.FirstCallMs:0.00} ms (JIT included when it is the first scene of the process), second {second.Elapsed.TotalMilliseconds:0.00} ms; then 3 warm-up calls before the rounds");
            for (var w = 0; w < 3; w++)
            {
                scene.Reference();
                scene.Worktrunk();
            }

            var cpu = new double[2];
            for (var round = 0; round < rounds; round++)
            {
                for (var j = 0; j < 2; j++)
                {
                    var k = (round + j) % 2;
                    var cpu0 = CpuMs();
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    if (k == 0)
                    {
                        scene.Reference();
                        reference[round] = clock.Elapsed.TotalMilliseconds;
                    }
                    else
                    {
                        scene.Worktrunk();
                        ours[round] = clock.Elapsed.TotalMilliseconds;
                    }

                    cpu[k] += CpuMs() - cpu0;
                }
            }

            var ratios = reference.Zip(ours, (r, o) => r / o).ToArray();
            Console.WriteLine($"| {name} | {live} / {removed} / {gone} | {others} | {Stats.Median(reference):0.0} ms | {Stats.Median(ours):0.00} ms | {Stats.Min(ours):0.00} ms | **{Stats.Median(ratios):0.0}x** | {target} | {cpu[0] / rounds:0.0} / {cpu[1] / rounds:0.00} ms = {cpu[0] / cpu[1]:0.0}x | {scene.ScansPerCall()} |");
        }

        private static string Alone(DaemonKind kind, int live, int removed, int gone, int others, int rounds)
        {
            using var scene = new Scene(kind, live, removed, gone, others);
            var times = new double[rounds];
            for (var w = 0; w < 3; w++)
            {
                scene.Worktrunk();
            }

            for (var round = 0; round < rounds; round++)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                scene.Worktrunk();
                times[round] = clock.Elapsed.TotalMilliseconds;
            }

            return $"{Stats.Median(times):0.00} ms ({Stats.Min(times):0.00})";
        }

        /// <summary>`--socket-discovery-profile`: where Worktrunk's time goes (discovery alone vs discovery + classification), CPU and wall.</summary>
        public static void Profile(int daemons, int others, int rounds)
        {
            using var scene = new Scene(DaemonKind.Tiny, daemons / 2, daemons / 2, 0, others);
            var self = System.Diagnostics.Process.GetCurrentProcess();
            var sockets = ProcNetUnix.ReadListeningFsmonitorSockets().Values.Where(p => p.StartsWith(scene.Root, StringComparison.Ordinal)).ToList();
            var pids = DaemonDiscovery.Discover(NullSink.Instance, DiscoveryMethod.ProcFs).Select(d => d.Pid).ToList();
            var buffer = new byte[4096];
            var discovered = DaemonDiscovery.Discover(NullSink.Instance, DiscoveryMethod.ProcFs).Where(d => d.SocketPath != null && d.SocketPath.StartsWith(scene.Root, StringComparison.Ordinal)).ToList();
            var orphans = discovered.Where(d => !scene.IsLive(d)).ToList();
            var warm = new CachingFileSystemView();
            scene.BySocketOnly(discovered, warm);
            foreach (var (name, action) in new (string, Action)[]
            {
                ("ask", () => sockets.ForEach(p => { SocketPeers.Ask(p, out _, out var fd); if (fd >= 0) { Interop.Libc.close(fd); } })),
                ("fd walk", () => pids.ForEach(p => ProcFs.FindSocketInode(p, _ => false, out _, out _))),
                ("argv", () => pids.ForEach(p => ProcFs.ReadArgv(p, buffer))),
                ("stat", () => pids.ForEach(p => ProcFs.ReadStat(p, buffer))),
                ("pidfd", () => pids.ForEach(p => Interop.Libc.close(ProcFs.OpenPidfd(p)))),
                ("ask+stat+argv+pidfd in order", () => sockets.ForEach(p =>
                {
                    if (SocketPeers.Ask(p, out var pid, out var fd, out _) == PeerStatus.Found)
                    {
                        ProcFs.ReadStat(pid, buffer);
                        DaemonArgv.IsDaemonRun(ProcFs.ReadArgv(pid, buffer));
                        if (fd >= 0)
                        {
                            ProcFs.PidfdExited(fd);
                            Interop.Libc.close(fd);
                        }
                    }
                })),
                ("classify only (take of the discovered list)", () => scene.ClassifyOnly(discovered)),
                ("classify only, 1 thread", () => { DaemonDiscovery.ScanInParallel = false; scene.ClassifyOnly(discovered); DaemonDiscovery.ScanInParallel = true; }),
                ("  of which by socket path, 1 thread", () => scene.BySocketOnly(discovered)),
                ("  of which by socket path, view already filled (what is not the filesystem), 1 thread", () => scene.BySocketOnly(discovered, warm)),
                ("  of which inotify descriptor walks of the orphans, 1 thread", () => orphans.ForEach(d => ProcFs.FindInotifyDescriptor(d.Pid))),
                ("discover", () => DaemonDiscovery.Discover(NullSink.Instance, DiscoveryMethod.ProcFs)),
                ("discover, 1 thread", () => { DaemonDiscovery.ScanInParallel = false; DaemonDiscovery.Discover(NullSink.Instance, DiscoveryMethod.ProcFs); DaemonDiscovery.ScanInParallel = true; }),
                ("take, 1 thread", () => { DaemonDiscovery.ScanInParallel = false; scene.Worktrunk(); DaemonDiscovery.ScanInParallel = true; }),
                ("take", () => scene.Worktrunk()),
                ("take every daemon, live ones too (-IncludeLive)", () => scene.WorktrunkAll()),
                ("net/unix", () => ProcNetUnix.ReadListeningFsmonitorSockets()),
            })
            {
                action();
                self.Refresh();
                var cpu0 = self.TotalProcessorTime;
                var times = new double[rounds];
                for (var i = 0; i < rounds; i++)
                {
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    action();
                    times[i] = clock.Elapsed.TotalMilliseconds;
                }

                self.Refresh();
                Console.WriteLine($"{name}: median {Stats.Median(times):0.00} ms, min {Stats.Min(times):0.00} ms, cpu/call {(self.TotalProcessorTime - cpu0).TotalMilliseconds / rounds:0.00} ms");
            }
        }

        /// <summary>
        /// `--socket-discovery-netunix count`: the fixed cost of reading /proc/net/unix when the machine
        /// has <paramref name="count"/> more listening sockets (bound here under a temporary directory,
        /// none an fsmonitor socket): Worktrunk's reader against File.ReadAllText of the same file (a
        /// lower bound of the text parser it replaced, which also split every line).
        /// </summary>
        public static void NetUnix(int count, int rounds)
        {
            var dir = Path.Combine(Path.GetTempPath(), "wt-bench-netunix-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            var sockets = new List<System.Net.Sockets.Socket>();
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                    sockets.Add(s);
                    s.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(Path.Combine(dir, "s" + i.ToString(CultureInfo.InvariantCulture))));
                    s.Listen(1);
                }

                var size = File.ReadAllBytes("/proc/net/unix").Length;
                foreach (var (name, action) in new (string, Action)[]
                {
                    ("Worktrunk's reader (bytes, per-thread buffer)", () => ProcNetUnix.ReadListeningFsmonitorSockets()),
                    ("File.ReadAllText alone", () => File.ReadAllText("/proc/net/unix")),
                })
                {
                    action();
                    var times = new double[rounds];
                    var alloc0 = GC.GetAllocatedBytesForCurrentThread();
                    for (var i = 0; i < rounds; i++)
                    {
                        var clock = System.Diagnostics.Stopwatch.StartNew();
                        action();
                        times[i] = clock.Elapsed.TotalMilliseconds;
                    }

                    var alloc = (GC.GetAllocatedBytesForCurrentThread() - alloc0) / rounds;
                    Console.WriteLine($"{count} extra sockets, /proc/net/unix {size / 1024} KB: {name}: median {Stats.Median(times):0.000} ms, min {Stats.Min(times):0.000} ms, {alloc / 1024} KB allocated per call; load {File.ReadAllText("/proc/loadavg").Trim()}");
                }
            }
            finally
            {
                sockets.ForEach(s => s.Dispose());
                TestFiles.DeleteTree(dir);
            }
        }

        /// <summary>`--socket-discovery-strace daemons others`: sets the scene up, then waits for a line on stdin before and after 20 discoveries (attach `strace -c -f -p` in between).</summary>
        public static void StraceWindow(int daemons, int others, bool take = false, bool real = false)
        {
            using var budget = real ? InotifyBudget.AtLeast(daemons + 128) : null;
            using var scene = new Scene(real ? DaemonKind.Real : DaemonKind.Tiny, daemons / 2, daemons / 2, 0, others);
            if (!real)
            {
                Console.WriteLine("(stand-in compiled in " + Path.GetDirectoryName(s_tiny.Value) + ")");
            }

            Console.WriteLine("READY " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            Console.ReadLine();
            for (var i = 0; i < 20; i++)
            {
                if (take)
                {
                    scene.Worktrunk();
                }
                else
                {
                    DaemonDiscovery.Discover(NullSink.Instance, DiscoveryMethod.ProcFs);
                }
            }

            Console.WriteLine("DONE");
            Console.ReadLine();
        }

        private static void Require(string tool)
        {
            if (!Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Combine(d, tool))))
            {
                throw new InvalidOperationException($"`{tool}` is not installed (Debian: apt-get install -y lsof procps).");
            }
        }

        private static string CompileTiny()
        {
            var source = Path.Combine(RepoPaths.Root, "bench", "Worktrunk.Benchmarks", "native", "tiny-fsmonitor-daemon.c");
            var dir = Path.Combine(Path.GetTempPath(), "wt-bench-tiny-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            var binary = Path.Combine(dir, "tiny-fsmonitor-daemon");
            var (code, output) = Exec("cc", null, "-O2", "-o", binary, source);
            if (code != 0)
            {
                throw new InvalidOperationException("cc failed: " + output);
            }

            return binary;
        }

        private static (int Code, string Output) Exec(string program, string? directory, params string[] args)
        {
            var psi = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            if (directory != null)
            {
                psi.WorkingDirectory = directory;
            }

            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            if (program != "pgrep" && program != "lsof")
            {
                // git and cc: hermetic; the reference's tools run with this process's environment as is.
                foreach (var kv in Hermetic.Variables)
                {
                    psi.Environment[kv.Key] = kv.Value;
                }
            }

            using var p = System.Diagnostics.Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, stdout + stderr.Result);
        }

        private enum DaemonKind
        {
            Tiny,
            Real,
        }

        /// <summary>One repository, its daemons and the other processes; disposing kills every one of them by PID.</summary>
        private sealed class Scene : IDisposable
        {
            private readonly GitSandbox _sandbox;
            private readonly TestProcesses _procs = new TestProcesses();
            private readonly HashSet<int> _mine = new HashSet<int>();
            private readonly RepositoryLocation _location;
            private readonly GitRunner _git = new GitRunner(NullSink.Instance);
            private readonly IWorktreeListings _listings;
            private readonly int _expectedOrphans;

            internal string Root => _sandbox.Root;

            /// <summary>Gets the time of the scene's first Worktrunk call (the setup's check).</summary>
            internal double FirstCallMs { get; private set; }

            internal Scene(DaemonKind kind, int live, int removed, int gone, int others)
            {
                _sandbox = GitSandbox.Create("bench");
                try
                {
                    _location = RepositoryLocator.Locate(_sandbox.RepoPath, _git);
                    var common = _location.CommonDir;
                    var worktrees = new List<string>();
                    for (var i = 0; i < live - 1 + removed + gone; i++)
                    {
                        var dir = Path.Combine(_sandbox.Root, "w" + i.ToString(CultureInfo.InvariantCulture));
                        _sandbox.Git(_sandbox.RepoPath, "worktree", "add", "-q", "--no-checkout", "--detach", dir);
                        worktrees.Add(dir);
                    }

                    var gitDirs = worktrees.Select(w => PathUtil.Canonicalize(RepositoryLocator.ReadGitFile(Path.Combine(w, ".git"), w)!)).ToList();
                    StartDaemon(kind, _sandbox.RepoPath, common);
                    for (var i = 0; i < worktrees.Count; i++)
                    {
                        StartDaemon(kind, worktrees[i], gitDirs[i]);
                    }

                    // Orphan the last ones: `rm -rf` of the worktree (registration kept), and of the git dir too for `gone` of them.
                    for (var i = live - 1; i < worktrees.Count; i++)
                    {
                        TestFiles.DeleteTree(worktrees[i]);
                        if (i >= live - 1 + removed)
                        {
                            TestFiles.DeleteTree(gitDirs[i]);
                        }
                    }

                    for (var i = 0; i < others; i++)
                    {
                        // A few shells whose command line names the daemon (pgrep -f matches them; they are no daemons).
                        var options = i < 15
                            ? new SpawnOptions("sh", new[] { "-c", "sleep 3600; :", "gdb", "git", "fsmonitor--daemon", "run" })
                            : new SpawnOptions("sleep", new[] { "3600" });
                        options.Stdout = StdioMode.Null;
                        options.Stderr = StdioMode.Null;
                        _procs.Track(UnixSpawn.Spawn(options).Pid, group: true);
                    }

                    _listings = new FileWorktreeListings(new GitWorktreeListings(_git, _location, false), common, false);
                    _listings.For(common);
                    _expectedOrphans = removed + gone;
                    var r = Reference();
                    var first = System.Diagnostics.Stopwatch.StartNew();
                    var o = Worktrunk();
                    FirstCallMs = first.Elapsed.TotalMilliseconds;
                    if (r != _expectedOrphans || o != _expectedOrphans)
                    {
                        throw new InvalidOperationException($"The methods disagree: reference found {r} orphans, Worktrunk {o}; expected {_expectedOrphans}.");
                    }
                }
                catch
                {
                    Dispose();
                    throw;
                }
            }

            /// <summary>
            /// Worktrunk: what Get-WtOrphanDaemon's default view runs (DaemonInventory.TakeWanted):
            /// every listening socket classified by its path, only the possible orphans asked who
            /// listens (scan only for what that cannot attribute), then their classification.
            /// </summary>
            internal int Worktrunk()
            {
                var orphans = 0;
                foreach (var c in DaemonInventory.TakeWanted(_location, _git, _listings, (v, _) => DaemonClassifier.InDefaultView(v, _location.CommonDir), out _, DiscoveryMethod.ProcFs))
                {
                    if (_mine.Contains(c.Daemon.ProcessId) && DaemonInventory.InSweepScope(c.Daemon, _location.CommonDir))
                    {
                        orphans++;
                    }
                }

                return orphans;
            }

            /// <summary>Every daemon, live ones too (Get-WtOrphanDaemon -IncludeLive; profile).</summary>
            internal int WorktrunkAll() => DaemonInventory.Take(_location, _git, false, DiscoveryMethod.ProcFs, null, _listings).Count;

            /// <summary>Classification alone (profile): DaemonInventory.Take of an already discovered list.</summary>
            internal int ClassifyOnly(IReadOnlyList<DiscoveredDaemon> discovered) =>
                DaemonInventory.Take(_location, _git, false, DiscoveryMethod.ProcFs, discovered, _listings).Count;

            /// <summary>Classification by socket path alone, one thread (profile).</summary>
            internal int BySocketOnly(IReadOnlyList<DiscoveredDaemon> discovered, CachingFileSystemView? fs = null)
            {
                fs ??= new CachingFileSystemView();
                var live = 0;
                foreach (var d in discovered)
                {
                    live += DaemonClassifier.Classify(d.SocketPath, _location.CommonDir, fs, _listings).State == WtDaemonState.Live ? 1 : 0;
                }

                return live;
            }

            /// <summary>Whether the socket path alone calls the daemon Live (profile).</summary>
            internal bool IsLive(DiscoveredDaemon d) =>
                DaemonClassifier.Classify(d.SocketPath, _location.CommonDir, new CachingFileSystemView(), _listings).State == WtDaemonState.Live;

            /// <summary>How many full process scans one Worktrunk call runs (0 in the common case, 1 with the fallback).</summary>
            internal int ScansPerCall()
            {
                var before = DaemonDiscovery.ProcessScansOnThisThread;
                Worktrunk();
                return DaemonDiscovery.ProcessScansOnThisThread - before;
            }

            /// <summary>The reference: pgrep -f, then one batched lsof, as child processes; then the same path classification.</summary>
            internal int Reference()
            {
                var pgrep = Exec("pgrep", null, "-f", "git fsmonitor--daemon").Output;
                var pids = pgrep.Split('\n').Select(l => int.TryParse(l.Trim(), out var p) ? p : 0).Where(p => p > 0).ToList();
                if (pids.Count == 0)
                {
                    return 0;
                }

                var lsof = Exec("lsof", null, "-w", "-a", "-p", string.Join(",", pids), "-U", "-F", "pn").Output;
                var orphans = 0;
                var fs = new CachingFileSystemView();
                foreach (var record in LsofParser.Parse(lsof))
                {
                    var socket = LsofParser.SocketOf(record);
                    if (socket != null && _mine.Contains(record.Pid))
                    {
                        var v = DaemonClassifier.Classify(socket, _location.CommonDir, fs, _listings);
                        if (DaemonClassifier.InSweepScope(v, socket, _location.CommonDir))
                        {
                            orphans++;
                        }
                    }
                }

                return orphans;
            }

            public void Dispose()
            {
                _procs.Dispose();
                _sandbox.Dispose();
            }

            private void StartDaemon(DaemonKind kind, string worktree, string gitDir)
            {
                var socket = Path.Combine(gitDir, FsmonitorSocket.FileName);
                if (kind == DaemonKind.Real)
                {
                    var (code, output) = Exec(RealGit.Executable!, worktree, "fsmonitor--daemon", "start");
                    if (SocketPeers.Ask(socket, out var pid, out var pidfd) == PeerStatus.Found)
                    {
                        _procs.Track(pid);
                        _mine.Add(pid);
                        if (pidfd >= 0)
                        {
                            Interop.Libc.close(pidfd);
                        }

                        return;
                    }

                    throw new InvalidOperationException($"git fsmonitor--daemon start in {worktree}: {code} {output}");
                }

                var options = new SpawnOptions(s_tiny.Value, new[] { "fsmonitor--daemon", "run" })
                {
                    Argv0 = "git",
                    NewSession = true,
                    Stdout = StdioMode.Null,
                    Stderr = StdioMode.Null,
                };
                options.Environment["WT_TINY_SOCKET"] = socket;
                options.Environment["WT_TINY_PARENT"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
                var child = UnixSpawn.Spawn(options);
                _procs.Track(child.Pid, group: true);
                _mine.Add(child.Pid);
                if (!TestProcesses.WaitUntil(() => File.Exists(socket) || !TestProcesses.IsAlive(child.Pid), TimeSpan.FromSeconds(30)) || !TestProcesses.IsAlive(child.Pid))
                {
                    throw new InvalidOperationException("The stand-in did not start listening on " + socket);
                }
            }
        }
    }
}
