using System;
using System.IO;
using Worktrunk.Daemons;
using Worktrunk.StandIn;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>The API Remove-WtWorktree calls: stop exactly one worktree's daemon, best effort.</summary>
    public sealed class DaemonStopperTests
    {
        [Fact]
        public void Stops_only_the_daemon_holding_this_worktrees_socket()
        {
            using var bed = new DaemonTestBed();
            var a = bed.Sandbox.AddWorktree("a");
            var b = bed.Sandbox.AddWorktree("b");
            var da = bed.StartDaemon(DaemonTestBed.GitDirOf(a));
            var db = bed.StartDaemon(DaemonTestBed.GitDirOf(b));
            var main = bed.StartDaemon(bed.CommonDir);

            var r = DaemonStopper.StopForWorktree(a, DaemonTestBed.GitDirOf(a), bed.Git, TimeSpan.FromSeconds(1.5));

            Assert.NotNull(r);
            Assert.Equal(da.Pid, r!.ProcessId);
            Assert.Equal(WtDaemonStopOutcome.Terminated, r.Outcome);
            Assert.False(da.IsAlive);
            Assert.True(db.IsAlive);
            Assert.True(main.IsAlive);

            // git's own IPC stop was attempted first (it is unsupported on this git, which is fine).
            Assert.Contains(bed.Sink.Verbose, v => v.Contains("fsmonitor--daemon stop", StringComparison.Ordinal));
        }

        [Fact]
        public void A_wedged_daemon_that_ignores_sigterm_is_killed_after_the_deadline()
        {
            using var bed = new DaemonTestBed();
            var a = bed.Sandbox.AddWorktree("wedged");
            var d = bed.StartDaemon(DaemonTestBed.GitDirOf(a), StandInMode.IgnoreTerm | StandInMode.Wedged);

            var r = DaemonStopper.StopForWorktree(a, DaemonTestBed.GitDirOf(a), bed.Git, TimeSpan.FromMilliseconds(300));
            Assert.Equal(WtDaemonStopOutcome.Killed, r!.Outcome);
            Assert.False(d.IsAlive);
        }

        [Fact]
        public void No_socket_means_no_daemon_and_a_null_result()
        {
            using var bed = new DaemonTestBed();
            var a = bed.Sandbox.AddWorktree("quiet");
            Assert.Null(DaemonStopper.StopForWorktree(a, DaemonTestBed.GitDirOf(a), bed.Git, TimeSpan.FromSeconds(1)));
        }

        [Fact]
        public void Never_throws_even_for_paths_that_do_not_exist()
        {
            using var bed = new DaemonTestBed();
            var missing = Path.Combine(bed.Sandbox.Root, "no-such-worktree");
            Assert.Null(DaemonStopper.StopForWorktree(missing, Path.Combine(missing, ".git"), bed.Git, TimeSpan.FromSeconds(1)));
        }
    
        [Fact]
        public void A_stale_socket_file_left_by_a_dead_daemon_means_no_daemon()
        {
            using var bed = new DaemonTestBed();
            var a = bed.Sandbox.AddWorktree("stale");
            var gitDir = DaemonTestBed.GitDirOf(a);
            var d = bed.StartDaemon(gitDir);
            bed.Procs.Dispose();
            Assert.True(StandInLauncher.WaitExited(d.Pid, TimeSpan.FromSeconds(10)));
            Assert.True(File.Exists(Path.Combine(gitDir, FsmonitorSocket.FileName)));

            Assert.Null(DaemonStopper.StopForWorktree(a, gitDir, bed.Git, TimeSpan.FromSeconds(1)));
            Assert.Contains(bed.Sink.Verbose, v => v.StartsWith("No process listens on", StringComparison.Ordinal));
        }
    }
}
