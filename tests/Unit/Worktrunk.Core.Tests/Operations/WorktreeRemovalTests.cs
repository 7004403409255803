using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Worktrunk.Core.Tests.Daemons;
using Worktrunk.Core.Tests.Removal;
using Worktrunk.Diagnostics;
using Worktrunk.IO;
using Worktrunk.Operations;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Operations
{
    /// <summary>Remove-WtWorktree as one core operation, through the recording host: real repositories, real daemons.</summary>
    public sealed class WorktreeRemovalTests
    {
        private static readonly RemovalOptions Safe = new RemovalOptions(false, BranchMode.SafeDelete, true);

        private static RemovalSelector Branch(string name) => new RemovalSelector(SelectorKind.Branch, name, name);

        private static RemovalSelector PathOf(string path) => new RemovalSelector(SelectorKind.Path, PathUtil.TrimEnd(path), path);

        [Fact]
        public void A_confirmed_removal_asks_once_removes_the_worktree_and_writes_its_result_with_PassThru()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var host = new RecordingOperationHost(sb.RepoPath);

            WorktreeRemoval.Run(new[] { Branch("feature") }, sb.RepoPath, Safe, passThru: true, host);

            var q = Assert.Single(host.Questions);
            Assert.EndsWith("(branch feature)", q.Target, StringComparison.Ordinal);
            Assert.Equal("Remove worktree and delete its branch if integrated", q.Action);
            var result = Assert.IsType<WtRemovalResult>(Assert.Single(host.Outputs));
            Assert.Equal(WtRemovalKind.Worktree, result.Kind);
            Assert.Equal(WtBranchOutcome.Deleted, result.BranchOutcome);
            Assert.Empty(host.Errors);
            Assert.Empty(host.Moves);
            Assert.False(Directory.Exists(wt));
            Assert.False(RemovalFixture.BranchExists(sb, "feature"));
            Assert.Contains(host.VerboseLines, l => l.StartsWith("Removed worktree ", StringComparison.Ordinal));
        }

        [Fact]
        public void Without_PassThru_nothing_is_written_and_the_worktree_is_removed()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var host = new RecordingOperationHost(sb.RepoPath);

            WorktreeRemoval.Run(new[] { Branch("feature") }, sb.RepoPath, Safe, passThru: false, host);

            Assert.Empty(host.Outputs);
            Assert.False(Directory.Exists(wt));
        }

        [Fact]
        public void WhatIf_asks_and_changes_nothing_and_reports_what_the_full_guard_would_refuse()
        {
            using var sb = GitSandbox.Create();
            var clean = sb.AddWorktree("clean");
            var dirty = sb.AddWorktree("dirty");
            sb.WriteFile(dirty, "untracked.txt", "work in progress\n");
            var host = new RecordingOperationHost(sb.RepoPath, whatIf: true);

            WorktreeRemoval.Run(new[] { Branch("clean"), Branch("dirty") }, sb.RepoPath, Safe, passThru: true, host);

            // The clean one is asked about (and declined by -WhatIf); the dirty one is refused by the preview, never asked.
            var q = Assert.Single(host.Questions);
            Assert.EndsWith("(branch clean)", q.Target, StringComparison.Ordinal);
            var error = Assert.Single(host.Errors);
            Assert.Equal(ErrorIds.WorktreeDirty, error.Error.ErrorId);
            Assert.Equal("dirty", error.Target);
            Assert.Empty(host.Outputs);
            Assert.True(Directory.Exists(clean));
            Assert.True(Directory.Exists(dirty));
            Assert.True(RemovalFixture.BranchExists(sb, "clean"));
            Assert.Empty(RemovalFixture.TrashEntries(sb));
        }

        [Fact]
        public void A_declined_target_is_left_alone_and_the_next_one_goes_on()
        {
            using var sb = GitSandbox.Create();
            var keep = sb.AddWorktree("keep");
            var go = sb.AddWorktree("go");
            var host = new RecordingOperationHost(sb.RepoPath) { Approve = (target, _) => !target.Contains("(branch keep)", StringComparison.Ordinal) };

            WorktreeRemoval.Run(new[] { Branch("keep"), Branch("go") }, sb.RepoPath, Safe, passThru: true, host);

            Assert.Equal(2, host.Questions.Count);
            Assert.True(Directory.Exists(keep));
            Assert.True(RemovalFixture.BranchExists(sb, "keep"));
            Assert.False(Directory.Exists(go));
            Assert.Equal("go", Assert.IsType<WtRemovalResult>(Assert.Single(host.Outputs)).Branch);
        }

        [Fact]
        public void A_target_named_twice_is_asked_about_and_removed_once()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("twice");
            var host = new RecordingOperationHost(sb.RepoPath);

            WorktreeRemoval.Run(new[] { Branch("twice"), PathOf(wt) }, sb.RepoPath, Safe, passThru: true, host);

            Assert.Single(host.Questions);
            Assert.Single(host.Outputs);
            Assert.Empty(host.Errors);
            Assert.Contains(host.VerboseLines, l => l.Contains("names a target already selected", StringComparison.Ordinal));
        }

        [Fact]
        public void Bad_targets_are_per_target_errors_with_the_input_as_target_and_the_rest_is_removed()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("real");
            var nowhere = Path.Combine(sb.Root, "nowhere");
            var host = new RecordingOperationHost(sb.RepoPath);

            WorktreeRemoval.Run(new[] { Branch("no-such-branch"), PathOf(nowhere), Branch("real") }, sb.RepoPath, Safe, passThru: false, host);

            Assert.Equal(new[] { ErrorIds.BranchNotFound, ErrorIds.WorktreeNotFound }, host.Errors.Select(e => e.Error.ErrorId));
            Assert.Equal(new object[] { "no-such-branch", nowhere }, host.Errors.Select(e => e.Target));
            Assert.Single(host.Questions);
            Assert.False(Directory.Exists(wt));
        }

        [Fact]
        public void A_path_registered_in_another_repository_is_removed_from_that_repository()
        {
            using var sb = GitSandbox.Create("one");
            using var other = GitSandbox.Create("two");
            var theirs = other.AddWorktree("theirs");
            var host = new RecordingOperationHost(sb.RepoPath);

            WorktreeRemoval.Run(new[] { PathOf(theirs) }, sb.RepoPath, Safe, passThru: true, host);

            Assert.Empty(host.Errors);
            Assert.False(Directory.Exists(theirs));
            Assert.Single(host.Outputs);
            Assert.Single(RemovalFixture.Listed(other));
            Assert.False(RemovalFixture.BranchExists(other, "theirs"));
        }

        [Fact]
        public void The_worktree_the_session_stands_in_goes_last_and_the_session_moves_to_the_same_folder_of_the_main_worktree()
        {
            using var sb = GitSandbox.Create();
            var here = sb.AddWorktree("here");
            var other = sb.AddWorktree("other");
            sb.CommitFile(sb.RepoPath, "sub/file.txt", "x\n");
            sb.Git(here, "merge", "-q", "--ff-only", "main");
            var inside = Path.Combine(here, "sub");
            var host = new RecordingOperationHost(inside);

            WorktreeRemoval.Run(new[] { Branch("here"), Branch("other") }, inside, Safe, passThru: true, host);

            Assert.Equal(new[] { "other", "here" }, host.Outputs.Cast<WtRemovalResult>().Select(r => r.Branch));
            Assert.Equal(Path.Combine(PathUtil.TrimEnd(sb.RepoPath), "sub"), PathUtil.TrimEnd(Assert.Single(host.Moves)));
            Assert.False(Directory.Exists(here));
            Assert.False(Directory.Exists(other));
            Assert.Contains(host.VerboseLines, l => l.StartsWith("The session was inside the worktree", StringComparison.Ordinal));
        }

        [Fact]
        public void When_the_last_moment_guard_refuses_after_the_session_moved_out_the_session_is_moved_back()
        {
            using var sb = GitSandbox.Create();
            var here = sb.AddWorktree("here");
            var host = new RecordingOperationHost(here);

            // Made dirty after planning, once confirmed: the executor's guard refuses, after the move.
            host.Approve = (_, _) =>
            {
                sb.WriteFile(here, "late.txt", "written after planning\n");
                return true;
            };
            WorktreeRemoval.Run(new[] { Branch("here") }, here, Safe, passThru: true, host);

            Assert.Equal(ErrorIds.WorktreeDirty, Assert.Single(host.Errors).Error.ErrorId);
            Assert.Equal(2, host.Moves.Count);
            Assert.Equal(PathUtil.Canonicalize(sb.RepoPath), PathUtil.Canonicalize(host.Moves[0]));
            Assert.Equal(PathUtil.Canonicalize(here), PathUtil.Canonicalize(host.Moves[1]));
            Assert.Equal(PathUtil.Canonicalize(here), PathUtil.Canonicalize(host.CurrentLocation!));
            Assert.True(File.Exists(Path.Combine(here, "late.txt")));
            Assert.Empty(host.Outputs);
        }

        [Fact]
        public void Ctrl_C_before_the_first_target_changes_nothing()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var host = new RecordingOperationHost(sb.RepoPath);
            host.Cancel();

            WorktreeRemoval.Run(new[] { Branch("feature") }, sb.RepoPath, Safe, passThru: true, host);

            Assert.Empty(host.Questions);
            Assert.Empty(host.Outputs);
            Assert.True(Directory.Exists(wt));
            Assert.True(RemovalFixture.BranchExists(sb, "feature"));
        }

        [Fact]
        public void Ctrl_C_during_a_target_stops_the_operation_before_the_next_one()
        {
            using var sb = GitSandbox.Create();
            var first = sb.AddWorktree("first");
            var second = sb.AddWorktree("second");
            var host = new RecordingOperationHost(sb.RepoPath);
            host.Approve = (_, _) =>
            {
                host.Cancel();
                return true;
            };

            WorktreeRemoval.Run(new[] { Branch("first"), Branch("second") }, sb.RepoPath, Safe, passThru: true, host);

            Assert.Single(host.Questions);
            Assert.True(Directory.Exists(second));
            Assert.True(RemovalFixture.BranchExists(sb, "second"));
            _ = first;
        }

        [Fact]
        public void The_closing_sweep_reaps_the_repository_orphans_from_the_list_read_at_planning_without_git_worktree_list()
        {
            using var bed = new DaemonTestBed();
            var sb = bed.Sandbox;
            var gone = sb.AddWorktree("gone");
            var wt = sb.AddWorktree("feature");
            var keep = sb.AddWorktree("keep");
            var orphan = bed.StartDaemon(DaemonTestBed.GitDirOf(gone));
            var live = bed.StartDaemon(DaemonTestBed.GitDirOf(keep));
            TestFiles.DeleteTree(gone);
            var host = new RecordingOperationHost(sb.RepoPath);

            WorktreeRemoval.Run(new[] { Branch("feature") }, sb.RepoPath, Safe, passThru: true, host);

            Assert.Single(host.Outputs);
            Assert.False(Directory.Exists(wt));
            Assert.True(TestProcesses.WaitUntil(() => !orphan.IsAlive, TimeSpan.FromSeconds(30)), "the closing sweep did not reap the orphan");
            Assert.True(live.IsAlive);
            Assert.DoesNotContain(host.VerboseLines, l => l.Contains("worktree list", StringComparison.Ordinal));
        }

        [Fact]
        public void A_worktree_registered_after_planning_is_listed_again_and_its_daemon_is_not_taken_for_an_orphan()
        {
            using var bed = new DaemonTestBed();
            var sb = bed.Sandbox;
            sb.AddWorktree("feature");
            var host = new RecordingOperationHost(sb.RepoPath);
            Worktrunk.StandIn.StandInProcess? late = null;
            host.Approve = (_, _) =>
            {
                // After the list was read: a new worktree and its daemon (a concurrent `git worktree add`).
                var added = sb.AddWorktree("late");
                late = bed.StartDaemon(DaemonTestBed.GitDirOf(added));
                return true;
            };

            WorktreeRemoval.Run(new[] { Branch("feature") }, sb.RepoPath, Safe, passThru: false, host);

            Assert.NotNull(late);
            Assert.True(late!.IsAlive);
            Assert.Contains(host.VerboseLines, l => l.Contains("listing it again", StringComparison.Ordinal));
            Assert.Contains(host.VerboseLines, l => l.Contains("worktree list", StringComparison.Ordinal));
        }

        [Fact]
        public void A_list_read_earlier_is_handed_on_only_while_it_still_names_every_registration()
        {
            using var sb = GitSandbox.Create();
            var x = sb.AddWorktree("x");
            sb.AddWorktree("y");
            var git = new Worktrunk.Git.GitRunner(NullSink.Instance);
            var listed = RemovalFixture.Context(sb, git).Worktrees;
            var common = PathUtil.Canonicalize(sb.CommonDir);
            Assert.True(Worktrunk.Daemons.GitWorktreeListings.StillCovers(listed, common));

            // A registration removed since (what the removal itself does) is fine.
            sb.Git(sb.RepoPath, "worktree", "remove", x);
            Assert.True(Worktrunk.Daemons.GitWorktreeListings.StillCovers(listed, common));

            // The same id reused by a worktree elsewhere: the list no longer describes it.
            var elsewhere = Path.Combine(sb.Root, "else", "x");
            sb.Git(sb.RepoPath, "worktree", "add", "-q", "-b", "x2", elsewhere, "main");
            Assert.True(Directory.Exists(Path.Combine(sb.CommonDir, "worktrees", "x")));
            Assert.False(Worktrunk.Daemons.GitWorktreeListings.StillCovers(listed, common));
        }

        [Fact]
        public void WhatIf_runs_no_closing_sweep()
        {
            using var bed = new DaemonTestBed();
            var sb = bed.Sandbox;
            var gone = sb.AddWorktree("gone");
            sb.AddWorktree("feature");
            var orphan = bed.StartDaemon(DaemonTestBed.GitDirOf(gone));
            TestFiles.DeleteTree(gone);
            var host = new RecordingOperationHost(sb.RepoPath, whatIf: true);

            WorktreeRemoval.Run(new[] { Branch("feature") }, sb.RepoPath, Safe, passThru: true, host);

            Assert.Single(host.Questions);
            Assert.True(orphan.IsAlive);
            Assert.DoesNotContain(host.VerboseLines, l => l.StartsWith("fsmonitor sweep:", StringComparison.Ordinal));
        }

        [Fact]
        public void Ordered_puts_other_worktrees_first_then_branches_and_stale_entries_then_the_current_worktree()
        {
            using var sb = GitSandbox.Create();
            var here = sb.AddWorktree("here");
            sb.AddWorktree("other");
            sb.Git(sb.RepoPath, "branch", "lonely");
            var git = new Worktrunk.Git.GitRunner(NullSink.Instance);
            var context = RemovalFixture.Context(sb, git, here);
            var probe = new GitRemovalProbe(git);
            var plans = new List<RemovalPlan>
            {
                RemovalPlanner.Plan(Branch("here"), context, Safe, probe),
                RemovalPlanner.Plan(Branch("lonely"), context, Safe, probe),
                RemovalPlanner.Plan(Branch("other"), context, Safe, probe),
            };

            Assert.Equal(new[] { "other", "lonely", "here" }, WorktreeRemoval.Ordered(plans).Select(p => p.Branch));
        }
    }
}
