using System;
using System.Collections.Generic;
using System.IO;
using Worktrunk.Git;

namespace Worktrunk.Removal
{
    /// <summary>
    /// What each worktree has checked out, read from the files `git worktree list` reads:
    /// &lt;common&gt;/HEAD for the main worktree, &lt;common&gt;/worktrees/&lt;id&gt;/{HEAD,gitdir,locked}
    /// for linked ones, plus rebase-merge|rebase-apply/head-name (a branch being rebased is checked
    /// out too). One directory listing and a few small reads, no process. Null when the files
    /// cannot be read plainly (the reftable ref backend keeps HEAD elsewhere), so the caller asks git.
    /// </summary>
    internal sealed class WorktreeHeads
    {
        private WorktreeHeads(string path, string? branch, string? rebasing, bool locked, bool present)
        {
            Path = path;
            Branch = branch;
            Rebasing = rebasing;
            Locked = locked;
            Present = present;
        }

        internal string Path { get; }

        internal string? Branch { get; }

        internal string? Rebasing { get; }

        internal bool Locked { get; }

        /// <summary>Its .git entry exists (git would not call it prunable).</summary>
        internal bool Present { get; }

        /// <summary>True when this worktree keeps <paramref name="branch"/> checked out (live, or locked even if absent).</summary>
        internal bool Holds(string branch) =>
            (Locked || Present) && (string.Equals(Branch, branch, StringComparison.Ordinal) || string.Equals(Rebasing, branch, StringComparison.Ordinal));

        /// <summary>Reads every worktree's HEAD; null when any state is not plainly readable.</summary>
        internal static List<WorktreeHeads>? Read(string commonDir, string? mainWorktreePath)
        {
            try
            {
                var list = new List<WorktreeHeads>();
                if (mainWorktreePath != null)
                {
                    if (!TryHead(commonDir, out var branch))
                    {
                        return null;
                    }

                    list.Add(new WorktreeHeads(mainWorktreePath, branch, WorktreeLister.RebaseBranch(commonDir), false, true));
                }

                var root = System.IO.Path.Combine(commonDir, "worktrees");
                if (!Directory.Exists(root))
                {
                    return list;
                }

                foreach (var registration in Directory.GetDirectories(root))
                {
                    var named = OwnershipGate.RegisteredWorktreePath(registration);
                    var locked = File.Exists(System.IO.Path.Combine(registration, "locked"));
                    if (named == null)
                    {
                        if (locked)
                        {
                            // A locked registration that cannot be read: let git decide.
                            return null;
                        }

                        continue;
                    }

                    if (!TryHead(registration, out var branch))
                    {
                        return null;
                    }

                    var dotGit = System.IO.Path.Combine(named, ".git");
                    var present = File.Exists(dotGit) || Directory.Exists(dotGit);
                    list.Add(new WorktreeHeads(named, branch, WorktreeLister.RebaseBranch(registration), locked, present));
                }

                return list;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>Reads a HEAD file: true with the branch (null when detached); false when it is not a plain HEAD.</summary>
        private static bool TryHead(string gitDir, out string? branch)
        {
            branch = null;
            if (!RefFiles.TryParse(File.ReadAllText(System.IO.Path.Combine(gitDir, "HEAD")), out _, out var target))
            {
                return false;
            }

            if (target == null)
            {
                // Detached: a full object id.
                return true;
            }

            if (target == "refs/heads/.invalid" || !target.StartsWith("refs/heads/", StringComparison.Ordinal))
            {
                // The reftable backend (or something unusual): not plain files.
                return false;
            }

            branch = WorktreeListParser.ShortBranchName(target);
            return true;
        }
    }
}
