using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Worktrunk.Diagnostics;
using Worktrunk.Processes;
using Worktrunk.Tether;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Tether
{
    /// <summary>
    /// The supervisor against real process trees (tether-tree.sh: three levels plus a
    /// double-forked orphan in the group), real worktrees and real removal.
    /// </summary>
    public sealed class TetherSupervisorTests : TetherFixture
    {
        private TetherSpec Spec(string worktree, string[] argv, TimeSpan? grace = null, string? cwd = null) =>
            new TetherSpec(argv[0], argv.Skip(1).ToArray(), cwd ?? worktree, worktree, grace ?? TimeSpan.FromSeconds(5));

        private static Task<WtTetherResult> RunAsync(TetherSupervisor supervisor, CancellationToken token = default) =>
            Task.Factory.StartNew(() => supervisor.Run(token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        private static WtTetherResult Await(Task<WtTetherResult> run)
        {
            Assert.True(run.Wait(Generous), "the supervisor did not return");
            return run.Result;
        }

        [Fact]
        public void Git_worktree_remove_tears_down_the_whole_tree_including_the_reparented_orphan()
        {
            var worktree = _sandbox.AddWorktree("agent-1");
            var (supervisor, tree) = StartTree(worktree, null, "stay");
            using (supervisor)
            {
                var run = RunAsync(supervisor);
                Thread.Sleep(600);
                Assert.False(run.IsCompleted, "the tether ended while its worktree existed");
                Assert.True(tree.All.All(TestProcesses.IsAlive));

                _sandbox.Git(_sandbox.RepoPath, "worktree", "remove", "--force", worktree);
                var result = Await(run);

                Assert.Equal(WtTetherEndReason.WorktreeRemoved, result.Reason);
                Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
                Assert.Equal(15, result.Signal);
                Assert.Null(result.ExitCode);
                Assert.False(result.Failed);
                Assert.Equal(0, result.LastExitCode);
                Assert.Equal(tree.Pids["leader"], result.ProcessGroupId);
                Assert.Equal(worktree, result.Worktree);
                Assert.True(result.Duration >= TimeSpan.FromMilliseconds(600), $"duration {result.Duration}");
            }
        }

        [Fact]
        public void Rm_rf_tears_down_the_tree()
        {
            var worktree = _sandbox.AddWorktree("agent-rm");
            var (supervisor, tree) = StartTree(worktree, null, "stay");
            using (supervisor)
            {
                var run = RunAsync(supervisor);
                TestFiles.DeleteTree(worktree);
                var result = Await(run);
                Assert.Equal(WtTetherEndReason.WorktreeRemoved, result.Reason);
                Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
            }
        }

        [Fact]
        public void Renaming_the_worktree_into_a_trash_folder_is_a_removal()
        {
            var worktree = _sandbox.AddWorktree("agent-mv");
            var (supervisor, tree) = StartTree(worktree, null, "stay");
            using (supervisor)
            {
                var run = RunAsync(supervisor);
                Directory.CreateDirectory(Path.Combine(_sandbox.CommonDir, "wt", "trash"));
                Directory.Move(worktree, Path.Combine(_sandbox.CommonDir, "wt", "trash", "agent-mv-1"));
                var result = Await(run);
                Assert.Equal(WtTetherEndReason.WorktreeRemoved, result.Reason);
                Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
            }
        }

        [Fact]
        public void A_command_that_exits_on_its_own_has_its_group_swept_and_its_exit_code_returned()
        {
            var worktree = _sandbox.AddWorktree("agent-exit");
            var (supervisor, tree) = StartTree(worktree, null, "exit", "3");
            using (supervisor)
            {
                var run = RunAsync(supervisor);
                Thread.Sleep(400);
                Assert.False(run.IsCompleted);

                // The sidecar, its child and the orphan are all running when the leader exits.
                Assert.True(tree.All.All(TestProcesses.IsAlive));
                tree.Go();
                var result = Await(run);

                Assert.Equal(WtTetherEndReason.Exited, result.Reason);
                Assert.Equal(3, result.ExitCode);
                Assert.Null(result.Signal);
                Assert.True(result.Failed);
                Assert.Equal(3, result.LastExitCode);
                Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
                Assert.True(Directory.Exists(worktree), "a self-exit must not touch the worktree");
            }
        }

        [Fact]
        public void Cancellation_tears_down_the_tree_before_Run_returns()
        {
            var worktree = _sandbox.AddWorktree("agent-stop");
            var (supervisor, tree) = StartTree(worktree, null, "stay");
            using (supervisor)
            using (var cts = new CancellationTokenSource())
            {
                var run = RunAsync(supervisor, cts.Token);
                Thread.Sleep(300);
                cts.Cancel();
                var result = Await(run);

                // Checked the instant Run returned, with no grace for stragglers.
                Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
                Assert.Equal(WtTetherEndReason.Stopped, result.Reason);
                Assert.Equal(15, result.Signal);
                Assert.True(Directory.Exists(worktree));
            }
        }

        [Fact]
        public void An_exception_out_of_the_loop_still_tears_down_before_it_leaves_Run()
        {
            // A stopped pipeline makes PowerShell's Write* throw PipelineStoppedException; the
            // supervisor's messages go through such a sink. Emulate it: cancel, and throw from
            // the first message the loop writes.
            var worktree = _sandbox.AddWorktree("agent-throw");
            var (supervisor, tree) = StartTree(worktree, null, "stay");
            using (supervisor)
            using (var cts = new CancellationTokenSource())
            {
                var run = RunAsync(supervisor, cts.Token);
                Thread.Sleep(300);
                _sink.ThrowOnWrite = () => new OperationCanceledException("pipeline stopped");
                cts.Cancel();
                Assert.True(((IAsyncResult)run).AsyncWaitHandle.WaitOne(Generous));
                Assert.IsType<OperationCanceledException>(run.Exception!.InnerException);
                Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
            }
        }

        [Fact]
        public void Dispose_without_Run_tears_the_tree_down()
        {
            var worktree = _sandbox.AddWorktree("agent-dispose");
            var (supervisor, tree) = StartTree(worktree, null, "stay");
            supervisor.Dispose();
            Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
            Assert.Throws<InvalidOperationException>(() => supervisor.Run(CancellationToken.None));
        }

        [Fact]
        public void A_tree_that_ignores_SIGTERM_is_killed_after_the_grace_period()
        {
            var worktree = _sandbox.AddWorktree("agent-stubborn");
            var tree = NewTree("pids-stubborn");
            using var supervisor = TetherSupervisor.Start(Spec(worktree, new[] { "sh" }.Concat(tree.Arguments("ignore-term")).ToArray(), TimeSpan.FromMilliseconds(700)), _sink);
            _procs.Track(supervisor.ProcessGroupId, group: true);
            tree.WaitUp();
            var run = RunAsync(supervisor);
            var clock = Stopwatch.StartNew();
            TestFiles.DeleteTree(worktree);
            var result = Await(run);

            Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
            Assert.Equal(9, result.Signal);
            Assert.Equal(WtTetherEndReason.WorktreeRemoved, result.Reason);
            Assert.Contains(_sink.Messages, m => m.EndsWith(": SIGKILL after the grace period.", StringComparison.Ordinal));
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(700), $"SIGKILL came before the grace period ended ({clock.Elapsed})");
        }

        [Fact]
        public void Teardown_ends_as_soon_as_the_group_is_empty()
        {
            var worktree = _sandbox.AddWorktree("agent-quick");
            var (supervisor, tree) = StartTree(worktree, null, "stay");
            using (supervisor)
            {
                var run = RunAsync(supervisor);
                Thread.Sleep(300);
                var clock = Stopwatch.StartNew();
                TestFiles.DeleteTree(worktree);
                Await(run);

                // A 5 s grace period, but the tree exits on SIGTERM: the wait must end early.
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");
                Assert.True(tree.AllGone());
            }
        }

        [Theory]
        [InlineData("exit 0", 0, null)]
        [InlineData("exit 7", 7, null)]
        [InlineData("kill -KILL $$", null, 9)]
        [InlineData("kill -TERM $$", null, 15)]
        [InlineData("kill -SEGV $$", null, 11)]
        public void Exit_codes_and_signals_come_back(string script, int? code, int? signal)
        {
            var worktree = _sandbox.AddWorktree("agent-status-" + Guid.NewGuid().ToString("N").Substring(0, 6));
            using var supervisor = TetherSupervisor.Start(Spec(worktree, new[] { "sh", "-c", script }), _sink);
            _procs.Track(supervisor.ProcessGroupId, group: true);
            var result = supervisor.Run(CancellationToken.None);

            Assert.Equal(WtTetherEndReason.Exited, result.Reason);
            Assert.Equal(code, result.ExitCode);
            Assert.Equal(signal, result.Signal);
            Assert.Equal(code != 0, result.Failed);
            Assert.Equal(signal.HasValue ? 128 + signal.Value : code!.Value, result.LastExitCode);
            Assert.True(result.Duration > TimeSpan.Zero && result.Duration < TimeSpan.FromSeconds(20));

            // Reaped, not merely exited: .NET never waits for a posix_spawn child, the supervisor
            // does, so no zombie of ours is left behind. The session's guardian stays for the next tether.
            Assert.False(Directory.Exists("/proc/" + result.ProcessId), "the command was left a zombie");
            Assert.True(TestProcesses.IsAlive(supervisor.GuardianPid), "the session's guardian did not outlive one tether");
        }

        [Fact]
        public void No_filesystem_watcher_is_registered_while_supervising()
        {
            static int Inotify() => Directory.GetFiles("/proc/self/fd").Count(f => (new FileInfo(f).LinkTarget ?? string.Empty).Contains("inotify", StringComparison.Ordinal));
            var before = Inotify();
            var worktree = _sandbox.AddWorktree("agent-no-watcher");
            using var supervisor = TetherSupervisor.Start(Spec(worktree, new[] { "sleep", "30" }), _sink);
            _procs.Track(supervisor.ProcessGroupId, group: true);
            var run = RunAsync(supervisor);
            Thread.Sleep(700);
            Assert.Equal(before, Inotify());
            TestFiles.DeleteTree(worktree);
            Assert.Equal(WtTetherEndReason.WorktreeRemoved, Await(run).Reason);
        }

        [Fact]
        public void A_command_killed_because_its_worktree_vanished_counts_as_removed_not_failed()
        {
            // The command notices the removal before the watcher does and exits with an error;
            // the removal is still why it ended.
            var worktree = _sandbox.AddWorktree("agent-notices");
            var script = "while [ -d \"$PWD\" ]; do sleep 0.01; done; exit 1";
            using var supervisor = TetherSupervisor.Start(Spec(worktree, new[] { "sh", "-c", script }), _sink);
            _procs.Track(supervisor.ProcessGroupId, group: true);
            var run = RunAsync(supervisor);
            Thread.Sleep(300);
            TestFiles.DeleteTree(worktree);
            var result = Await(run);
            Assert.Equal(WtTetherEndReason.WorktreeRemoved, result.Reason);
            Assert.False(result.Failed);
        }

        [Fact]
        public void The_command_runs_in_the_working_directory_with_clean_signal_state_and_stdin_from_dev_null()
        {
            var worktree = _sandbox.AddWorktree("agent-env");
            var sub = Path.Combine(worktree, "frontend");
            Directory.CreateDirectory(sub);
            var report = Path.Combine(_sandbox.Root, "report");
            var script = "out=$(readlink /proc/$$/fd/1); { pwd -P; readlink /proc/self/fd/0; echo \"$out\"; grep -E '^(SigIgn|SigBlk)' /proc/self/status; } > \"$1\"";
            using var supervisor = TetherSupervisor.Start(Spec(worktree, new[] { "sh", "-c", script, "sh", report }, cwd: sub), _sink);
            _procs.Track(supervisor.ProcessGroupId, group: true);
            var result = supervisor.Run(CancellationToken.None);
            Assert.Equal(0, result.ExitCode);

            var lines = File.ReadAllLines(report);
            Assert.Equal(sub, lines[0]);
            Assert.Equal("/dev/null", lines[1]);

            // Output is this process's own stdout, not a pipe: it streams live to the console.
            Assert.Equal(new FileInfo("/proc/self/fd/1").LinkTarget, lines[2]);
            foreach (var line in lines.Skip(3))
            {
                Assert.Equal(0UL, Convert.ToUInt64(line.Split('\t')[1].Trim(), 16) & 0x7FFFFFFFUL);
            }
        }

        [Fact]
        public void The_command_leads_a_new_process_group()
        {
            var worktree = _sandbox.AddWorktree("agent-pgid");
            var report = Path.Combine(_sandbox.Root, "pgid");
            using var supervisor = TetherSupervisor.Start(Spec(worktree, new[] { "sh", "-c", "ps -o pgid= -p $$ > \"$1\"", "sh", report }), _sink);
            _procs.Track(supervisor.ProcessGroupId, group: true);
            supervisor.Run(CancellationToken.None);
            Assert.Equal(supervisor.ProcessId, int.Parse(File.ReadAllText(report).Trim()));
            Assert.NotEqual(Worktrunk.Interop.Libc.getpgid(0), supervisor.ProcessGroupId);
        }

        [Theory]
        [InlineData("wt-no-such-program-xyz", "CommandNotFound")]
        [InlineData("./not-executable.txt", "SpawnFailed")]
        public void A_command_that_cannot_start_is_an_error_with_nothing_left_running(string program, string errorId)
        {
            var worktree = _sandbox.AddWorktree("agent-bad-" + errorId);
            File.WriteAllText(Path.Combine(worktree, "not-executable.txt"), "echo hi\n");
            var e = Assert.Throws<WorktrunkException>(() => TetherSupervisor.Start(Spec(worktree, new[] { program, "arg" }), _sink));
            Assert.Equal(errorId, e.ErrorId);

            // The session's guardian was made sure of before the spawn; nothing was armed in it,
            // and it stays for the next tether.
            var guardian = _sink.GuardianPid;
            Assert.True(guardian > 0, "no guardian was reported");
            Assert.True(TestProcesses.IsAlive(guardian));
            Assert.DoesNotContain(_sink.Messages, m => m.StartsWith("D:tethered pid", StringComparison.Ordinal));
        }

        [Fact]
        public void A_sink_that_throws_right_after_the_spawn_leaves_nothing_running()
        {
            // A stopping pipeline makes every Write* throw; Start must not leak what it spawned.
            var worktree = _sandbox.AddWorktree("agent-sink-throws");
            var tree = NewTree("pids-sink");
            _sink.ThrowOnDebug = () => new OperationCanceledException("pipeline stopped");
            Assert.Throws<OperationCanceledException>(() => TetherSupervisor.Start(Spec(worktree, new[] { "sh" }.Concat(tree.Arguments("stay")).ToArray()), _sink));

            // The sink threw after the guardian was armed: the teardown sent `done`, the tree is gone.
            Assert.True(_sink.GuardianPid > 0);
            foreach (var name in TetherTree.Names.Where(n => File.Exists(Path.Combine(tree.PidDir, n))))
            {
                var pid = int.Parse(File.ReadAllText(Path.Combine(tree.PidDir, name)).Trim());
                _procs.Track(pid);
                Assert.False(TestProcesses.IsAlive(pid), name + " leaked");
            }

            var strays = ProcFs.EnumeratePids().Where(p => ProcessTable.IsAlive(p) && string.Join(" ", ProcFs.ReadArgv(p) ?? Array.Empty<string>()).Contains(tree.PidDir, StringComparison.Ordinal));
            Assert.Empty(strays);
        }

        [Fact]
        public void A_working_directory_that_vanished_before_the_start_is_PathNotFound_and_starts_nothing()
        {
            var worktree = _sandbox.AddWorktree("agent-nocwd");
            var gone = Path.Combine(worktree, "gone");
            var e = Assert.Throws<WorktrunkException>(() => TetherSupervisor.Start(Spec(worktree, new[] { "sh", "-c", "exit 0" }, cwd: gone), _sink));
            Assert.Equal(ErrorIds.PathNotFound, e.ErrorId);
            Assert.Equal(gone, e.Target);
            Assert.Equal(0, _sink.GuardianPid);
        }

        [Fact]
        public void Two_tethers_of_one_session_share_its_guardian_which_outlives_them()
        {
            var worktree = _sandbox.AddWorktree("agent-guardian-ok");
            int first;
            using (var supervisor = TetherSupervisor.Start(Spec(worktree, new[] { "sh", "-c", "exit 0" }), _sink))
            {
                first = supervisor.GuardianPid;
                Assert.True(first > 0);
                Assert.Equal(first, ProcFs.ReadStat(first)!.Value.Session);
                supervisor.Run(CancellationToken.None);
            }

            using (var second = TetherSupervisor.Start(Spec(worktree, new[] { "sh", "-c", "exit 0" }), _sink))
            {
                Assert.Equal(first, second.GuardianPid);
                second.Run(CancellationToken.None);
            }

            // One guardian per session: it is still there for the next tether (it exits with this process).
            Assert.True(TestProcesses.IsAlive(first));
            Assert.Equal(TetherGuardian.ProcessName, ProcFs.ReadArgv(first)![0]);
        }
    }
}
