using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Worktrunk.IO;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Removal
{
    /// <summary>Remove-WtWorktree end to end in a hosted session: binding, staging, session move, branches, sweep, help surface.</summary>
    public sealed class RemoveWtWorktreeTests
    {
        private const string Suffix = RemoveGuardTests.Suffix;

        private static string[] Trash(GitSandbox sb)
        {
            var trash = Path.Combine(sb.CommonDir, "wt", "trash");
            return Directory.Exists(trash) ? Directory.GetFileSystemEntries(trash) : Array.Empty<string>();
        }

        [Fact]
        public void Removes_by_branch_instantly_into_the_trash_and_deletes_it_in_the_background()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("Remove-WtWorktree feature -PassThru");
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            Assert.Equal("Worktrunk.WtRemovalResult", r.Output.Single().TypeNames[0]);
            var result = r.Single<WtRemovalResult>();
            Assert.Equal(WtRemovalKind.Worktree, result.Kind);
            Assert.Equal("feature", result.Branch);
            Assert.Equal(wt, result.Path);
            Assert.Equal(WtRemovalMethod.Staged, result.Method);
            Assert.Equal(WtDeletionMode.Background, result.Deletion);
            Assert.Equal(WtBranchOutcome.Deleted, result.BranchOutcome);
            Assert.Equal(WtIntegrationLevel.SameCommit, result.IntegrationLevel);
            Assert.Equal("main", result.IntegrationTarget);
            Assert.Equal("same commit as main", result.BranchReason);
            Assert.Equal(sb.CommonDir, result.Repository);
            Assert.True(result.Elapsed > TimeSpan.Zero);
            Assert.StartsWith(Path.Combine(sb.CommonDir, "wt", "trash", "wt-feature-"), result.StagedPath);
            Assert.False(Directory.Exists(wt));
            Assert.DoesNotContain(wt, sb.Git(sb.RepoPath, "worktree", "list", "--porcelain"));
            Assert.True(TestProcesses.WaitUntil(() => !Directory.Exists(result.StagedPath!), TimeSpan.FromSeconds(30)), "the background deletion did not complete");
        }

        [Fact]
        public void Without_PassThru_nothing_is_written_and_Verbose_shows_every_command()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("feature");
            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("Remove-WtWorktree -Branch feature -Wait -Verbose");
            Assert.Empty(r.Output);
            Assert.Empty(r.Errors);
            Assert.Contains(r.Verbose, v => v.Contains("status --porcelain -z --untracked-files=normal --ignore-submodules=none", StringComparison.Ordinal));
            Assert.Contains(r.Verbose, v => v.Contains("fsmonitor--daemon stop", StringComparison.Ordinal) || v.StartsWith("No fsmonitor daemon serves", StringComparison.Ordinal));
            Assert.Contains(r.Verbose, v => v.Contains("update-ref --stdin -z <<< 'verify refs/heads/main ", StringComparison.Ordinal) && v.Contains("; delete refs/heads/feature ", StringComparison.Ordinal));
            Assert.Contains(r.Verbose, v => v.StartsWith("rename '", StringComparison.Ordinal) && v.Contains("wt-feature.registration-", StringComparison.Ordinal));
            Assert.DoesNotContain(r.Verbose, v => v.Contains("worktree prune", StringComparison.Ordinal));
        }

        [Fact]
        public void Binds_worktrees_by_value_objects_with_a_Path_by_property_name_and_relative_paths()
        {
            using var sb = GitSandbox.Create();
            var a = sb.AddWorktree("a");
            var b = sb.AddWorktree("b");
            var c = sb.AddWorktree("c");
            using var ps = new PowerShellSession(sb.RepoPath);

            var byValue = ps.Invoke("Get-WtWorktree -Branch a | Remove-WtWorktree -Wait -PassThru");
            Assert.Equal(a, byValue.Single<WtRemovalResult>().Path);

            var byName = ps.Invoke("[pscustomobject]@{ Path = $args[0] } | Remove-WtWorktree -Wait -PassThru", b);
            Assert.Equal(b, byName.Single<WtRemovalResult>().Path);

            var relative = ps.Invoke("Remove-WtWorktree -Path ../wt-c/ -Wait -PassThru");
            Assert.Equal(c, relative.Single<WtRemovalResult>().Path);
            Assert.Equal(new[] { sb.RepoPath }, Worktrunk.Git.WorktreeListParser.Parse(sb.Git(sb.RepoPath, "worktree", "list", "--porcelain", "-z")).Select(w => w.Path));
        }

        [Fact]
        public void Worktrees_of_another_repository_are_removed_from_there()
        {
            using var sb = GitSandbox.Create();
            using var other = GitSandbox.Create("other");
            var wt = other.AddWorktree("elsewhere");
            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("Get-WtWorktree -Repository $args[0] -Branch elsewhere | Remove-WtWorktree -Wait -PassThru", other.RepoPath);
            Assert.Empty(r.Errors);
            Assert.Equal(other.CommonDir, r.Single<WtRemovalResult>().Repository);
            Assert.False(Directory.Exists(wt));

            var wt2 = other.AddWorktree("byPath");
            var p = ps.Invoke("Remove-WtWorktree -Path $args[0] -Wait -PassThru", wt2);
            Assert.Empty(p.Errors);
            Assert.False(Directory.Exists(wt2));
        }

        [Fact]
        public void Removing_the_current_worktree_moves_the_session_to_the_same_subdirectory_of_the_main_worktree()
        {
            using var sb = GitSandbox.Create();
            sb.CommitFile(sb.RepoPath, "src/deep/file.txt", "x\n");
            var wt = sb.AddWorktree("feature");
            using var ps = new PowerShellSession(Path.Combine(wt, "src", "deep"));
            var r = ps.Invoke("Remove-WtWorktree -Path $args[0] -PassThru -Wait; $ExecutionContext.SessionState.Path.CurrentLocation.Path", wt);
            Assert.Empty(r.Errors);
            var result = (WtRemovalResult)r.Output[0].BaseObject;
            var expected = Path.Combine(sb.RepoPath, "src", "deep");
            Assert.Equal(expected, result.MovedLocationTo);
            Assert.Equal(expected, r.Output[1].BaseObject);
            Assert.Equal(expected, ps.Location);
            Assert.False(Directory.Exists(wt));
        }

        [Fact]
        public void The_session_goes_to_the_main_worktree_root_when_the_subdirectory_does_not_exist_there_and_the_current_worktree_goes_last()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var other = sb.AddWorktree("other");
            sb.CommitFile(wt, "only-here/x.txt", "x\n");
            using var ps = new PowerShellSession(Path.Combine(wt, "only-here"));
            var r = ps.Invoke("Remove-WtWorktree -Branch feature, other -PassThru -Wait");
            Assert.Empty(r.Errors);
            Assert.Equal(new[] { other, wt }, r.All<WtRemovalResult>().Select(x => x.Path));
            Assert.Equal(sb.RepoPath, ps.Location);
            Assert.Equal(WtBranchOutcome.RetainedUnmerged, r.All<WtRemovalResult>()[1].BranchOutcome);
        }

        [Fact]
        public void A_refused_current_worktree_leaves_the_session_where_it_was()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            sb.WriteFile(wt, "wip.txt", "wip\n");
            using var ps = new PowerShellSession(wt);
            var r = ps.Invoke("Remove-WtWorktree -Path .");
            Assert.Equal("WorktreeDirty" + Suffix, Assert.Single(r.Errors).FullyQualifiedErrorId);
            Assert.Equal(wt, ps.Location);
            Assert.True(File.Exists(Path.Combine(wt, "wip.txt")));
        }

        [Fact]
        public void Leaving_the_removed_worktree_is_a_native_location_change_in_a_real_shell()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var (code, stdout, stderr) = ShellRun.Run(wt, "Remove-WtWorktree -Path . -Wait -PassThru; \"PWD=$PWD\"");
            Assert.True(code == 0, stderr);
            Assert.Contains("PWD=" + sb.RepoPath, stdout);
            Assert.False(Directory.Exists(wt));

            // The result renders through its table view.
            Assert.Matches(@"Branch\s+BranchOutcome\s+Path", stdout);
            Assert.Matches(@"feature\s+Deleted\s+" + System.Text.RegularExpressions.Regex.Escape(wt), stdout);
        }

        [Fact]
        public void Wait_deletes_in_process_with_progress_and_reports_files_and_bytes()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            for (var i = 0; i < 1200; i++)
            {
                sb.WriteFile(wt, "gen/" + (i % 10) + "/f" + i + ".bin", new string('x', i % 50));
            }

            var files = Directory.GetFiles(wt, "*", SearchOption.AllDirectories);
            var bytes = files.Sum(f => new FileInfo(f).Length);
            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("Remove-WtWorktree -Branch feature -Force -Wait -PassThru");
            Assert.Empty(r.Errors);
            var result = r.Single<WtRemovalResult>();
            Assert.Equal(WtDeletionMode.InProcess, result.Deletion);
            Assert.Equal(files.Length, result.FilesDeleted);
            Assert.Equal(bytes, result.BytesDeleted);
            Assert.Contains(r.Progress, p => p.RecordType == ProgressRecordType.Processing);
            Assert.Contains(r.Progress, p => p.RecordType == ProgressRecordType.Completed);
            Assert.Empty(Trash(sb));
        }

        [Fact]
        public void Branch_outcomes_unmerged_kept_forced_and_checked_out_elsewhere()
        {
            using var sb = GitSandbox.Create();
            var unmerged = sb.AddWorktree("unmerged");
            sb.CommitFile(unmerged, "u.txt", "u\n");
            sb.AddWorktree("keep");
            var forced = sb.AddWorktree("forced");
            sb.CommitFile(forced, "f.txt", "f\n");
            var twin = sb.AddWorktree("twin");
            var twin2 = Path.Combine(sb.Root, "wt-twin-2");
            sb.Git(sb.RepoPath, "worktree", "add", "-q", "--force", twin2, "twin");
            using var ps = new PowerShellSession(sb.RepoPath);

            var u = ps.Invoke("Remove-WtWorktree unmerged -Wait -PassThru").Single<WtRemovalResult>();
            Assert.Equal(WtBranchOutcome.RetainedUnmerged, u.BranchOutcome);
            Assert.Contains("-ForceDeleteBranch", u.BranchReason);

            var k = ps.Invoke("Remove-WtWorktree keep -KeepBranch -Wait -PassThru").Single<WtRemovalResult>();
            Assert.Equal(WtBranchOutcome.NotAttempted, k.BranchOutcome);

            var f = ps.Invoke("Remove-WtWorktree forced -ForceDeleteBranch -Wait -PassThru").Single<WtRemovalResult>();
            Assert.Equal(WtBranchOutcome.Deleted, f.BranchOutcome);

            var t = ps.Invoke("Remove-WtWorktree -Path $args[0] -ForceDeleteBranch -Wait -PassThru", twin).Single<WtRemovalResult>();
            Assert.Equal(WtBranchOutcome.RetainedCheckedOut, t.BranchOutcome);
            Assert.Equal(twin2, t.BranchCheckedOutAt);

            var refs = sb.Git(sb.RepoPath, "for-each-ref", "--format=%(refname)");
            Assert.Contains("refs/heads/unmerged", refs);
            Assert.Contains("refs/heads/keep", refs);
            Assert.DoesNotContain("refs/heads/forced", refs);
            Assert.Contains("refs/heads/twin", refs);
        }

        [Fact]
        public void A_branch_without_a_worktree_is_deleted_when_integrated_and_kept_otherwise()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "branch", "done");
            var wip = sb.AddWorktree("wip");
            sb.CommitFile(wip, "w.txt", "w\n");
            sb.Git(sb.RepoPath, "worktree", "remove", wip);
            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("Remove-WtWorktree -Branch done, wip -PassThru");
            Assert.Empty(r.Errors);
            var results = r.All<WtRemovalResult>();
            Assert.All(results, x => Assert.Equal(WtRemovalKind.BranchOnly, x.Kind));
            Assert.Equal(WtBranchOutcome.Deleted, results.Single(x => x.Branch == "done").BranchOutcome);
            Assert.Equal(WtBranchOutcome.RetainedUnmerged, results.Single(x => x.Branch == "wip").BranchOutcome);
        }

        [Fact]
        public void A_stale_registration_is_unregistered_alone_and_an_absent_sibling_is_spared()
        {
            using var sb = GitSandbox.Create();
            var gone = sb.AddWorktree("gone");
            var away = sb.AddWorktree("away");
            TestFiles.DeleteTree(gone);
            Directory.Move(away, away + ".unmounted");
            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("Remove-WtWorktree -Path $args[0] -PassThru", gone);
            Assert.Empty(r.Errors);
            var result = r.Single<WtRemovalResult>();
            Assert.Equal(WtRemovalKind.StaleEntry, result.Kind);
            Assert.Equal(WtBranchOutcome.Deleted, result.BranchOutcome);
            var listed = sb.Git(sb.RepoPath, "worktree", "list", "--porcelain");
            Assert.DoesNotContain(gone + "\n", listed);
            Assert.Contains(away + "\n", listed);
        }

        [Fact]
        public void The_sweep_after_output_deletes_stale_trash_and_leaves_fresh_and_foreign_entries()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("feature");
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var trash = Path.Combine(sb.CommonDir, "wt", "trash");
            var stale = Path.Combine(trash, "crashed-" + (now - (2 * 86400)));
            var fresh = Path.Combine(trash, "in-flight-" + (now - 60));
            var foreign = Path.Combine(trash, "user-notes");
            sb.WriteFile(stale, "deep/leftover.txt", "old\n");
            sb.WriteFile(fresh, "f.txt", "fresh\n");
            sb.WriteFile(trash, "user-notes", "mine\n");
            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("Remove-WtWorktree feature -Wait");
            Assert.Empty(r.Errors);
            Assert.True(TestProcesses.WaitUntil(() => !Directory.Exists(stale), TimeSpan.FromSeconds(30)), "the stale entry was not swept");
            Assert.True(Directory.Exists(fresh));
            Assert.True(File.Exists(foreign));
        }

        [Fact]
        public void Branch_completion_view_and_output_type_are_in_place()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("feature/complete-me");
            using var ps = new PowerShellSession(sb.RepoPath);
            var completion = ps.Invoke("(TabExpansion2 -inputScript 'Remove-WtWorktree feat' -cursorColumn 22).CompletionMatches.CompletionText");
            Assert.Contains("feature/complete-me", completion.Output.Select(o => o.ToString()));
            var named = ps.Invoke("(TabExpansion2 -inputScript 'Remove-WtWorktree -Branch feat' -cursorColumn 30).CompletionMatches.CompletionText");
            Assert.Contains("feature/complete-me", named.Output.Select(o => o.ToString()));

            var formats = ps.Invoke("(Get-Module Worktrunk).ExportedFormatFiles").Output.Select(o => Path.GetFileName(o.ToString()));
            Assert.Contains("Worktrunk.Removal.format.ps1xml", formats);
            var output = ps.Invoke("(Get-Command Remove-WtWorktree).OutputType.Name");
            Assert.Equal("Worktrunk.WtRemovalResult", output.Output.Single().ToString());
            var info = ps.Invoke("$c = Get-Command Remove-WtWorktree; $c.Parameters['Path'].ParameterSets['Path'].ValueFromPipelineByPropertyName; $c.Parameters['InputObject'].ParameterSets['InputObject'].ValueFromPipeline; [bool]$c.Parameters['WhatIf']; [bool]$c.Parameters['Confirm']");
            Assert.All(info.Output, o => Assert.True((bool)o.BaseObject));
        }

        [Fact]
        public void A_branch_PowerShell_would_read_as_a_comment_or_a_splat_completes_quoted_and_the_completion_binds()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("#hash", "wt-hash");
            sb.AddWorktree("@at", "wt-at");
            using var ps = new PowerShellSession(sb.RepoPath);
            // Typed bare, # would start a comment and @ a splat: the completions are quoted.
            var all = ps.Invoke("(TabExpansion2 -inputScript 'Remove-WtWorktree -Branch ' -cursorColumn 26).CompletionMatches.CompletionText").Output.Select(o => o?.ToString()).ToList();
            Assert.Contains("'#hash'", all);
            Assert.Contains("'@at'", all);
            Assert.DoesNotContain("#hash", all);

            // What the completion inserts is the branch itself once PowerShell parses it.
            var bound = ps.Invoke("(Get-WtWorktree -Branch '#hash').Branch; (Get-WtWorktree -Branch '@at').Branch");
            Assert.Equal(new[] { "#hash", "@at" }, bound.Output.Select(o => o.ToString()));
        }

        [Fact]
        public void Every_refusal_in_one_pipeline_gets_its_own_error_and_the_valid_ones_proceed()
        {
            using var sb = GitSandbox.Create();
            var ok = sb.AddWorktree("ok");
            var locked = sb.AddWorktree("locked");
            sb.Git(sb.RepoPath, "worktree", "lock", locked);
            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("Remove-WtWorktree -Branch main, locked, nope, ok -PassThru -Wait");
            Assert.Equal(
                new[] { "MainWorktreeRefused", "WorktreeLocked", "BranchNotFound" }.Select(i => i + Suffix),
                r.Errors.Select(e => e.FullyQualifiedErrorId));
            Assert.Equal(ok, r.Single<WtRemovalResult>().Path);
            Assert.True(Directory.Exists(locked));
            Assert.False(Directory.Exists(ok));
            Assert.Equal(PathUtil.Canonicalize(sb.RepoPath), PathUtil.Canonicalize(ps.Location));
        }
    }
}
