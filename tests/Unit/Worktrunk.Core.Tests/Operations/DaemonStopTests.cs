using System;
using System.Globalization;
using System.Linq;
using Worktrunk.Core.Tests.Daemons;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Operations;
using Worktrunk.StandIn;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Operations
{
    /// <summary>Stop-WtDaemon as one core operation (Consider per input, Finish once), through the recording host, with real stand-in daemons.</summary>
    public sealed class DaemonStopTests
    {
        private static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(1500);

        private static string Target(StandInProcess p) => "PID " + p.Pid.ToString(CultureInfo.InvariantCulture) + " (" + p.SocketPath + ")";

        /// <summary>A daemon whose worktree directory was deleted (its registration lingers): OrphanedWorktreeRemoved.</summary>
        private static StandInProcess Orphan(DaemonTestBed bed, string name)
        {
            var wt = bed.Sandbox.AddWorktree(name);
            var daemon = bed.StartDaemon(DaemonTestBed.GitDirOf(wt));
            TestFiles.DeleteTree(wt);
            return daemon;
        }

        [Fact]
        public void An_orphan_given_by_PID_is_asked_about_once_and_stopped_in_Finish()
        {
            using var bed = new DaemonTestBed();
            var orphan = Orphan(bed, "gone");
            var host = new RecordingOperationHost(bed.Sandbox.RepoPath);
            var stop = new DaemonStop(force: false, Deadline, host);

            stop.Consider(new[] { orphan.Pid });
            Assert.Equal(new[] { (Target(orphan), DaemonStop.Action) }, host.Questions);
            Assert.True(orphan.IsAlive);
            Assert.Empty(host.Outputs);

            stop.Finish();
            var r = Assert.IsType<WtDaemonStopResult>(Assert.Single(host.Outputs));
            Assert.Equal(orphan.Pid, r.ProcessId);
            Assert.True(r.Stopped);
            Assert.Equal(WtDaemonState.OrphanedWorktreeRemoved, r.State);
            Assert.False(orphan.IsAlive);
            Assert.Empty(host.Errors);
        }

        [Fact]
        public void A_live_daemon_is_refused_without_Force_never_asked_about_and_left_running()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("live");
            var live = bed.StartDaemon(DaemonTestBed.GitDirOf(wt));
            var host = new RecordingOperationHost(bed.Sandbox.RepoPath);
            var stop = new DaemonStop(force: false, Deadline, host);

            stop.Consider(new[] { live.Pid });
            stop.Finish();

            var error = Assert.Single(host.Errors);
            Assert.Equal(ErrorIds.DaemonServesLiveWorktree, error.Error.ErrorId);
            Assert.Equal(ErrorKind.InvalidOperation, error.Error.Kind);
            Assert.Equal(live.Pid, Assert.IsType<WtFsmonitorDaemon>(error.Target).ProcessId);
            Assert.NotNull(error.Error.Hint);
            Assert.Empty(host.Questions);
            Assert.Empty(host.Outputs);
            Assert.True(live.IsAlive);
        }

        [Fact]
        public void Force_stops_a_live_daemon()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("live");
            var live = bed.StartDaemon(DaemonTestBed.GitDirOf(wt));
            var host = new RecordingOperationHost(bed.Sandbox.RepoPath);
            var stop = new DaemonStop(force: true, Deadline, host);

            stop.Consider(new[] { live.Pid });
            stop.Finish();

            Assert.Single(host.Questions);
            var r = Assert.IsType<WtDaemonStopResult>(Assert.Single(host.Outputs));
            Assert.Equal(WtDaemonState.Live, r.State);
            Assert.Equal(DaemonTestBed.HealthyStopOutcome, r.Outcome);
            Assert.False(live.IsAlive);
        }

        [Fact]
        public void A_PID_that_is_no_daemon_is_DaemonNotFound_with_the_PID_as_target_and_never_signalled()
        {
            using var bed = new DaemonTestBed();
            var plain = StandInLauncher.Start(bed.Procs, null, StandInMode.NoSocket, argv0: "sleep", args: new[] { "600" });
            var host = new RecordingOperationHost(bed.Sandbox.RepoPath);
            var stop = new DaemonStop(force: true, Deadline, host);

            stop.Consider(new[] { plain.Pid });
            stop.Finish();

            var error = Assert.Single(host.Errors);
            Assert.Equal(ErrorIds.DaemonNotFound, error.Error.ErrorId);
            Assert.Equal(plain.Pid, error.Target);
            Assert.Empty(host.Questions);
            Assert.Empty(host.Outputs);
            Assert.True(plain.IsAlive);
        }

        [Fact]
        public void WhatIf_asks_and_signals_nothing()
        {
            using var bed = new DaemonTestBed();
            var orphan = Orphan(bed, "gone");
            var host = new RecordingOperationHost(bed.Sandbox.RepoPath, whatIf: true);
            var stop = new DaemonStop(force: false, Deadline, host);

            stop.Consider(new[] { orphan.Pid });
            stop.Finish();

            Assert.Single(host.Questions);
            Assert.Empty(host.Outputs);
            Assert.True(orphan.IsAlive);
        }

        [Fact]
        public void Questions_follow_the_order_of_the_inputs_across_Consider_calls()
        {
            using var bed = new DaemonTestBed();
            var first = Orphan(bed, "one");
            var second = Orphan(bed, "two");
            var host = new RecordingOperationHost(bed.Sandbox.RepoPath) { Approve = (target, _) => target == Target(second) };
            var stop = new DaemonStop(force: false, Deadline, host);

            stop.Consider(new[] { second.Pid });
            stop.Consider(new[] { first.Pid });
            stop.Finish();

            Assert.Equal(new[] { Target(second), Target(first) }, host.Questions.Select(q => q.Target));
            Assert.Equal(second.Pid, Assert.IsType<WtDaemonStopResult>(Assert.Single(host.Outputs)).ProcessId);
            Assert.False(second.IsAlive);
            Assert.True(first.IsAlive);
        }

        [Fact]
        public void A_daemon_object_whose_process_exited_is_AlreadyGone_without_a_signal()
        {
            using var bed = new DaemonTestBed();
            var orphan = Orphan(bed, "gone");
            var listed = bed.Inventory(true, orphan).Single();
            StandInLauncher.SendQuit(orphan.SocketPath!);
            Assert.True(StandInLauncher.WaitExited(orphan.Pid, TimeSpan.FromSeconds(30)));
            var host = new RecordingOperationHost(bed.Sandbox.RepoPath);
            var stop = new DaemonStop(force: false, Deadline, host);

            stop.Consider(new[] { listed });
            stop.Finish();

            Assert.Single(host.Questions);
            var r = Assert.IsType<WtDaemonStopResult>(Assert.Single(host.Outputs));
            Assert.Equal(WtDaemonStopOutcome.AlreadyGone, r.Outcome);
        }

        [Fact]
        public void A_daemon_that_exits_between_the_question_and_Finish_is_AlreadyGone()
        {
            using var bed = new DaemonTestBed();
            var orphan = Orphan(bed, "gone");
            var host = new RecordingOperationHost(bed.Sandbox.RepoPath);
            var stop = new DaemonStop(force: false, Deadline, host);

            stop.Consider(new[] { orphan.Pid });
            StandInLauncher.SendQuit(orphan.SocketPath!);
            Assert.True(StandInLauncher.WaitExited(orphan.Pid, TimeSpan.FromSeconds(30)));
            stop.Finish();

            Assert.Equal(WtDaemonStopOutcome.AlreadyGone, Assert.IsType<WtDaemonStopResult>(Assert.Single(host.Outputs)).Outcome);
        }

        [Fact]
        public void A_daemon_that_became_live_between_the_question_and_Finish_is_refused_at_Finish()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("back");
            var moved = wt + "-away";
            var daemon = bed.StartDaemon(DaemonTestBed.GitDirOf(wt));
            System.IO.Directory.Move(wt, moved);
            var host = new RecordingOperationHost(bed.Sandbox.RepoPath);
            var stop = new DaemonStop(force: false, Deadline, host);

            stop.Consider(new[] { daemon.Pid });
            Assert.Single(host.Questions);
            System.IO.Directory.Move(moved, wt);
            stop.Finish();

            Assert.Equal(ErrorIds.DaemonServesLiveWorktree, Assert.Single(host.Errors).Error.ErrorId);
            Assert.Empty(host.Outputs);
            Assert.True(daemon.IsAlive);
        }

        [Theory]
        [InlineData(WtDaemonStopOutcome.Denied, true)]
        [InlineData(WtDaemonStopOutcome.Survived, true)]
        [InlineData(WtDaemonStopOutcome.StoppedByIpc, false)]
        [InlineData(WtDaemonStopOutcome.Terminated, false)]
        [InlineData(WtDaemonStopOutcome.Killed, false)]
        [InlineData(WtDaemonStopOutcome.AlreadyGone, false)]
        public void A_stop_outcome_is_a_warning_exactly_when_it_failed(WtDaemonStopOutcome outcome, bool failed)
        {
            var sink = new RecordingSink();

            DaemonStopOutcomes.Report(sink, 4242, "/x/.git/fsmonitor--daemon.ipc", outcome, "why.");

            Assert.Equal(failed, DaemonStopOutcomes.Failed(outcome));
            Assert.Equal(failed ? 1 : 0, sink.Warnings.Count);
            Assert.Equal(failed ? 0 : 1, sink.Verbose.Count);
            var line = failed ? sink.Warnings.Single() : sink.Verbose.Single();
            Assert.Contains("PID 4242", line, StringComparison.Ordinal);
            Assert.Contains(outcome.ToString(), line, StringComparison.Ordinal);
        }

        [Fact]
        public void Ctrl_C_before_Finish_signals_nothing()
        {
            using var bed = new DaemonTestBed();
            var orphan = Orphan(bed, "gone");
            var host = new RecordingOperationHost(bed.Sandbox.RepoPath);
            var stop = new DaemonStop(force: false, Deadline, host);

            stop.Consider(new[] { orphan.Pid });
            host.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => stop.Finish());

            Assert.Empty(host.Outputs);
            Assert.True(orphan.IsAlive);
        }
    }
}
