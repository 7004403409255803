using System.IO;
using Worktrunk.Diagnostics;
using Worktrunk.PowerShell.Tests.Removal;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Adversarial
{
    /// <summary>
    /// A detached worktree whose HEAD commit no ref and no other worktree's HEAD reaches holds the
    /// only way to that commit (its reflog is in the registration removal deletes): refused
    /// without -Force, naming the commit. Reachable detached HEADs are removed as before.
    /// </summary>
    public sealed class DetachedHeadGateTests
    {
        /// <summary>A worktree detached at a new commit of its own; returns its path and the commit.</summary>
        private static (string Path, string Commit) DetachedWithOwnCommit(GitSandbox sb)
        {
            var wt = sb.AddWorktree("scratch", "wt-detached");
            sb.Git(wt, "checkout", "-q", "--detach");
            sb.CommitFile(wt, "experiment.txt", "the only copy of this experiment\n", "detached experiment");
            sb.Git(sb.RepoPath, "branch", "-q", "-D", "scratch");
            return (wt, sb.Git(wt, "rev-parse", "HEAD").Trim());
        }

        [Fact]
        public void An_unreachable_detached_HEAD_is_refused_naming_the_commit_and_Force_lifts_it()
        {
            using var sb = GitSandbox.Create();
            var (wt, commit) = DetachedWithOwnCommit(sb);

            // `rev-list --all` run in that worktree would count its own HEAD: the check must not.
            Assert.Equal(string.Empty, sb.Git(wt, "rev-list", "-n", "1", commit, "--not", "--all").Trim());

            using var ps = new PowerShellSession(sb.RepoPath);
            var e = RemoveGuardTests.RefusedUnchanged(sb, ps, "Remove-WtWorktree -Path $args[0] -Wait", "DetachedHeadUnreachable", wt);
            Assert.Contains(commit, e.Exception.Message);
            Assert.Contains("git branch <name> " + commit, e.ErrorDetails.RecommendedAction);
            RemoveGuardTests.RefusedUnchanged(sb, ps, "Remove-WtWorktree -Path $args[0] -WhatIf", "DetachedHeadUnreachable", wt);

            var forced = ps.Invoke("Remove-WtWorktree -Path $args[0] -Force -Wait", wt);
            Assert.Empty(forced.Errors);
            Assert.False(Directory.Exists(wt));
        }

        [Fact]
        public void A_detached_HEAD_reachable_from_a_branch_or_from_another_worktrees_HEAD_is_removed()
        {
            using var sb = GitSandbox.Create();
            var atMain = sb.AddWorktree("tmp", "wt-at-main");
            sb.Git(atMain, "checkout", "-q", "--detach", "main");
            sb.Git(sb.RepoPath, "branch", "-q", "-D", "tmp");

            var (wt, commit) = DetachedWithOwnCommit(sb);
            var keeper = sb.AddWorktree("keeper");
            sb.Git(keeper, "checkout", "-q", "--detach", commit);

            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("Remove-WtWorktree -Path $args[0] -Wait; Remove-WtWorktree -Path $args[1] -Wait", atMain, wt);
            Assert.Empty(r.Errors);
            Assert.False(Directory.Exists(atMain));
            Assert.False(Directory.Exists(wt));
            Assert.Equal(commit, sb.Git(keeper, "rev-parse", "HEAD").Trim());
        }

        [Fact]
        public void A_commit_made_on_a_detached_HEAD_while_the_daemon_stops_is_refused()
        {
            using var sb = GitSandbox.Create();
            var victim = sb.AddWorktree("victim");
            string? commit = null;
            RepoSnapshot? attacked = null;
            var e = InProcessRemoval.Run(sb, SelectorKind.Branch, "victim", step =>
            {
                if (step == RemovalStep.AfterStop)
                {
                    sb.Git(victim, "checkout", "-q", "--detach");
                    sb.Git(victim, "commit", "-q", "--allow-empty", "-m", "made during the stop");
                    commit = sb.Git(victim, "rev-parse", "HEAD").Trim();
                    attacked = RepoSnapshot.Take(sb);
                }
            });

            Assert.NotNull(e);
            attacked!.AssertUnchanged(sb);
            Assert.Equal(ErrorIds.DetachedHeadUnreachable, e!.ErrorId);
            Assert.Contains(commit!, e.Message);
            Assert.Equal(commit, sb.Git(victim, "rev-parse", "HEAD").Trim());
        }
    }
}
