using System.IO;
using System.Linq;
using System.Management.Automation;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Removal
{
    /// <summary>
    /// Every refusal, through the cmdlet on real repositories: the right error id, category and
    /// target, and the repository byte-for-byte as it was (every file, every ref, every registration).
    /// </summary>
    public sealed class RemoveGuardTests
    {
        internal const string Suffix = ",Worktrunk.PowerShell.Commands.RemoveWtWorktreeCommand";

        internal static ErrorRecord RefusedUnchanged(GitSandbox sb, PowerShellSession ps, string script, string errorId, params object[] args)
        {
            return Refusals.Unchanged(sb, ps, script, errorId + Suffix, args);
        }

        [Fact]
        public void The_main_worktree_is_refused_even_with_every_switch()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("feature");
            using var ps = new PowerShellSession(sb.RepoPath);
            var e = RefusedUnchanged(sb, ps, "Remove-WtWorktree -Path $args[0] -Force -ForceDeleteBranch -Wait", "MainWorktreeRefused", sb.RepoPath);
            Assert.Equal(ErrorCategory.InvalidOperation, e.CategoryInfo.Category);
            Assert.Equal(sb.RepoPath, e.TargetObject);
            RefusedUnchanged(sb, ps, "Remove-WtWorktree -Path . -Force", "MainWorktreeRefused");
        }

        [Fact]
        public void A_locked_worktree_is_refused_with_its_reason_and_the_unlock_hint_even_with_Force()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("busy");
            sb.Git(sb.RepoPath, "worktree", "lock", "--reason", "agent 7 is running", wt);
            using var ps = new PowerShellSession(sb.RepoPath);
            var e = RefusedUnchanged(sb, ps, "Remove-WtWorktree -Branch busy -Force -ForceDeleteBranch", "WorktreeLocked");
            Assert.Contains("agent 7 is running", e.Exception.Message);
            Assert.Contains("git worktree unlock '" + wt + "'", e.ErrorDetails.RecommendedAction);
            Assert.Equal("busy", e.TargetObject);
        }

        [Fact]
        public void A_directory_holding_another_repository_fails_the_ownership_gate_even_with_Force()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            File.Delete(Path.Combine(wt, ".git"));
            sb.Git(wt, "init", "-q", "-b", "unrelated");
            sb.CommitFile(wt, "precious.txt", "someone else's work\n");
            using var ps = new PowerShellSession(sb.RepoPath);
            var e = RefusedUnchanged(sb, ps, "Remove-WtWorktree -Path $args[0] -Force -ForceDeleteBranch", "WorktreeNotOwned", wt);
            Assert.Contains("unrelated data", e.ErrorDetails.RecommendedAction);
            RefusedUnchanged(sb, ps, "Remove-WtWorktree -Branch feature -Force", "WorktreeNotOwned");
        }

        [Fact]
        public void A_sibling_worktree_moved_onto_the_path_fails_the_ownership_gate_and_names_the_sibling()
        {
            using var sb = GitSandbox.Create();
            var a = sb.AddWorktree("a");
            var b = sb.AddWorktree("b");
            Directory.Move(a, a + ".parked");
            Directory.Move(b, a);
            using var ps = new PowerShellSession(sb.RepoPath);
            var e = RefusedUnchanged(sb, ps, "Remove-WtWorktree -Path $args[0] -Force", "WorktreeNotOwned", a);
            Assert.Contains(b, e.ErrorDetails.RecommendedAction);
        }

        [Fact]
        public void The_default_branch_is_refused_unless_ForceDeleteBranch_as_a_worktree_and_as_a_branch()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "switch", "-q", "-c", "dev");
            var wt = Path.Combine(sb.Root, "wt-main");
            sb.Git(sb.RepoPath, "worktree", "add", "-q", wt, "main");
            using var ps = new PowerShellSession(sb.RepoPath);
            var e = RefusedUnchanged(sb, ps, "Remove-WtWorktree -Branch main -Force", "DefaultBranchRefused");
            Assert.Contains("-ForceDeleteBranch", e.ErrorDetails.RecommendedAction);
            RefusedUnchanged(sb, ps, "Remove-WtWorktree -Path $args[0] -KeepBranch", "DefaultBranchRefused", wt);

            var removed = ps.Invoke("Remove-WtWorktree -Path $args[0] -ForceDeleteBranch -Wait -PassThru", wt);
            Assert.Empty(removed.Errors);
            Assert.Equal(WtBranchOutcome.Deleted, removed.Single<WtRemovalResult>().BranchOutcome);
            Assert.False(Directory.Exists(wt));

            // With no worktree left, the default branch alone is still guarded.
            sb.Git(sb.RepoPath, "branch", "main", "dev");
            RefusedUnchanged(sb, ps, "Remove-WtWorktree -Branch main", "DefaultBranchRefused");
        }

        [Fact]
        public void The_default_branch_named_by_init_defaultBranch_is_guarded_from_every_config_scope()
        {
            // This assembly runs its tests one at a time, so the process environment may change here.
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "branch", "trunk");
            var wt = Path.Combine(sb.Root, "wt-trunk");
            sb.Git(sb.RepoPath, "worktree", "add", "-q", wt, "trunk");
            var system = Path.Combine(sb.Root, "system-gitconfig");
            File.WriteAllText(system, "[init]\n\tdefaultBranch = trunk\n");
            var savedNoSystem = System.Environment.GetEnvironmentVariable("GIT_CONFIG_NOSYSTEM");
            var savedSystem = System.Environment.GetEnvironmentVariable("GIT_CONFIG_SYSTEM");
            try
            {
                System.Environment.SetEnvironmentVariable("GIT_CONFIG_NOSYSTEM", null);
                System.Environment.SetEnvironmentVariable("GIT_CONFIG_SYSTEM", system);
                using var ps = new PowerShellSession(sb.RepoPath);

                // The system file: only git knows where its build keeps it, so git is asked, once per process.
                var first = ps.Invoke("Remove-WtWorktree -Branch trunk -Verbose");
                Assert.Equal("DefaultBranchRefused" + Suffix, Assert.Single(first.Errors).FullyQualifiedErrorId);
                Assert.Contains(first.Verbose, v => v.Contains("config --list --show-scope --includes -z", System.StringComparison.Ordinal));
                var second = ps.Invoke("Remove-WtWorktree -Path $args[0] -Verbose", wt);
                Assert.Equal("DefaultBranchRefused" + Suffix, Assert.Single(second.Errors).FullyQualifiedErrorId);
                Assert.DoesNotContain(second.Verbose, v => v.Contains(" config ", System.StringComparison.Ordinal));

                // The repository's own config outranks it, read from the file: main is the default again.
                sb.Git(sb.RepoPath, "config", "init.defaultBranch", "main");
                var third = ps.Invoke("Remove-WtWorktree -Branch trunk -Wait -PassThru -Verbose");
                Assert.Empty(third.Errors);
                Assert.Equal(WtBranchOutcome.Deleted, third.Single<WtRemovalResult>().BranchOutcome);
                Assert.DoesNotContain(third.Verbose, v => v.Contains(" config ", System.StringComparison.Ordinal));
                Assert.False(Directory.Exists(wt));
            }
            finally
            {
                System.Environment.SetEnvironmentVariable("GIT_CONFIG_NOSYSTEM", savedNoSystem);
                System.Environment.SetEnvironmentVariable("GIT_CONFIG_SYSTEM", savedSystem);
            }
        }

        [Fact]
        public void The_dirty_gate_sees_untracked_files_even_when_status_showUntrackedFiles_is_no()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "config", "status.showUntrackedFiles", "no");
            var wt = sb.AddWorktree("feature");
            sb.WriteFile(wt, "notes/agent-output.md", "the only copy\n");
            Assert.Equal(string.Empty, sb.Git(wt, "status", "--porcelain"));
            using var ps = new PowerShellSession(sb.RepoPath);
            var e = RefusedUnchanged(sb, ps, "Remove-WtWorktree -Branch feature", "WorktreeDirty");
            Assert.Contains("?? notes/", e.Exception.Message);
            Assert.Contains("-Force", e.ErrorDetails.RecommendedAction);
        }

        [Fact]
        public void The_dirty_gate_lists_staged_and_modified_files_and_Force_lifts_it()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            sb.WriteFile(wt, "staged.txt", "staged\n");
            sb.Git(wt, "add", "staged.txt");
            sb.WriteFile(wt, "README.md", "modified\n");
            using var ps = new PowerShellSession(sb.RepoPath);
            var e = RefusedUnchanged(sb, ps, "Remove-WtWorktree -Branch feature", "WorktreeDirty");
            Assert.Contains("A  staged.txt", e.Exception.Message);
            Assert.Contains(" M README.md", e.Exception.Message);

            var forced = ps.Invoke("Remove-WtWorktree -Branch feature -Force -Wait -PassThru");
            Assert.Empty(forced.Errors);
            var r = forced.Single<WtRemovalResult>();
            Assert.True(r.Forced);
            Assert.False(Directory.Exists(wt));
        }

        [Fact]
        public void Unknown_targets_are_refused_with_not_found_ids()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("feature");
            var plain = Path.Combine(sb.Root, "just-a-dir");
            Directory.CreateDirectory(plain);
            using var ps = new PowerShellSession(sb.RepoPath);
            var e = RefusedUnchanged(sb, ps, "Remove-WtWorktree -Path $args[0]", "WorktreeNotFound", plain);
            Assert.Equal(ErrorCategory.ObjectNotFound, e.CategoryInfo.Category);
            RefusedUnchanged(sb, ps, "Remove-WtWorktree -Path $args[0]", "WorktreeNotFound", Path.Combine(sb.Root, "wt-feature", "src"));
            var b = RefusedUnchanged(sb, ps, "Remove-WtWorktree -Branch no-such-branch", "BranchNotFound");
            Assert.Equal("no-such-branch", b.TargetObject);
            RefusedUnchanged(sb, ps, "Remove-WtWorktree -Branch 'agent/*'", "BranchNotFound");
        }

        [Fact]
        public void KeepBranch_with_ForceDeleteBranch_is_a_terminating_error_and_nothing_is_done()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("feature");
            using var ps = new PowerShellSession(sb.RepoPath);
            var before = RepoSnapshot.Take(sb);
            var r = ps.Invoke("Get-WtWorktree -Branch feature | Remove-WtWorktree -KeepBranch -ForceDeleteBranch");
            Assert.NotNull(r.Terminating);
            Assert.Equal("ConflictingBranchOptions" + Suffix, r.Terminating!.ErrorRecord.FullyQualifiedErrorId);
            before.AssertUnchanged(sb);
        }

        [Fact]
        public void A_prunable_entry_whose_directory_was_recreated_is_refused_as_missing()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            TestFiles.DeleteTree(wt);
            Directory.CreateDirectory(wt);
            File.WriteAllText(Path.Combine(wt, "new-project.txt"), "not a worktree any more\n");
            using var ps = new PowerShellSession(sb.RepoPath);
            RefusedUnchanged(sb, ps, "Remove-WtWorktree -Branch feature -Force", "WorktreeMissing");
        }

        [Fact]
        public void A_worktree_with_another_worktree_nested_inside_is_refused_even_with_Force()
        {
            using var sb = GitSandbox.Create();
            var outer = sb.AddWorktree("outer");
            sb.Git(sb.RepoPath, "worktree", "add", "-q", "-b", "inner", Path.Combine(outer, "inner"));
            using var ps = new PowerShellSession(sb.RepoPath);
            RefusedUnchanged(sb, ps, "Remove-WtWorktree -Branch outer -Force", "WorktreeContainsWorktree");
        }

        [Fact]
        public void WhatIf_changes_nothing_at_all_not_even_the_sweep()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("agent/one");
            var dirty = sb.AddWorktree("agent/two");
            sb.WriteFile(dirty, "wip.txt", "wip\n");
            var stale = Path.Combine(sb.CommonDir, "wt", "trash", "old-" + (System.DateTimeOffset.UtcNow.ToUnixTimeSeconds() - (3 * 86400)));
            sb.WriteFile(stale, "leftover.txt", "from a crashed removal\n");
            using var ps = new PowerShellSession(sb.RepoPath);
            var before = RepoSnapshot.Take(sb);
            var r = ps.Invoke("Get-WtWorktree | Remove-WtWorktree -WhatIf -Force -ForceDeleteBranch -PassThru");
            Assert.Empty(r.Output);

            // Planning still runs: the main worktree is refused even under -WhatIf.
            Assert.Equal("MainWorktreeRefused" + Suffix, Assert.Single(r.Errors).FullyQualifiedErrorId);
            before.AssertUnchanged(sb);
            Assert.False(File.Exists(Path.Combine(sb.CommonDir, "wt", "remove.lock")));
        }

        [Fact]
        public void A_pipeline_of_several_removes_the_others_when_one_is_refused()
        {
            using var sb = GitSandbox.Create();
            var one = sb.AddWorktree("agent/one");
            var two = sb.AddWorktree("agent/two");
            var three = sb.AddWorktree("agent/three");
            sb.WriteFile(two, "wip.txt", "uncommitted agent work\n");
            var registration = Path.Combine(sb.CommonDir, "worktrees", "wt-agent-two");
            var kept = RepoSnapshot.TakeDirectories(two, registration);
            using var ps = new PowerShellSession(sb.RepoPath);

            var r = ps.Invoke("Get-WtWorktree -Branch 'agent/*' | Remove-WtWorktree -PassThru -Wait");
            var error = Assert.Single(r.Errors);
            Assert.Equal("WorktreeDirty" + Suffix, error.FullyQualifiedErrorId);
            Assert.Equal("agent/two", ((WtWorktree)error.TargetObject).Branch);
            Assert.Equal(new[] { "agent/one", "agent/three" }, r.All<WtRemovalResult>().Select(x => x.Branch).OrderBy(x => x));
            Assert.False(Directory.Exists(one));
            Assert.False(Directory.Exists(three));
            kept.AssertDirectoriesUnchanged(two, registration);
            Assert.Contains("refs/heads/agent/two", sb.Git(sb.RepoPath, "for-each-ref", "--format=%(refname)"));
        }
    }
}
