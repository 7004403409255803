using System.IO;
using Worktrunk.Diagnostics;
using Worktrunk.PowerShell.Tests.Removal;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Adversarial
{
    /// <summary>
    /// A worktree with initialized submodules is refused, -Force or not: the submodules'
    /// repositories (the only copy of commits made in them) live in the registration, or inside
    /// the directory, that removal deletes. Real submodules from a local repository.
    /// </summary>
    public sealed class SubmoduleGateTests
    {
        /// <summary>A repository to add as a submodule, beside the sandbox's.</summary>
        private static string Library(GitSandbox sb)
        {
            var lib = Path.Combine(sb.Root, "lib-origin");
            Directory.CreateDirectory(lib);
            sb.Git(lib, "init", "-q", "-b", "main");
            sb.CommitFile(lib, "lib.txt", "library\n", "library");
            return lib;
        }

        [Fact]
        public void An_initialized_submodule_with_the_only_copy_of_a_commit_is_refused_even_with_Force_and_nothing_changes()
        {
            using var sb = GitSandbox.Create();
            var lib = Library(sb);
            var victim = sb.AddWorktree("victim");
            sb.Git(victim, "-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "lib");
            sb.Git(victim, "commit", "-q", "-m", "add lib");

            // A commit made inside the submodule: its only copy is in <registration>/modules/lib.
            sb.CommitFile(Path.Combine(victim, "lib"), "only-here.txt", "work done in the submodule\n", "submodule work");
            sb.Git(victim, "commit", "-q", "-am", "bump lib");
            var modules = Path.Combine(sb.CommonDir, "worktrees", "wt-victim", "modules", "lib");
            Assert.True(Directory.Exists(modules));

            // git itself refuses this worktree.
            Assert.NotEqual(0, GitSandbox.TryGit(sb.RepoPath, "worktree", "remove", victim).Code);

            using var ps = new PowerShellSession(sb.RepoPath);
            var e = RemoveGuardTests.RefusedUnchanged(sb, ps, "Remove-WtWorktree -Branch victim -Force -ForceDeleteBranch -Wait", "WorktreeHasSubmodules");
            Assert.Contains("(lib)", e.Exception.Message);
            Assert.Contains("git worktree remove -f -f '" + victim + "'", e.ErrorDetails.RecommendedAction);
            Assert.Contains("Push", e.ErrorDetails.RecommendedAction);

            // -WhatIf says so too, and changes nothing.
            RemoveGuardTests.RefusedUnchanged(sb, ps, "Remove-WtWorktree -Branch victim -Force -WhatIf", "WorktreeHasSubmodules");
            Assert.True(File.Exists(Path.Combine(victim, "lib", "only-here.txt")));
        }

        [Fact]
        public void A_submodule_cloned_in_place_is_found_through_the_index_and_refused()
        {
            using var sb = GitSandbox.Create();
            var lib = Library(sb);
            var victim = sb.AddWorktree("victim");

            // Its repository is a .git directory inside the worktree: no modules directory anywhere.
            sb.Git(victim, "clone", "-q", lib, "vendored");
            sb.Git(victim, "-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "vendored");
            sb.Git(victim, "commit", "-q", "-m", "add vendored");
            Assert.False(Directory.Exists(Path.Combine(sb.CommonDir, "worktrees", "wt-victim", "modules")));
            Assert.True(Directory.Exists(Path.Combine(victim, "vendored", ".git")));

            using var ps = new PowerShellSession(sb.RepoPath);
            var e = RemoveGuardTests.RefusedUnchanged(sb, ps, "Remove-WtWorktree -Branch victim -Force", "WorktreeHasSubmodules");
            Assert.Contains("(vendored)", e.Exception.Message);
        }

        [Fact]
        public void A_repository_added_without_gitmodules_an_embedded_gitlink_is_refused_too()
        {
            using var sb = GitSandbox.Create();
            var victim = sb.AddWorktree("victim");
            var nested = Path.Combine(victim, "experiment");
            Directory.CreateDirectory(nested);
            sb.Git(nested, "init", "-q", "-b", "main");
            sb.CommitFile(nested, "result.txt", "the only copy of this result\n", "nested work");
            sb.Git(victim, "add", "experiment");
            sb.Git(victim, "commit", "-q", "-m", "embed a repository");
            Assert.False(File.Exists(Path.Combine(victim, ".gitmodules")));
            Assert.Equal(string.Empty, sb.Git(victim, "status", "--porcelain"));

            using var ps = new PowerShellSession(sb.RepoPath);
            var e = RemoveGuardTests.RefusedUnchanged(sb, ps, "Remove-WtWorktree -Branch victim", "WorktreeHasSubmodules");
            Assert.Contains("(experiment)", e.Exception.Message);
        }

        [Fact]
        public void A_submodule_initialized_while_the_daemon_stops_is_refused_and_an_uninitialized_one_is_no_obstacle()
        {
            using var sb = GitSandbox.Create();
            var lib = Library(sb);
            sb.Git(sb.RepoPath, "-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "lib");
            sb.Git(sb.RepoPath, "commit", "-q", "-m", "add lib");

            // Worktrees of that commit have .gitmodules and a gitlink, but the submodule is not initialized.
            var plain = sb.AddWorktree("plain");
            Assert.False(File.Exists(Path.Combine(plain, "lib", ".git")));
            Assert.Null(InProcessRemoval.Run(sb, SelectorKind.Branch, "plain"));
            Assert.False(Directory.Exists(plain));

            var victim = sb.AddWorktree("victim");
            RepoSnapshot? attacked = null;
            var e = InProcessRemoval.Run(sb, SelectorKind.Branch, "victim", step =>
            {
                if (step == RemovalStep.AfterStop)
                {
                    sb.Git(victim, "-c", "protocol.file.allow=always", "submodule", "update", "-q", "--init");
                    attacked = RepoSnapshot.Take(sb);
                }
            }, force: true);

            Assert.NotNull(e);
            attacked!.AssertUnchanged(sb);
            Assert.Equal(ErrorIds.WorktreeHasSubmodules, e!.ErrorId);
            Assert.True(File.Exists(Path.Combine(victim, "lib", "lib.txt")));
            Assert.True(Directory.Exists(Path.Combine(sb.CommonDir, "worktrees", "wt-victim", "modules", "lib")));
        }
    }
}
