using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.Processes;
using Worktrunk.Tether;
using Worktrunk.TestSupport;

namespace Worktrunk.Benchmarks
{
    /// <summary>
    /// Tether teardown latency: from removing the worktree (the start of Directory.Delete) until
    /// every process of a three-level tree is gone (tests/Unit/Worktrunk.Core.Tests/Tether/
    /// tether-tree.sh: leader, sidecar, the sidecar's child, plus a double-forked orphan; all
    /// exit on SIGTERM). One removal per iteration (RunStrategy.Monitoring, 20 iterations), a
    /// fresh tree per iteration, started at a random phase of the 250 ms poll so the distribution
    /// covers every detection delay. Targets: median at most 350 ms, P95 at most 600 ms.
    /// The reference (baseline) is worktrunk's tether algorithm in the same run: a 250 ms lstat
    /// poll, then killpg(SIGTERM), an unconditional 200 ms sleep, a probe, SIGKILL, and the same
    /// escalation again as the final sweep after the command is reaped. "…UntilSupervisorReturns"
    /// measures until the supervisor itself has finished (what a script waiting on it sees).
    /// </summary>
    [Config(typeof(PercentileConfig))]
    [SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 20, invocationCount: 1)]
    [MinColumn]
    [MaxColumn]
    [MedianColumn]
    public class TetherTeardownBenchmarks
    {
        private readonly Random _phase = new Random(20261122);
        private string _root = string.Empty;
        private TestProcesses? _procs;
        private string _worktree = string.Empty;
        private int[] _tree = Array.Empty<int>();
        private Thread? _supervising;

        [GlobalSetup]
        public void Setup()
        {
            _root = Path.Combine(Path.GetTempPath(), "wt-bench-tether-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(_root);
            _procs = new TestProcesses();
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _procs?.Dispose();
            TestFiles.DeleteTree(_root);
        }

        [IterationSetup(Targets = new[] { nameof(Tether_UntilTreeGone), nameof(Tether_UntilSupervisorReturns) })]
        public void StartTether()
        {
            var pidDir = NewIteration();
            var spec = new TetherSpec("sh", new[] { TreeScript, pidDir, "stay" }, _worktree, _worktree, TimeSpan.FromSeconds(5));
            var supervisor = TetherSupervisor.Start(spec, NullSink.Instance);
            _procs!.Track(supervisor.ProcessGroupId, group: true);
            _supervising = new Thread(() =>
            {
                using (supervisor)
                {
                    supervisor.Run(CancellationToken.None);
                }
            });
            _supervising.Start();
            WaitForTree(pidDir);
        }

        [IterationSetup(Targets = new[] { nameof(Reference_UntilTreeGone), nameof(Reference_UntilSupervisorReturns) })]
        public void StartReference()
        {
            var pidDir = NewIteration();
            var child = UnixSpawn.Spawn(new SpawnOptions("sh", new[] { TreeScript, pidDir, "stay" }) { WorkingDirectory = _worktree, Stdout = StdioMode.Null, Stderr = StdioMode.Null });
            _procs!.Track(child.Pid, group: true);
            var worktree = _worktree;
            _supervising = new Thread(() => ReferenceTether.Supervise(child.Pid, worktree));
            _supervising.Start();
            WaitForTree(pidDir);
        }

        [IterationCleanup]
        public void EndIteration()
        {
            if (_supervising != null && !_supervising.Join(TimeSpan.FromSeconds(30)))
            {
                throw new InvalidOperationException("the supervisor did not finish");
            }

            _supervising = null;
            if (_tree.Any(ProcessTable.IsAlive))
            {
                throw new InvalidOperationException("processes survived the teardown");
            }
        }

        [Benchmark(Baseline = true, Description = "worktrunk reference: removal -> tree gone")]
        public void Reference_UntilTreeGone() => RemoveAndWaitForTree();

        [Benchmark(Description = "Start-WtTether core: removal -> tree gone")]
        public void Tether_UntilTreeGone() => RemoveAndWaitForTree();

        [Benchmark(Description = "worktrunk reference: removal -> supervisor returned")]
        public void Reference_UntilSupervisorReturns()
        {
            Directory.Delete(_worktree, recursive: true);
            _supervising!.Join();
        }

        [Benchmark(Description = "Start-WtTether core: removal -> supervisor returned")]
        public void Tether_UntilSupervisorReturns()
        {
            Directory.Delete(_worktree, recursive: true);
            _supervising!.Join();
        }

        private static string TreeScript => TetherTree.ScriptPath;

        private string NewIteration()
        {
            var id = Guid.NewGuid().ToString("N").Substring(0, 8);
            _worktree = Path.Combine(_root, "wt-" + id);
            Directory.CreateDirectory(_worktree);
            File.WriteAllText(Path.Combine(_worktree, "package.json"), "{}\n");
            var pidDir = Path.Combine(_root, "pids-" + id);
            Directory.CreateDirectory(pidDir);
            return pidDir;
        }

        private void WaitForTree(string pidDir)
        {
            var names = new[] { "leader", "sidecar", "grandchild", "orphan" };
            var clock = Stopwatch.StartNew();
            while (!names.All(n => File.Exists(Path.Combine(pidDir, n))))
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new InvalidOperationException("the tree did not come up");
                }

                Thread.Sleep(2);
            }

            _tree = names.Select(n => int.Parse(File.ReadAllText(Path.Combine(pidDir, n)).Trim(), CultureInfo.InvariantCulture)).ToArray();
            foreach (var pid in _tree)
            {
                _procs!.Track(pid);
            }

            // A random phase against the 250 ms poll: every detection delay is equally likely.
            Thread.Sleep(_phase.Next(0, 250));
        }

        private void RemoveAndWaitForTree()
        {
            Directory.Delete(_worktree, recursive: true);
            while (_tree.Any(ProcessTable.IsAlive))
            {
                Thread.Sleep(1);
            }
        }

        /// <summary>worktrunk's tether (src/commands/step/tether.rs at 7ee9c628f, spec §3 and §0.2 A), for the ratio.</summary>
        private static unsafe class ReferenceTether
        {
            internal static void Supervise(int pid, string watched)
            {
                var done = new ManualResetEventSlim();
                var watcher = new Thread(() =>
                {
                    var buffer = stackalloc byte[Libc.OpaqueSize];
                    while (!done.IsSet)
                    {
                        if (Libc.lstat(watched, buffer) != 0 && Libc.Errno == Libc.ENOENT)
                        {
                            Escalate(pid);
                            return;
                        }

                        Thread.Sleep(250);
                    }
                }) { IsBackground = true };
                watcher.Start();
                Libc.waitpid(pid, out _, 0);
                Escalate(pid); // the unconditional final sweep
                done.Set();
            }

            /// <summary>Primitive A with SIGTERM: killpg, a fixed 200 ms sleep, probe, SIGKILL.</summary>
            private static void Escalate(int pgid)
            {
                Libc.killpg(pgid, Libc.SIGTERM);
                Thread.Sleep(200);
                if (Libc.killpg(pgid, 0) == 0)
                {
                    Libc.killpg(pgid, Libc.SIGKILL);
                }
            }
        }

        private sealed class PercentileConfig : ManualConfig
        {
            public PercentileConfig()
            {
                AddColumn(StatisticColumn.P50, StatisticColumn.P95);
            }
        }
    }
}
