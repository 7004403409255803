using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Worktrunk.Git;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Worktrunk.Trash;
using Xunit;

namespace Worktrunk.Core.Tests.Removal
{
    /// <summary>Plans and executes removals against a sandbox, as the cmdlet does, without PowerShell.</summary>
    internal static class RemovalFixture
    {
        internal static RemovalOptions Safe { get; } = new RemovalOptions(false, BranchMode.SafeDelete, true);

        internal static RemovalContext Context(GitSandbox sb, GitRunner git, string? location = null) =>
            RemovalContext.Load(RepositoryLocator.Locate(sb.RepoPath, git), git, location);

        internal static RemovalPlan Plan(GitSandbox sb, GitRunner git, SelectorKind kind, string text, RemovalOptions? options = null) =>
            RemovalPlanner.Plan(new RemovalSelector(kind, text, text), Context(sb, git), options ?? Safe, new GitRemovalProbe(git));

        /// <summary>The paths git lists, in order.</summary>
        internal static List<string> Listed(GitSandbox sb) =>
            WorktreeListParser.Parse(sb.Git(sb.RepoPath, "worktree", "list", "--porcelain", "-z")).Select(r => r.Path).ToList();

        internal static bool BranchExists(GitSandbox sb, string branch) =>
            GitSandbox.TryGit(sb.RepoPath, "rev-parse", "--verify", "--quiet", "refs/heads/" + branch).Code == 0;

        internal static string[] TrashEntries(GitSandbox sb)
        {
            var trash = TrashPaths.TrashDir(sb.CommonDir);
            return Directory.Exists(trash) ? Directory.GetFileSystemEntries(trash) : Array.Empty<string>();
        }

        /// <summary>`git fsck` and `git worktree list` succeed with nothing on stderr worth a complaint.</summary>
        internal static void AssertRepositoryConsistent(GitSandbox sb)
        {
            var fsck = GitSandbox.TryGit(sb.RepoPath, "fsck", "--no-progress");
            Assert.True(fsck.Code == 0, "git fsck failed: " + fsck.Stderr + fsck.Stdout);
            Assert.DoesNotContain("error", fsck.Stderr + fsck.Stdout, StringComparison.OrdinalIgnoreCase);
            var list = GitSandbox.TryGit(sb.RepoPath, "worktree", "list", "--porcelain");
            Assert.True(list.Code == 0, "git worktree list failed: " + list.Stderr);
            Assert.Equal(string.Empty, list.Stderr);
        }
    }
}
