using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Worktrunk.Processes;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Tether
{
    /// <summary>
    /// A real process tree for a tethered command (tether-tree.sh): a leader, a sidecar with its
    /// own child (three levels), and a double-forked orphan that reparented to init but stays in
    /// the group. Every PID it learns is registered with <see cref="TestProcesses"/>.
    /// </summary>
    internal sealed class TetherTree
    {
        internal static readonly string[] Names = { "leader", "sidecar", "grandchild", "orphan" };

        private readonly TestProcesses _procs;

        internal TetherTree(string pidDir, TestProcesses procs)
        {
            PidDir = pidDir;
            _procs = procs;
            Directory.CreateDirectory(pidDir);
        }

        internal static string ScriptPath => Path.Combine(RepoPaths.Root, "tests", "Unit", "Worktrunk.Core.Tests", "Tether", "tether-tree.sh");

        internal string PidDir { get; }

        internal Dictionary<string, int> Pids { get; } = new Dictionary<string, int>(StringComparer.Ordinal);

        internal IEnumerable<int> All => Pids.Values;

        /// <summary>The command that builds the tree: sh tether-tree.sh &lt;dir&gt; &lt;mode...&gt;.</summary>
        internal string[] Arguments(params string[] mode) => new[] { ScriptPath, PidDir }.Concat(mode).ToArray();

        /// <summary>Waits until every process of the tree runs, registers them, and checks the tree's shape (the orphan reparented and still in the group).</summary>
        internal void WaitUp()
        {
            Assert.True(TestProcesses.WaitUntil(() => Names.All(n => File.Exists(Path.Combine(PidDir, n))), TimeSpan.FromSeconds(20)), "the tree did not come up: " + string.Join(",", Directory.GetFiles(PidDir)));
            foreach (var n in Names.Concat(new[] { "intermediate" }))
            {
                Pids[n] = int.Parse(File.ReadAllText(Path.Combine(PidDir, n)).Trim());
            }

            var leader = Pids["leader"];
            _procs.Track(leader, group: true);
            foreach (var n in Names.Skip(1))
            {
                _procs.Track(Pids[n]);
            }

            var intermediate = Pids["intermediate"];
            Pids.Remove("intermediate");
            Assert.All(Pids, kv => Assert.True(TestProcesses.IsAlive(kv.Value), kv.Key + " is not running"));
            Assert.All(Pids, kv => Assert.Equal(leader, ProcessTable.ReadStat(kv.Value)!.Value.ProcessGroup));

            // The double fork happened: the orphan's parent is neither the leader nor its own
            // (exited) parent, so only the process group still connects it to the command.
            Assert.True(TestProcesses.WaitUntil(() => !TestProcesses.IsAlive(intermediate), TimeSpan.FromSeconds(10)), "the intermediate did not exit");
            var orphanParent = ProcessTable.ReadStat(Pids["orphan"])!.Value.ParentPid;
            Assert.NotEqual(leader, orphanParent);
            Assert.NotEqual(intermediate, orphanParent);
        }

        /// <summary>Lets an `exit N` tree's leader exit.</summary>
        internal void Go() => File.WriteAllText(Path.Combine(PidDir, "go"), "go");

        internal bool AllGone() => All.All(p => !TestProcesses.IsAlive(p));

        internal IEnumerable<string> Survivors() => Pids.Where(kv => TestProcesses.IsAlive(kv.Value)).Select(kv => kv.Key + "=" + kv.Value);
    }
}
