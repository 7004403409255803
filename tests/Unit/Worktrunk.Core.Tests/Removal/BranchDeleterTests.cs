using System.Collections.Generic;
using Worktrunk.Git;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Removal
{
    /// <summary>Every branch outcome, including a branch that moves between the check and the delete.</summary>
    public sealed class BranchDeleterTests
    {
        private static readonly GitRunner Git = new GitRunner(new RecordingSink());

        private static BranchResult Delete(GitSandbox sb, string? branch, BranchMode mode, string? shared = null, System.Action<RemovalStep>? step = null) =>
            BranchDeleter.Delete(Git, RemovalFixture.Context(sb, Git), branch, mode, shared, step ?? (_ => { }));

        [Fact]
        public void An_integrated_branch_is_deleted_with_its_level_and_target()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "branch", "b");
            sb.CommitFile(sb.RepoPath, "m.txt", "m\n");
            var steps = new List<RemovalStep>();
            var r = Delete(sb, "b", BranchMode.SafeDelete, step: steps.Add);
            Assert.Equal(WtBranchOutcome.Deleted, r.Outcome);
            Assert.Equal(WtIntegrationLevel.Ancestor, r.Level);
            Assert.Equal("main", r.Target);
            Assert.Equal("ancestor of main", r.Reason);
            Assert.Equal(new[] { RemovalStep.BeforeBranchDelete }, steps);
            Assert.False(RemovalFixture.BranchExists(sb, "b"));
        }

        [Fact]
        public void An_unmerged_branch_is_kept()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("b");
            sb.CommitFile(wt, "w.txt", "work\n");
            sb.Git(sb.RepoPath, "worktree", "remove", wt);
            var r = Delete(sb, "b", BranchMode.SafeDelete);
            Assert.Equal(WtBranchOutcome.RetainedUnmerged, r.Outcome);
            Assert.Contains("-ForceDeleteBranch", r.Reason);
            Assert.True(RemovalFixture.BranchExists(sb, "b"));
        }

        [Fact]
        public void A_branch_that_moves_between_the_check_and_the_delete_is_kept_RetainedRaced()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "branch", "b");
            string? moved = null;
            var r = Delete(sb, "b", BranchMode.SafeDelete, step: s =>
            {
                if (s == RemovalStep.BeforeBranchDelete)
                {
                    // Another agent commits to the branch right now.
                    var tree = sb.Git(sb.RepoPath, "rev-parse", "b^{tree}").Trim();
                    moved = sb.Git(sb.RepoPath, "commit-tree", tree, "-p", "b", "-m", "late work").Trim();
                    sb.Git(sb.RepoPath, "update-ref", "refs/heads/b", moved);
                }
            });
            Assert.Equal(WtBranchOutcome.RetainedRaced, r.Outcome);
            Assert.Equal(WtIntegrationLevel.SameCommit, r.Level);
            Assert.Equal(moved, sb.Git(sb.RepoPath, "rev-parse", "refs/heads/b").Trim());
        }

        [Fact]
        public void A_default_branch_that_moves_back_between_the_check_and_the_delete_is_caught_by_the_transaction()
        {
            using var sb = GitSandbox.Create();
            var before = sb.Git(sb.RepoPath, "rev-parse", "main").Trim();
            sb.CommitFile(sb.RepoPath, "m.txt", "m\n");
            sb.Git(sb.RepoPath, "branch", "b");
            var calls = 0;
            var r = Delete(sb, "b", BranchMode.SafeDelete, step: s =>
            {
                if (s == RemovalStep.BeforeBranchDelete && calls++ == 0)
                {
                    // main is reset behind b right after b was judged "same commit as main": b's
                    // commit now lives only on b. Deleting b by its own tip alone would lose it.
                    sb.Git(sb.RepoPath, "update-ref", "refs/heads/main", before);
                }
            });

            // The transaction verified main's tip, so nothing was deleted; judged again on the refs
            // as they are now, b holds work main lacks.
            Assert.Equal(WtBranchOutcome.RetainedUnmerged, r.Outcome);
            Assert.Equal(1, calls);
            Assert.True(RemovalFixture.BranchExists(sb, "b"));
        }

        [Fact]
        public void A_merge_that_lands_after_planning_counts_the_snapshot_is_never_the_last_word()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("b");
            sb.CommitFile(wt, "w.txt", "work\n");
            sb.Git(sb.RepoPath, "worktree", "remove", wt);
            var context = RemovalFixture.Context(sb, Git);

            // While a -Confirm prompt waited, b was merged.
            sb.Git(sb.RepoPath, "merge", "-q", "--ff-only", "b");
            var r = BranchDeleter.Delete(Git, context, "b", BranchMode.SafeDelete, null, _ => { });
            Assert.Equal(WtBranchOutcome.Deleted, r.Outcome);
            Assert.Equal(WtIntegrationLevel.SameCommit, r.Level);
            Assert.False(RemovalFixture.BranchExists(sb, "b"));
        }

        [Fact]
        public void A_branch_that_moved_after_planning_is_kept_RetainedRaced()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "branch", "b");
            var context = RemovalFixture.Context(sb, Git);

            // Planning read b's tip (the snapshot reads each ref when first used, as a plan does).
            Assert.NotNull(context.Refs!.Branch("b"));

            // An agent commits to b after the removal was planned (while -Confirm waited, say).
            var tree = sb.Git(sb.RepoPath, "rev-parse", "b^{tree}").Trim();
            var moved = sb.Git(sb.RepoPath, "commit-tree", tree, "-p", "b", "-m", "late work").Trim();
            sb.Git(sb.RepoPath, "update-ref", "refs/heads/b", moved);
            var r = BranchDeleter.Delete(Git, context, "b", BranchMode.SafeDelete, null, _ => { });
            Assert.Equal(WtBranchOutcome.RetainedRaced, r.Outcome);
            Assert.Contains("moved while it was being removed", r.Reason);
            Assert.Equal(moved, sb.Git(sb.RepoPath, "rev-parse", "refs/heads/b").Trim());
        }

        [Fact]
        public void The_transaction_verifies_every_tip_judged_and_deletes_at_the_tip_judged()
        {
            var bytes = BranchDeleter.Transaction("feat/x", "aaaa", new[] { ("refs/heads/main", "bbbb"), ("refs/remotes/origin/main", "cccc") });
            Assert.Equal(
                "verify refs/heads/main\0bbbb\0verify refs/remotes/origin/main\0cccc\0delete refs/heads/feat/x\0aaaa\0",
                System.Text.Encoding.UTF8.GetString(bytes));
        }

        [Fact]
        public void A_branch_deleted_by_someone_else_before_the_delete_is_RetainedFailed_not_raced()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "branch", "b");
            var r = Delete(sb, "b", BranchMode.SafeDelete, step: s =>
            {
                if (s == RemovalStep.BeforeBranchDelete)
                {
                    sb.Git(sb.RepoPath, "branch", "-D", "b");
                }
            });
            Assert.Equal(WtBranchOutcome.RetainedFailed, r.Outcome);
            Assert.Contains("update-ref", r.Reason);
        }

        [Fact]
        public void A_branch_checked_out_elsewhere_on_a_fresh_read_is_kept_with_the_path()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "branch", "b");
            var context = RemovalFixture.Context(sb, Git);

            // Checked out after the context (the planning snapshot) was read.
            var late = sb.AddWorktree("late", "late-dir");
            sb.Git(late, "checkout", "-q", "b");
            var r = BranchDeleter.Delete(Git, context, "b", BranchMode.SafeDelete, null, _ => { });
            Assert.Equal(WtBranchOutcome.RetainedCheckedOut, r.Outcome);
            Assert.Equal(late, r.CheckedOutAt);
            Assert.True(RemovalFixture.BranchExists(sb, "b"));

            var forced = BranchDeleter.Delete(Git, context, "b", BranchMode.ForceDelete, null, _ => { });
            Assert.Equal(WtBranchOutcome.RetainedCheckedOut, forced.Outcome);
        }

        [Fact]
        public void A_locked_worktree_whose_directory_is_gone_still_holds_its_branch()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("b");
            sb.Git(sb.RepoPath, "worktree", "lock", wt);
            TestFiles.DeleteTree(wt);
            Assert.Equal(WtBranchOutcome.RetainedCheckedOut, Delete(sb, "b", BranchMode.SafeDelete).Outcome);
        }

        [Fact]
        public void Force_delete_handles_a_branch_named_like_an_option_and_unmerged_work()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "update-ref", "refs/heads/-x", "HEAD");
            var wt = sb.AddWorktree("u");
            sb.CommitFile(wt, "u.txt", "unmerged\n");
            sb.Git(sb.RepoPath, "worktree", "remove", wt);

            Assert.Equal(WtBranchOutcome.Deleted, Delete(sb, "-x", BranchMode.ForceDelete).Outcome);
            Assert.False(RemovalFixture.BranchExists(sb, "-x"));
            var r = Delete(sb, "u", BranchMode.ForceDelete);
            Assert.Equal(WtBranchOutcome.Deleted, r.Outcome);
            Assert.Contains("-ForceDeleteBranch", r.Reason);
            Assert.False(RemovalFixture.BranchExists(sb, "u"));
        }

        [Fact]
        public void Keep_detached_shared_and_vanished_branches_are_not_attempted_or_retained()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "branch", "b");
            Assert.Equal(WtBranchOutcome.NotAttempted, Delete(sb, "b", BranchMode.Keep).Outcome);
            Assert.Equal(WtBranchOutcome.NotAttempted, Delete(sb, null, BranchMode.ForceDelete).Outcome);
            var shared = Delete(sb, "b", BranchMode.ForceDelete, shared: "/somewhere");
            Assert.Equal(WtBranchOutcome.RetainedCheckedOut, shared.Outcome);
            Assert.Equal("/somewhere", shared.CheckedOutAt);
            Assert.Equal(WtBranchOutcome.NotAttempted, Delete(sb, "never-existed", BranchMode.SafeDelete).Outcome);
            Assert.True(RemovalFixture.BranchExists(sb, "b"));
        }
    }
}
