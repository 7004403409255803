using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Worktrunk.Processes;
using Xunit;

namespace Worktrunk.TestSupport
{
    /// <summary>
    /// A real process tree for a tethered command (tether-tree.sh beside this file, the one
    /// definition shared by the core tests, the cmdlet tests, the Pester specs and the benchmark):
    /// a leader, a sidecar with its own child (three levels), and a double-forked orphan that
    /// reparented away but stays in the group. Every PID it learns is registered with
    /// <see cref="TestProcesses"/> (the leader also as a group).
    /// </summary>
    public sealed class TetherTree
    {
        /// <summary>The processes of a tree that is up, in the order the script starts them.</summary>
        public static readonly IReadOnlyList<string> Names = new[] { "leader", "sidecar", "grandchild", "orphan" };

        private readonly TestProcesses _procs;

        public TetherTree(string pidDir, TestProcesses procs)
        {
            PidDir = pidDir;
            _procs = procs;
            Directory.CreateDirectory(pidDir);
        }

        public static string ScriptPath => Path.Combine(RepoPaths.Root, "tests", "Unit", "Worktrunk.TestSupport", "tether-tree.sh");

        /// <summary>Where the script writes one file per process, named as in <see cref="Names"/>, holding its PID.</summary>
        public string PidDir { get; }

        public Dictionary<string, int> Pids { get; } = new Dictionary<string, int>(StringComparer.Ordinal);

        public IEnumerable<int> All => Pids.Values;

        public int Leader => Pids["leader"];

        /// <summary>Every process of the tree has written its PID.</summary>
        public bool IsUp => Names.All(n => File.Exists(Path.Combine(PidDir, n)));

        /// <summary>The command that builds the tree: sh tether-tree.sh &lt;dir&gt; &lt;mode...&gt;.</summary>
        public string[] Arguments(params string[] mode) => new[] { ScriptPath, PidDir }.Concat(mode).ToArray();

        /// <summary>The PowerShell words after `--` that start this tree.</summary>
        public string CommandWords(string mode = "stay") => "sh '" + ScriptPath.Replace("'", "''") + "' '" + PidDir.Replace("'", "''") + "' " + mode;

        /// <summary>
        /// Waits until every process of the tree runs, registers them, and checks the tree's shape:
        /// all in the leader's group, and the orphan's parent neither the leader nor the (exited)
        /// intermediate, so only the process group still connects it to the command.
        /// </summary>
        public void WaitUp(TimeSpan? timeout = null)
        {
            Assert.True(TestProcesses.WaitUntil(() => IsUp, timeout ?? TimeSpan.FromSeconds(30)), "the tree did not come up: " + string.Join(",", Directory.GetFiles(PidDir)));
            RegisterWhatExists();
            var leader = Leader;
            Assert.All(Pids, kv => Assert.True(TestProcesses.IsAlive(kv.Value), kv.Key + " is not running"));
            Assert.All(Pids, kv => Assert.Equal(leader, ProcFs.ReadStat(kv.Value)!.Value.ProcessGroup));

            var intermediate = ReadPid("intermediate");
            Assert.True(TestProcesses.WaitUntil(() => !TestProcesses.IsAlive(intermediate), TimeSpan.FromSeconds(10)), "the intermediate did not exit");
            var orphanParent = ProcFs.ReadStat(Pids["orphan"])!.Value.ParentPid;
            Assert.NotEqual(leader, orphanParent);
            Assert.NotEqual(intermediate, orphanParent);
        }

        /// <summary>Registers whichever processes of the tree wrote their PID so far (a tree stopped while starting).</summary>
        public void RegisterWhatExists()
        {
            foreach (var n in Names)
            {
                if (File.Exists(Path.Combine(PidDir, n)) && !Pids.ContainsKey(n))
                {
                    Pids[n] = ReadPid(n);
                    _procs.Track(Pids[n], group: n == "leader");
                }
            }
        }

        /// <summary>Lets an `exit N` tree's leader exit.</summary>
        public void Go() => File.WriteAllText(Path.Combine(PidDir, "go"), "go");

        public bool AllGone() => All.All(p => !TestProcesses.IsAlive(p));

        /// <summary>"name=pid, ..." of the processes still alive, for failure messages.</summary>
        public string Survivors() => string.Join(", ", Pids.Where(kv => TestProcesses.IsAlive(kv.Value)).Select(kv => kv.Key + "=" + kv.Value));

        private int ReadPid(string name) => int.Parse(File.ReadAllText(Path.Combine(PidDir, name)).Trim(), CultureInfo.InvariantCulture);
    }
}
