using System;
using System.IO;
using System.Linq;
using Worktrunk.Diagnostics;
using Worktrunk.PowerShell.Tests.Removal;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Adversarial
{
    /// <summary>
    /// The gate runs at the last moment: after the lock, after the daemon stop (which can take
    /// seconds), immediately before the rename. Each attack lands in that window, synchronized on
    /// the removal's own progress (a real removal process paused at AfterStop, or a step hook), and
    /// each must be refused with its error id and the repository left byte for byte as it was.
    /// </summary>
    public sealed class GateRaceTests
    {
        private const string Suffix = RemoveGuardTests.Suffix;

        [Fact]
        public void An_untracked_file_written_while_the_daemon_stops_is_seen_by_the_gate_and_nothing_changes()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var victim = sb.AddWorktree("victim");
            using var child = RemovalChild.Start(procs, sb, string.Format(RemovalChild.Report, "-Wait"), "AfterStop");
            child.WaitPaused();

            // Planned clean, lock taken, daemon stopped: now an agent writes its only copy of something.
            sb.WriteFile(victim, "notes/agent-output.md", "the only copy\n");
            var before = RepoSnapshot.Take(sb);
            child.Release();

            Assert.Equal("WorktreeDirty", child.Finish());
            before.AssertUnchanged(sb);
            Assert.Equal("the only copy\n", File.ReadAllText(Path.Combine(victim, "notes", "agent-output.md")));
        }

        [Fact]
        public void A_git_worktree_lock_taken_by_another_process_while_the_daemon_stops_refuses_even_with_Force()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var victim = sb.AddWorktree("victim");
            using var child = RemovalChild.Start(procs, sb, string.Format(RemovalChild.Report, "-Wait -Force"), "AfterStop");
            child.WaitPaused();

            sb.Git(sb.RepoPath, "worktree", "lock", "--reason", "agent 7 is starting", victim);
            var before = RepoSnapshot.Take(sb);
            child.Release();

            Assert.Equal("WorktreeLocked", child.Finish());
            before.AssertUnchanged(sb);
            Assert.Contains("locked", sb.Git(sb.RepoPath, "worktree", "list", "--porcelain"));
        }

        [Fact]
        public void A_lock_reason_with_a_newline_is_shown_escaped()
        {
            using var sb = GitSandbox.Create();
            var victim = sb.AddWorktree("victim");
            RepoSnapshot? attacked = null;
            var e = InProcessRemoval.Run(sb, SelectorKind.Branch, "victim", step =>
            {
                if (step == RemovalStep.AfterStop)
                {
                    sb.Git(sb.RepoPath, "worktree", "lock", "--reason", "agent 7\nRemoved worktree " + victim, victim);
                    attacked = RepoSnapshot.Take(sb);
                }
            });

            Assert.NotNull(e);
            attacked!.AssertUnchanged(sb);
            Assert.Equal(ErrorIds.WorktreeLocked, e!.ErrorId);
            Assert.Contains("(\"agent 7\\nRemoved worktree " + victim + "\")", e.Message);
            Assert.DoesNotContain("\nRemoved", e.Message);
            Assert.True(Directory.Exists(victim));
        }

        [Fact]
        public void Untracked_file_names_with_newlines_are_listed_escaped()
        {
            using var sb = GitSandbox.Create();
            var victim = sb.AddWorktree("victim");
            RepoSnapshot? attacked = null;
            var e = InProcessRemoval.Run(sb, SelectorKind.Branch, "victim", step =>
            {
                if (step == RemovalStep.AfterStop)
                {
                    File.WriteAllText(Path.Combine(victim, "evil\n  ?? forged.txt"), "x\n");
                    attacked = RepoSnapshot.Take(sb);
                }
            });

            Assert.NotNull(e);
            attacked!.AssertUnchanged(sb);
            Assert.Equal(ErrorIds.WorktreeDirty, e!.ErrorId);
            Assert.Contains("?? \"evil\\n  ?? forged.txt\"", e.Message);
            Assert.DoesNotContain("\n  ?? forged.txt", e.Message);
            Assert.True(File.Exists(Path.Combine(victim, "evil\n  ?? forged.txt")));
        }

        [Fact]
        public void A_directory_swapped_for_another_repository_while_the_daemon_stops_fails_the_ownership_gate()
        {
            using var sb = GitSandbox.Create();
            var victim = sb.AddWorktree("victim");
            RepoSnapshot? attacked = null;
            var e = InProcessRemoval.Run(sb, SelectorKind.Branch, "victim", step =>
            {
                if (step == RemovalStep.AfterStop)
                {
                    // Somebody turns the directory into a repository of their own.
                    File.Delete(Path.Combine(victim, ".git"));
                    sb.Git(victim, "init", "-q", "-b", "theirs");
                    attacked = RepoSnapshot.Take(sb);
                }
            }, force: true);

            Assert.NotNull(e);
            attacked!.AssertUnchanged(sb);
            Assert.Equal(ErrorIds.WorktreeNotOwned, e!.ErrorId);
            Assert.True(Directory.Exists(Path.Combine(victim, ".git")));
            Assert.True(File.Exists(Path.Combine(victim, "README.md")));
        }

        [Fact]
        public void A_removal_runs_git_status_once_after_the_stop_and_not_at_all_with_Force()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("victim");
            sb.AddWorktree("forced");
            using var ps = new PowerShellSession(sb.RepoPath);

            var r = ps.Invoke("Remove-WtWorktree -Branch victim -Wait -Verbose");
            Assert.Empty(r.Errors);
            Assert.Single(r.Verbose, v => v.StartsWith("git ", StringComparison.Ordinal) && v.Contains(" status --porcelain", StringComparison.Ordinal));

            var forced = ps.Invoke("Remove-WtWorktree -Branch forced -Force -Wait -Verbose");
            Assert.Empty(forced.Errors);
            Assert.DoesNotContain(forced.Verbose, v => v.StartsWith("git ", StringComparison.Ordinal) && v.Contains(" status --porcelain", StringComparison.Ordinal));
        }

        [Fact]
        public void WhatIf_runs_the_whole_gate_and_reports_what_would_be_refused_changing_nothing()
        {
            using var sb = GitSandbox.Create();
            var victim = sb.AddWorktree("victim");
            sb.WriteFile(victim, "wip.txt", "uncommitted\n");
            using var ps = new PowerShellSession(sb.RepoPath);
            var before = RepoSnapshot.Take(sb);
            var r = ps.Invoke("Remove-WtWorktree -Branch victim -WhatIf");
            Assert.Equal("WorktreeDirty" + Suffix, Assert.Single(r.Errors).FullyQualifiedErrorId);
            before.AssertUnchanged(sb);
            Assert.False(File.Exists(RemovalLock.PathFor(sb.CommonDir)));
        }
    }
}
