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
            // git's own IPC stop comes first: git 2.55 ends the stand-in with it (no signal sent);
            // git 2.39 has no daemon on Linux, so its stop fails and SIGTERM ends it.
            Assert.Equal(DaemonTestBed.HealthyStopOutcome, r.Outcome);
            Assert.Equal(WtDaemonState.Live, r.State);
            Assert.False(da.IsAlive);
            Assert.True(db.IsAlive);
            Assert.True(main.IsAlive);
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
        public void No_socket_means_no_daemon_a_null_result_and_no_process_started()
        {
            using var bed = new DaemonTestBed();
            var a = bed.Sandbox.AddWorktree("quiet");
            Assert.Null(DaemonStopper.StopForWorktree(a, DaemonTestBed.GitDirOf(a), bed.Git, TimeSpan.FromSeconds(1)));

            // Nothing listens on the worktree's socket: no IPC stop, no git, no lsof/pgrep.
            Assert.DoesNotContain(bed.Sink.Verbose, v => v.StartsWith("git ", StringComparison.Ordinal) || v.StartsWith("lsof ", StringComparison.Ordinal) || v.StartsWith("pgrep ", StringComparison.Ordinal));
            Assert.Contains(bed.Sink.Verbose, v => v.StartsWith("No fsmonitor daemon serves " + a + ": no socket at ", StringComparison.Ordinal));
        }

        [Fact]
        public void A_daemon_whose_worktree_directory_is_already_gone_is_reported_as_found_not_live()
        {
            using var bed = new DaemonTestBed();
            var a = bed.Sandbox.AddWorktree("vanished");
            var gitDir = DaemonTestBed.GitDirOf(a);
            var d = bed.StartDaemon(gitDir);
            TestFiles.DeleteTree(a);

            var r = DaemonStopper.StopForWorktree(a, gitDir, bed.Git, TimeSpan.FromSeconds(1.5));

            // No directory to run git's IPC stop in: SIGTERM ends it, and its state is what it was.
            Assert.Equal(WtDaemonStopOutcome.Terminated, r!.Outcome);
            Assert.Equal(WtDaemonState.OrphanedWorktreeRemoved, r.State);
            Assert.Equal(d.Pid, r.ProcessId);
            Assert.False(d.IsAlive);
        }

        [Fact]
        public void A_sigstopped_daemon_gets_no_ipc_stop_and_ends_on_sigterm_and_sigcont()
        {
            using var bed = new DaemonTestBed();
            var a = bed.Sandbox.AddWorktree("stopped");
            var sibling = bed.Sandbox.AddWorktree("sibling");
            var d = bed.StartDaemon(DaemonTestBed.GitDirOf(a));
            var s = bed.StartDaemon(DaemonTestBed.GitDirOf(sibling));
            Assert.Equal(0, Worktrunk.Interop.Libc.kill(d.Pid, 19));
            Assert.True(TestProcesses.WaitUntil(() => Worktrunk.Processes.ProcFs.ReadStat(d.Pid)?.State == 'T', TimeSpan.FromSeconds(10)));

            var r = DaemonStopper.StopForWorktree(a, DaemonTestBed.GitDirOf(a), bed.Git, TimeSpan.FromSeconds(30));

            // Without SIGCONT the SIGTERM would stay pending until the 30 s deadline's SIGKILL.
            Assert.Equal(WtDaemonStopOutcome.Terminated, r!.Outcome);
            Assert.DoesNotContain(bed.Sink.Verbose, v => v.StartsWith("git ", StringComparison.Ordinal) && v.Contains("fsmonitor--daemon stop", StringComparison.Ordinal));
            Assert.Contains(bed.Sink.Verbose, v => v.Contains("is stopped (SIGSTOP)", StringComparison.Ordinal));
            Assert.False(d.IsAlive);
            Assert.True(s.IsAlive);
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
            Assert.Contains(bed.Sink.Verbose, v => v.StartsWith("No fsmonitor daemon serves " + a + ": no process listens on ", StringComparison.Ordinal));
        }
    }
}
