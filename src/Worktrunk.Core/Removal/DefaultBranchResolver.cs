namespace Worktrunk.Removal
{
    /// <summary>
    /// Decides the repository's default branch, the one integration is judged against and that
    /// removal refuses to delete. In order: the branch origin/HEAD points at
    /// (refs/remotes/origin/HEAD); else `init.defaultBranch` when that branch exists locally; else
    /// `main` or `master`, whichever exists (main first); else the main worktree's branch. Null
    /// when none of these gives a name.
    /// </summary>
    internal static class DefaultBranchResolver
    {
        /// <summary>Resolves from a ref snapshot (refs/heads/ and refs/remotes/origin/HEAD) and the init.defaultBranch setting.</summary>
        internal static string? Resolve(RefSnapshot refs, string? initDefaultBranch, string? mainWorktreeBranch)
        {
            const string Prefix = "refs/remotes/origin/";
            var origin = refs["refs/remotes/origin/HEAD"]?.Symref;
            if (origin != null && origin.StartsWith(Prefix, System.StringComparison.Ordinal) && origin.Length > Prefix.Length)
            {
                return origin.Substring(Prefix.Length);
            }

            if (!string.IsNullOrEmpty(initDefaultBranch) && refs.HasBranch(initDefaultBranch!))
            {
                return initDefaultBranch;
            }

            foreach (var name in new[] { "main", "master" })
            {
                if (refs.HasBranch(name))
                {
                    return name;
                }
            }

            return mainWorktreeBranch;
        }
    }
}
