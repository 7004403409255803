using System;
using System.IO;
using Worktrunk.Daemons;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>
    /// Get-WtOrphanDaemon's default view and the sweep ask only the sockets whose path can make
    /// their daemon an orphan in view (DaemonInventory.TakeWanted), and a removal asks only its own
    /// worktree's socket (DaemonStopper): a socket in a live worktree's git dir is never connected
    /// to. The listeners are real Unix sockets of this test process (ConnectionCounter: only
    /// connections made by this process count); the tests run alone (their collection is not
    /// parallel), since any other test's full discovery would connect to them too. Asking every
    /// socket (the control) does connect to them.
    /// </summary>
    [Collection(nameof(ConnectionCounter))]
    public sealed class LiveDaemonsUntouchedTests
    {
        [Fact]
        public void The_default_view_and_the_sweep_never_connect_to_a_socket_their_path_calls_live()
        {
            using var bed = new DaemonTestBed();
            var live = bed.Sandbox.AddWorktree("live");
            var removed = bed.Sandbox.AddWorktree("removed");
            var removedGitDir = DaemonTestBed.GitDirOf(removed);
            TestFiles.DeleteTree(removed);

            using var main = new ConnectionCounter(Path.Combine(bed.CommonDir, FsmonitorSocket.FileName));
            using var linked = new ConnectionCounter(Path.Combine(DaemonTestBed.GitDirOf(live), FsmonitorSocket.FileName));
            using var orphan = new ConnectionCounter(Path.Combine(removedGitDir, FsmonitorSocket.FileName));

            Assert.Empty(DaemonInventory.View(bed.Location, bed.Git, includeLive: false).FindAll(d => d.SocketPath != null && d.SocketPath.StartsWith(bed.Sandbox.Root, StringComparison.Ordinal)));
            var summary = FsmonitorSweep.Run(bed.Location, bed.Git, whatIf: true, TimeSpan.FromSeconds(2));
            Assert.True(summary.DaemonsExamined >= 3, "every listening socket is examined, by its path: " + summary.DaemonsExamined);

            Assert.Equal(0, main.Take());
            Assert.Equal(0, linked.Take());

            // The possible orphan was asked, once by each (its listener is this process: never reported).
            Assert.Equal(2, orphan.Take());

            // Control: discovery of every daemon (scoped to this sandbox) asks every socket.
            DaemonDiscovery.Discover(bed.Sink, DiscoveryMethod.ProcFs, default, p => p.StartsWith(bed.Sandbox.Root + "/", StringComparison.Ordinal));
            Assert.Equal(1, main.Take());
            Assert.Equal(1, linked.Take());
            Assert.Equal(1, orphan.Take());
        }

        [Fact]
        public void A_removal_stopping_its_worktrees_daemon_connects_to_no_other_socket()
        {
            using var bed = new DaemonTestBed();
            var a = bed.Sandbox.AddWorktree("a");
            var b = bed.Sandbox.AddWorktree("b");
            var da = bed.StartDaemon(DaemonTestBed.GitDirOf(a));
            using var sibling = new ConnectionCounter(Path.Combine(DaemonTestBed.GitDirOf(b), FsmonitorSocket.FileName));
            using var main = new ConnectionCounter(Path.Combine(bed.CommonDir, FsmonitorSocket.FileName));

            var r = DaemonStopper.StopForWorktree(a, DaemonTestBed.GitDirOf(a), bed.Git, TimeSpan.FromSeconds(1.5));

            Assert.Equal(da.Pid, r!.ProcessId);
            Assert.False(da.IsAlive);
            Assert.Equal(0, sibling.Take());
            Assert.Equal(0, main.Take());
        }
    }
}
