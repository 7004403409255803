using System;
using Worktrunk.Git;

namespace Worktrunk.Removal
{
    /// <summary>
    /// Decides the repository's default branch, the one integration is judged against and that
    /// removal refuses to delete. In order: the branch origin/HEAD points at
    /// (`git symbolic-ref refs/remotes/origin/HEAD`); else `init.defaultBranch` when that branch
    /// exists locally; else `main` or `master`, whichever exists (main first); else the main
    /// worktree's branch. Null when none of these gives a name.
    /// </summary>
    internal static class DefaultBranchResolver
    {
        internal static string? Resolve(GitRunner git, string runDirectory, string? mainWorktreeBranch)
        {
            var origin = git.Run(runDirectory, GitAccess.ReadOnly, new[] { "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD" });
            if (origin.Succeeded)
            {
                const string Prefix = "refs/remotes/origin/";
                var target = origin.Stdout.Trim();
                if (target.StartsWith(Prefix, StringComparison.Ordinal) && target.Length > Prefix.Length)
                {
                    return target.Substring(Prefix.Length);
                }
            }

            var configured = git.Run(runDirectory, GitAccess.ReadOnly, new[] { "config", "--get", "init.defaultBranch" });
            if (configured.Succeeded)
            {
                var name = configured.Stdout.Trim();
                if (name.Length > 0 && LocalBranchExists(git, runDirectory, name))
                {
                    return name;
                }
            }

            foreach (var name in new[] { "main", "master" })
            {
                if (LocalBranchExists(git, runDirectory, name))
                {
                    return name;
                }
            }

            return mainWorktreeBranch;
        }

        internal static bool LocalBranchExists(GitRunner git, string runDirectory, string branch) =>
            git.Run(runDirectory, GitAccess.ReadOnly, new[] { "rev-parse", "--verify", "--quiet", "refs/heads/" + branch }).Succeeded;
    }
}
