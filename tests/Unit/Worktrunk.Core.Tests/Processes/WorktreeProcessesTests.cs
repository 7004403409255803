using System;
using System.IO;
using System.Linq;
using System.Threading;
using Worktrunk.Core.Tests.Removal;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.Processes;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Processes
{
    /// <summary>
    /// Finding the processes working in a worktree (/proc) and stopping the terminal-less ones, with
    /// real processes: sleepers started in the worktree, a shell that changes into it, one with a
    /// controlling terminal (util-linux script), decoys beside it. Every process is registered with
    /// TestProcesses and killed by PID at the end; only processes the test started are signalled.
    /// </summary>
    public sealed class WorktreeProcessesTests
    {
        private static readonly TimeSpan ShortDeadline = TimeSpan.FromMilliseconds(300);

        private readonly RecordingSink _sink = new RecordingSink();

        private static string StatField22(int pid)
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat.Substring(stat.LastIndexOf(')') + 2).Split(' ')[19];
        }

        [Fact]
        public void Lists_processes_at_and_under_the_root_and_not_in_a_sibling_with_a_common_prefix_or_the_parent()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var sub = Directory.CreateDirectory(Path.Combine(wt, "src", "deep")).FullName;
            var sibling = Directory.CreateDirectory(wt + "2").FullName;
            var atRoot = WorkingProcesses.Sleep(procs, wt);
            var chdir = WorkingProcesses.ChdirInto(procs, sb.Root, sub);
            var inSibling = WorkingProcesses.Sleep(procs, sibling);
            var inParent = WorkingProcesses.Sleep(procs, sb.Root);
            WorkingProcesses.WaitForCwd(atRoot, wt);
            WorkingProcesses.WaitForCwd(inSibling, sibling);

            var found = WorktreeProcesses.Find(new[] { wt }, _sink);

            Assert.Equal(new[] { atRoot, chdir }.OrderBy(p => p), found.Select(p => p.Id));
            var root = PathUtil.Canonicalize(wt);
            var a = found.Single(p => p.Id == atRoot);
            Assert.Equal(root, a.WorkingDirectory);
            Assert.Equal(root, a.Worktree);
            Assert.Equal("sleep", a.ProcessName);
            Assert.Equal("sleep 3600", a.CommandLine);
            Assert.False(a.HasTerminal);
            Assert.False(a.WorkingDirectoryDeleted);
            Assert.Equal(Environment.ProcessId, a.ParentId);
            Assert.Equal(StatField22(atRoot), a.StartTicks.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.NotNull(a.StartTime);
            Assert.InRange(a.StartTime!.Value, DateTime.Now.AddMinutes(-5), DateTime.Now.AddMinutes(1));
            var c = found.Single(p => p.Id == chdir);
            Assert.Equal(PathUtil.Canonicalize(sub), c.WorkingDirectory);
            Assert.Equal(root, c.Worktree);

            // The sibling and the parent hold processes; asked for, they are found there (the test can fail).
            Assert.Equal(new[] { inSibling }, WorktreeProcesses.Find(new[] { sibling }, _sink).Select(p => p.Id));
            Assert.Contains(inParent, WorktreeProcesses.Find(new[] { sb.Root }, _sink).Select(p => p.Id));
        }

        [Fact]
        public void With_nested_roots_a_process_is_listed_once_under_the_deepest()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var outer = Directory.CreateDirectory(Path.Combine(sb.Root, "outer")).FullName;
            var inner = Directory.CreateDirectory(Path.Combine(outer, "inner")).FullName;
            var pOuter = WorkingProcesses.Sleep(procs, outer);
            var pInner = WorkingProcesses.Sleep(procs, inner);
            WorkingProcesses.WaitForCwd(pInner, inner);

            var found = WorktreeProcesses.Find(new[] { outer, inner }, _sink);
            Assert.Equal(new[] { pOuter, pInner }, found.Select(p => p.Id));
            Assert.Equal(PathUtil.Canonicalize(outer), found[0].Worktree);
            Assert.Equal(PathUtil.Canonicalize(inner), found[1].Worktree);
        }

        [Fact]
        public void Never_lists_the_current_process_or_any_of_its_ancestors_even_for_the_root_directory()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var mine = WorkingProcesses.Sleep(procs, sb.Root);
            WorkingProcesses.WaitForCwd(mine, sb.Root);

            // "/" holds every process's working directory, this one's and its ancestors' included.
            var found = WorktreeProcesses.Find(new[] { "/" }, _sink).Select(p => p.Id).ToHashSet();
            Assert.Contains(mine, found);
            var ancestors = WorkingProcesses.SelfAndAncestors();
            Assert.Contains(Environment.ProcessId, ancestors);
            Assert.Empty(found.Intersect(ancestors));
            Assert.Equal(ancestors.Append(1).ToHashSet(), WorktreeProcesses.SelfAndAncestors());
        }

        [Fact]
        public void A_process_whose_directory_was_deleted_counts_by_the_path_it_had_and_a_live_directory_named_deleted_does_not()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var gone = Directory.CreateDirectory(Path.Combine(wt, "build")).FullName;
            var inGone = WorkingProcesses.Sleep(procs, gone);
            WorkingProcesses.WaitForCwd(inGone, gone);
            Directory.Delete(gone);
            Assert.EndsWith(" (deleted)", WorkingProcesses.Cwd(inGone));

            // A live sibling whose name is the worktree's plus the kernel's mark: "<wt> (deleted)".
            var impostor = Directory.CreateDirectory(wt + " (deleted)").FullName;
            var inImpostor = WorkingProcesses.Sleep(procs, impostor);
            WorkingProcesses.WaitForCwd(inImpostor, impostor);

            var found = Assert.Single(WorktreeProcesses.Find(new[] { wt }, _sink));
            Assert.Equal(inGone, found.Id);
            Assert.True(found.WorkingDirectoryDeleted);
            Assert.Equal(PathUtil.Canonicalize(gone), found.WorkingDirectory);

            // The impostor is found where it really is, not as deleted.
            var there = Assert.Single(WorktreeProcesses.Find(new[] { impostor }, _sink));
            Assert.Equal(inImpostor, there.Id);
            Assert.False(there.WorkingDirectoryDeleted);
        }

        [Fact]
        public void Match_reads_the_kernels_deleted_mark_only_when_no_such_directory_exists()
        {
            var roots = new[] { System.Text.Encoding.UTF8.GetBytes("/nonexistent-wt-root/x") };
            byte[] B(string s) => System.Text.Encoding.UTF8.GetBytes(s);
            var p = B("/nonexistent-wt-root/x/a (deleted)");
            Assert.Equal(0, WorktreeProcesses.Match(p, p.Length, roots, out var len, out var deleted));
            Assert.True(deleted);
            Assert.Equal("/nonexistent-wt-root/x/a".Length, len);
            p = B("/nonexistent-wt-root/x (deleted)");
            Assert.Equal(0, WorktreeProcesses.Match(p, p.Length, roots, out len, out deleted));
            Assert.True(deleted);
            Assert.Equal("/nonexistent-wt-root/x".Length, len);
            p = B("/nonexistent-wt-root/x2 (deleted)");
            Assert.Equal(-1, WorktreeProcesses.Match(p, p.Length, roots, out _, out _));
            p = B("/tmp (deleted)"); // no such directory, and "/tmp" is not under the root
            Assert.Equal(-1, WorktreeProcesses.Match(p, p.Length, roots, out _, out _));
            var live = Directory.CreateTempSubdirectory("wt-match-");
            try
            {
                var named = Directory.CreateDirectory(live.FullName + "/x (deleted)").FullName;
                var liveRoots = new[] { B(live.FullName + "/x") };
                p = B(named);
                Assert.Equal(-1, WorktreeProcesses.Match(p, p.Length, liveRoots, out _, out deleted));
                Assert.False(deleted);
            }
            finally
            {
                live.Delete(true);
            }

            p = B("/nonexistent-wt-root/xy");
            Assert.Equal(-1, WorktreeProcesses.Match(p, p.Length, roots, out _, out _));
            p = B("/nonexistent-wt-root");
            Assert.Equal(-1, WorktreeProcesses.Match(p, p.Length, roots, out _, out _));
        }

        [Fact]
        public void HasTerminal_tells_a_process_with_a_controlling_terminal_from_one_without()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var plain = WorkingProcesses.Sleep(procs, wt);
            var tty = WorkingProcesses.WithTerminal(procs, sb.Root, wt);
            Assert.True(tty != null, "util-linux script is needed to give a test process a controlling terminal");

            var found = WorktreeProcesses.Find(new[] { wt }, _sink);
            Assert.Equal(new[] { plain, tty!.Value }.OrderBy(p => p), found.Select(p => p.Id));
            Assert.True(found.Single(p => p.Id == tty.Value).HasTerminal);
            Assert.False(found.Single(p => p.Id == plain).HasTerminal);
        }

        [Fact]
        public void Stop_terminates_kills_the_one_ignoring_SIGTERM_and_leaves_the_one_with_a_terminal_running_and_named()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var plain = WorkingProcesses.Sleep(procs, wt);
            var stubborn = WorkingProcesses.Start(procs, wt, "sh", "-c", "trap '' TERM; exec sleep 3600");
            var tty = WorkingProcesses.WithTerminal(procs, sb.Root, wt)!.Value;
            Assert.True(TestProcesses.WaitUntil(() => File.ReadAllText($"/proc/{stubborn}/cmdline").StartsWith("sleep", StringComparison.Ordinal), TimeSpan.FromSeconds(20)));

            var results = WorktreeProcesses.StopTerminalless(wt, ShortDeadline, _sink, CancellationToken.None);

            Assert.Equal(new[] { plain, stubborn, tty }.OrderBy(p => p), results.Select(r => r.Id));
            Assert.Equal(WtProcessStopOutcome.Terminated, results.Single(r => r.Id == plain).Outcome);
            Assert.Equal(WtProcessStopOutcome.Killed, results.Single(r => r.Id == stubborn).Outcome);
            var left = results.Single(r => r.Id == tty);
            Assert.Equal(WtProcessStopOutcome.LeftRunning, left.Outcome);
            Assert.True(left.HasTerminal);
            Assert.False(left.Stopped);
            Assert.False(TestProcesses.IsAlive(plain));
            Assert.False(TestProcesses.IsAlive(stubborn));
            Assert.True(TestProcesses.IsAlive(tty));
            Assert.Contains(_sink.Warnings, w => w.Contains(tty.ToString(System.Globalization.CultureInfo.InvariantCulture) + " 'sleep'", StringComparison.Ordinal) && w.Contains("Left running", StringComparison.Ordinal));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void A_recycled_PID_is_never_signalled(bool disablePidfd)
        {
            // A PID found in the worktree whose process was replaced (same PID, another start time) by
            // the time of the stop: the identity captured at discovery no longer matches, so nothing
            // is signalled, through pidfd or through the start time re-read before kill(2).
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var pid = WorkingProcesses.Sleep(procs, wt);
            WorkingProcesses.WaitForCwd(pid, wt);
            var real = Assert.Single(WorktreeProcesses.Find(new[] { wt }, _sink));
            var recycled = new WtWorktreeProcess(real.Id, real.ProcessName, real.CommandLine, real.WorkingDirectory, false, real.StartTime, false, real.Worktree, real.ParentId, real.StartTicks - 1, hasIdentity: true);
            var unknowable = new WtWorktreeProcess(real.Id, real.ProcessName, real.CommandLine, real.WorkingDirectory, false, null, false, real.Worktree, real.ParentId, 0, hasIdentity: false);

            DaemonSignaller.DisablePidfd = disablePidfd;
            try
            {
                var results = WorktreeProcesses.Stop(new[] { recycled, unknowable }, ShortDeadline, _sink, CancellationToken.None);
                Assert.Equal(WtProcessStopOutcome.AlreadyGone, results[0].Outcome);
                Assert.Equal(WtProcessStopOutcome.Denied, results[1].Outcome);
                Assert.True(TestProcesses.IsAlive(pid));

                // The same process with its true identity is stopped (the test can fail).
                var stopped = WorktreeProcesses.Stop(new[] { real }, ShortDeadline, _sink, CancellationToken.None);
                Assert.Equal(WtProcessStopOutcome.Terminated, Assert.Single(stopped).Outcome);
                Assert.False(TestProcesses.IsAlive(pid));
            }
            finally
            {
                DaemonSignaller.DisablePidfd = false;
            }
        }

        [Fact]
        public void StopProcess_in_a_removal_stops_them_after_the_daemon_stop_and_before_the_gate_and_reports_each()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var server = WorkingProcesses.Sleep(procs, wt);
            var tty = WorkingProcesses.WithTerminal(procs, sb.Root, wt)!.Value;
            WorkingProcesses.WaitForCwd(server, wt);
            var git = new GitRunner(_sink);
            var plan = RemovalFixture.Plan(sb, git, SelectorKind.Branch, "feature", new RemovalOptions(false, BranchMode.SafeDelete, true, stopProcess: true));
            var alive = new System.Collections.Generic.List<(RemovalStep, bool)>();
            var executor = new RemovalExecutor(git, _sink, CancellationToken.None) { OnStep = s => alive.Add((s, TestProcesses.IsAlive(server))) };

            var r = executor.Execute(plan, true);

            Assert.Equal(WtRemovalMethod.Staged, r.Method);
            Assert.False(Directory.Exists(wt));
            Assert.Contains((RemovalStep.BeforeStop, true), alive);
            Assert.Contains((RemovalStep.AfterStop, false), alive);
            Assert.NotNull(r.StoppedProcesses);
            Assert.Equal(new[] { (server, WtProcessStopOutcome.Terminated), (tty, WtProcessStopOutcome.LeftRunning) }.OrderBy(x => x.Item1), r.StoppedProcesses!.Select(p => (p.Id, p.Outcome)));
            Assert.True(TestProcesses.IsAlive(tty));
            Assert.Contains(_sink.Warnings, w => w.Contains("Left running", StringComparison.Ordinal) && w.Contains(tty.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }

        [Fact]
        public void Without_StopProcess_nothing_is_signalled_and_StoppedProcesses_is_null()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var server = WorkingProcesses.Sleep(procs, wt);
            WorkingProcesses.WaitForCwd(server, wt);
            var git = new GitRunner(_sink);
            var r = new RemovalExecutor(git, _sink, CancellationToken.None).Execute(RemovalFixture.Plan(sb, git, SelectorKind.Branch, "feature"), true);
            Assert.Null(r.StoppedProcesses);
            Assert.True(TestProcesses.IsAlive(server));
            Assert.False(Directory.Exists(wt));
        }

        [Fact]
        public void A_file_a_process_writes_as_it_stops_is_seen_by_the_gate_and_the_removal_is_refused_with_nothing_changed()
        {
            // Why the stop comes before the gate: a process flushing state on SIGTERM dirties the worktree.
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var ready = Path.Combine(sb.Root, "ready");
            var writer = WorkingProcesses.Start(procs, wt, "sh", "-c", "trap 'echo state > flushed.txt; exit 0' TERM; : > \"$1\"; while :; do sleep 3600 & wait $!; done", "sh", ready);
            Assert.True(TestProcesses.WaitUntil(() => File.Exists(ready), TimeSpan.FromSeconds(20)));
            var git = new GitRunner(_sink);
            var plan = RemovalFixture.Plan(sb, git, SelectorKind.Branch, "feature", new RemovalOptions(false, BranchMode.SafeDelete, true, stopProcess: true));

            var e = Assert.Throws<WorktrunkException>(() => new RemovalExecutor(git, _sink, CancellationToken.None).Execute(plan, true));

            Assert.Equal(ErrorIds.WorktreeDirty, e.ErrorId);
            Assert.Contains("flushed.txt", e.Message, StringComparison.Ordinal);
            Assert.False(TestProcesses.IsAlive(writer));
            Assert.True(File.Exists(Path.Combine(wt, "flushed.txt")));
            Assert.Contains(wt, RemovalFixture.Listed(sb));
            Assert.True(RemovalFixture.BranchExists(sb, "feature"));
            Assert.Empty(RemovalFixture.TrashEntries(sb));
        }

        [Fact]
        public void Options_carry_StopProcess_to_a_live_worktrees_plan()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("feature");
            var git = new GitRunner(_sink);
            var stopping = RemovalFixture.Plan(sb, git, SelectorKind.Branch, "feature", RemovalOptions.FromFlags(false, false, false, true, stopProcess: true));
            Assert.True(stopping.StopProcesses);
            Assert.Equal("Remove worktree, stopping its processes without a terminal, and delete its branch if integrated", stopping.Action);
            var plain = RemovalFixture.Plan(sb, git, SelectorKind.Branch, "feature", RemovalOptions.FromFlags(false, false, false, true));
            Assert.False(plain.StopProcesses);
            Assert.Equal("Remove worktree and delete its branch if integrated", plain.Action);
        }
    }
}
