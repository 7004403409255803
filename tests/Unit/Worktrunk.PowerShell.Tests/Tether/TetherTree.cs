using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Tether
{
    /// <summary>
    /// The tether test tree (tests/Unit/Worktrunk.Core.Tests/Tether/tether-tree.sh, the one
    /// definition shared with the core tests and the benchmark): a leader, a sidecar with its own
    /// child, and a double-forked orphan in the group. Every PID it learns is registered with
    /// <see cref="TestProcesses"/>.
    /// </summary>
    internal sealed class TetherTree
    {
        private static readonly string[] s_names = { "leader", "sidecar", "grandchild", "orphan" };
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

        internal int Leader => Pids["leader"];

        internal bool IsUp => s_names.All(n => File.Exists(Path.Combine(PidDir, n)));

        /// <summary>Waits until all four processes run and registers them (the leader also as a group).</summary>
        internal void WaitUp(TimeSpan? timeout = null)
        {
            Assert.True(TestProcesses.WaitUntil(() => IsUp, timeout ?? TimeSpan.FromSeconds(30)), "the tree did not come up");
            RegisterWhatExists();
            Assert.All(Pids, kv => Assert.True(TestProcesses.IsAlive(kv.Value), kv.Key + " is not running"));
        }

        /// <summary>Registers whichever processes of the tree wrote their PID so far (a tree stopped while starting).</summary>
        internal void RegisterWhatExists()
        {
            foreach (var n in s_names)
            {
                var file = Path.Combine(PidDir, n);
                if (File.Exists(file) && !Pids.ContainsKey(n))
                {
                    Pids[n] = int.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture);
                    _procs.Track(Pids[n], group: n == "leader");
                }
            }
        }

        internal bool AllGone() => All.All(p => !TestProcesses.IsAlive(p));

        internal string Survivors() => string.Join(", ", Pids.Where(kv => TestProcesses.IsAlive(kv.Value)).Select(kv => kv.Key + "=" + kv.Value));

        /// <summary>The PowerShell words after `--` that start this tree.</summary>
        internal string CommandWords(string mode = "stay") => "sh '" + ScriptPath.Replace("'", "''") + "' '" + PidDir.Replace("'", "''") + "' " + mode;
    }
}
