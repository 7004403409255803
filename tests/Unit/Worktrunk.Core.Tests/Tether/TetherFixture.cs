using System;
using System.IO;
using System.Linq;
using Worktrunk.Tether;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Tether
{
    /// <summary>
    /// The shared setup of the supervisor tests against real trees (tether-tree.sh) in real
    /// worktrees: a sandbox repository, the test's processes (killed by PID at the end) and a sink
    /// that keeps every message. The session guardian runs in tools/Worktrunk.Shell with the
    /// laid-out module, as Start-WtTether's would in pwsh.
    /// </summary>
    public abstract class TetherFixture : IDisposable
    {
        private protected static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
        private protected readonly TestProcesses _procs = new TestProcesses();
        private protected readonly GitSandbox _sandbox = GitSandbox.Create();
        private protected readonly TetherTestSink _sink = new TetherTestSink();

        protected TetherFixture()
        {
            Assert.True(File.Exists(RepoPaths.ShellExecutable), "build tools/Worktrunk.Shell first: " + RepoPaths.ShellExecutable);
            TetherGuardian.Configure(RepoPaths.ShellExecutable, RepoPaths.ModuleManifest);
        }

        // The session's guardian (TetherGuardian.ForSession) belongs to this test process, not to
        // one test: every tether of every test shares it, so no test kills it. It reads
        // end-of-file and exits when this process exits, whichever way.
        public void Dispose()
        {
            _procs.Dispose();
            _sandbox.Dispose();
            GC.SuppressFinalize(this);
        }

        /// <summary>A tree whose PIDs go to a fresh folder of the sandbox.</summary>
        private protected TetherTree NewTree(string? name = null) =>
            new TetherTree(Path.Combine(_sandbox.Root, name ?? "pids-" + Guid.NewGuid().ToString("N").Substring(0, 6)), _procs);

        /// <summary>Starts tether-tree.sh in <paramref name="mode"/> under a supervisor watching <paramref name="worktree"/> (running in <paramref name="cwd"/>, else the worktree) and waits until the whole tree is up.</summary>
        private protected (TetherSupervisor Supervisor, TetherTree Tree) StartTree(string worktree, string? cwd, params string[] mode)
        {
            var tree = NewTree();
            var supervisor = TetherSupervisor.Start(new TetherSpec("sh", tree.Arguments(mode).ToArray(), cwd ?? worktree, worktree, TimeSpan.FromSeconds(5)), _sink);
            _procs.Track(supervisor.ProcessGroupId, group: true);
            tree.WaitUp();
            Assert.Equal(supervisor.ProcessId, tree.Pids["leader"]);
            return (supervisor, tree);
        }
    }
}
