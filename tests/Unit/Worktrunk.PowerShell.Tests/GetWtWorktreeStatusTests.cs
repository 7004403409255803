using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests
{
    /// <summary>Get-WtWorktree -Status as a user runs it, and the prune pipeline on a real repository.</summary>
    public sealed class GetWtWorktreeStatusTests
    {
        [Fact]
        public void Status_objects_carry_the_status_type_name_and_render_a_status_column_that_fits_80()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("agent/fix-the-login-page-redirect-loop");
            sb.WriteFile(wt, "notes.txt", "x\n");
            sb.CommitFile(sb.RepoPath, "main.txt", "main moves on\n");
            using var ps = new PowerShellSession(sb.RepoPath);

            var r = ps.Invoke("Get-WtWorktree -Status");
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            Assert.All(r.Output, o =>
            {
                Assert.Equal("Worktrunk.WtWorktree#Status", o.TypeNames[0]);
                Assert.Contains("Worktrunk.WtWorktree", o.TypeNames);
            });
            var agent = r.All<WtWorktree>().Single(w => !w.IsMain);
            Assert.Equal(1, agent.Untracked);
            Assert.Equal(1, agent.Behind);
            Assert.True(agent.IsIntegrated);
            Assert.Equal("?1 ↓1 ⊂", agent.StatusSummary);

            var text = ps.Invoke("Get-WtWorktree -Status | Out-String -Width 80").Output.Single().ToString()!;
            var lines = text.Replace("\r", string.Empty).Split('\n');
            Assert.All(lines, l => Assert.True(l.Length <= 80, text));
            Assert.Contains(lines, l => Regex.IsMatch(l, @"^Branch\s+State\s+Status\s+Path\s*$"));
            Assert.Contains(lines, l => Regex.IsMatch(l, @"^agent/fix-the-login-page\s+\?1 ↓1 ⊂\s+/"));

            // Without -Status the table is the plain one.
            var plain = ps.Invoke("Get-WtWorktree | Out-String -Width 80").Output.Single().ToString()!;
            Assert.Contains(plain.Replace("\r", string.Empty).Split('\n'), l => Regex.IsMatch(l, @"^Branch\s+State\s+Path\s*$"));
            Assert.DoesNotContain("Status", plain, StringComparison.Ordinal);
        }

        [Fact]
        public void Without_Status_no_status_git_runs_and_the_properties_are_null()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("a");
            using var ps = new PowerShellSession(sb.RepoPath);
            var plain = ps.Invoke("Get-WtWorktree -Verbose");
            Assert.Single(plain.Verbose, v => v.Contains("git --", StringComparison.Ordinal));
            Assert.All(plain.All<WtWorktree>(), w => Assert.True(w.Staged == null && w.Ahead == null && w.IsIntegrated == null && w.Operation == null && w.StatusSummary == null));

            var status = ps.Invoke("Get-WtWorktree -Status -Verbose");
            Assert.Equal(2, status.Verbose.Count(v => v.Contains(" status --porcelain=v2 -z --untracked-files=normal", StringComparison.Ordinal)));
            Assert.All(status.All<WtWorktree>(), w => Assert.Equal(0, w.Staged));
        }

        [Fact]
        public void A_worktree_whose_directory_is_gone_is_a_warning_not_a_failed_listing()
        {
            using var sb = GitSandbox.Create();
            var gone = sb.AddWorktree("gone");
            sb.AddWorktree("kept");
            TestFiles.DeleteTree(gone);
            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("Get-WtWorktree -Status");
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            Assert.Equal(3, r.Output.Count);
            Assert.Contains(r.Warnings, w => w.Contains(gone, StringComparison.Ordinal) && w.Contains("does not exist", StringComparison.Ordinal));
            Assert.NotNull(r.All<WtWorktree>().Single(w => w.Branch == "gone").StatusError);
            Assert.Null(r.All<WtWorktree>().Single(w => w.Branch == "kept").StatusError);
        }

        [Fact]
        public void Many_worktrees_show_progress_and_complete_it()
        {
            using var sb = GitSandbox.Create();
            for (var i = 0; i < 8; i++)
            {
                sb.AddWorktree("agent-" + i);
            }

            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("Get-WtWorktree -Status");
            Assert.Equal(9, r.Output.Count);
            var progress = r.Progress.Where(p => p.Activity == "Reading worktree status").ToList();
            Assert.Contains(progress, p => p.StatusDescription == "9 of 9");
            Assert.Equal(System.Management.Automation.ProgressRecordType.Completed, progress.Last().RecordType);

            // A few worktrees: no progress bar.
            var few = ps.Invoke("Get-WtWorktree -Status -Branch agent-1, agent-2");
            Assert.DoesNotContain(few.Progress, p => p.Activity == "Reading worktree status");
        }

        [Fact]
        public void The_branch_and_path_selections_keep_their_errors_with_Status()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("a");
            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("Get-WtWorktree -Status -Branch a, nope");
            Assert.Equal("a", r.Single<WtWorktree>().Branch);
            Assert.Equal(0, r.Single<WtWorktree>().Ahead);
            Assert.Equal("WorktreeNotFound,Worktrunk.PowerShell.Commands.GetWtWorktreeCommand", Assert.Single(r.Errors).FullyQualifiedErrorId);
            Assert.Equal("nope", r.Errors[0].TargetObject);

            var verbose = ps.Invoke("Get-WtWorktree -Status -Branch a -Verbose");
            Assert.Single(verbose.Verbose, v => v.Contains(" status --porcelain=v2", StringComparison.Ordinal));
        }

        /// <summary>
        /// main; merged (merged with --no-ff, clean); squashed (squash-merged: merging adds nothing);
        /// dirty (merged, an untracked file); unmerged (a commit main lacks).
        /// </summary>
        internal static (string Merged, string Squashed, string Dirty, string Unmerged) PruneFixture(GitSandbox sb)
        {
            var merged = sb.AddWorktree("merged");
            sb.CommitFile(merged, "merged.txt", "merged\n");
            sb.Git(sb.RepoPath, "merge", "-q", "--no-ff", "-m", "merge merged", "merged");
            var squashed = sb.AddWorktree("squashed");
            sb.CommitFile(squashed, "squashed.txt", "squashed\n");
            sb.Git(sb.RepoPath, "merge", "-q", "--squash", "squashed");
            sb.Git(sb.RepoPath, "commit", "-q", "-m", "squash squashed");
            var dirty = sb.AddWorktree("dirty");
            sb.CommitFile(dirty, "dirty.txt", "dirty\n");
            sb.Git(sb.RepoPath, "merge", "-q", "--no-ff", "-m", "merge dirty", "dirty");
            sb.WriteFile(dirty, "notes.txt", "not committed\n");
            var unmerged = sb.AddWorktree("unmerged");
            sb.CommitFile(unmerged, "unmerged.txt", "work in progress\n");
            sb.CommitFile(sb.RepoPath, "later.txt", "main moves on\n");
            return (merged, squashed, dirty, unmerged);
        }

        [Fact]
        public void The_prune_pipeline_removes_exactly_the_integrated_clean_worktrees_and_their_branches()
        {
            using var sb = GitSandbox.Create();
            var (merged, squashed, dirty, unmerged) = PruneFixture(sb);
            using var ps = new PowerShellSession(sb.RepoPath);

            var status = ps.Invoke("Get-WtWorktree -Status").All<WtWorktree>();
            Assert.Equal(new[] { "dirty", "merged", "squashed" }, status.Where(w => w.IsIntegrated == true).Select(w => w.Branch).OrderBy(b => b));
            Assert.Equal(WtIntegrationLevel.MergeAddsNothing, status.Single(w => w.Branch == "squashed").IntegrationReason);
            Assert.Null(status.Single(w => w.IsMain).IsIntegrated);

            var r = ps.Invoke("Get-WtWorktree -Status | Where-Object IsIntegrated | Remove-WtWorktree -PassThru");
            Assert.Null(r.Terminating);
            var results = r.All<WtRemovalResult>();
            Assert.Equal(new[] { "merged", "squashed" }, results.Select(x => x.Branch).OrderBy(b => b));
            Assert.All(results, x => Assert.Equal(WtBranchOutcome.Deleted, x.BranchOutcome));
            var refused = Assert.Single(r.Errors);
            Assert.Equal("WorktreeDirty,Worktrunk.PowerShell.Commands.RemoveWtWorktreeCommand", refused.FullyQualifiedErrorId);

            Assert.False(Directory.Exists(merged));
            Assert.False(Directory.Exists(squashed));
            Assert.True(File.Exists(Path.Combine(dirty, "notes.txt")));
            Assert.True(File.Exists(Path.Combine(unmerged, "unmerged.txt")));
            var branches = sb.Git(sb.RepoPath, "branch", "--format=%(refname:short)").Split('\n', StringSplitOptions.RemoveEmptyEntries).OrderBy(b => b);
            Assert.Equal(new[] { "dirty", "main", "unmerged" }, branches);
            Assert.Equal(new[] { "dirty", "main", "unmerged" }, ps.Invoke("Get-WtWorktree").All<WtWorktree>().Select(w => w.Branch).OrderBy(b => b));
        }
    }
}
