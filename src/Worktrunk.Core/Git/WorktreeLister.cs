using System;
using System.Collections.Generic;
using System.IO;
using Worktrunk.IO;

namespace Worktrunk.Git
{
    /// <summary>Lists a repository's worktrees as <see cref="WtWorktree"/> objects with one git call.</summary>
    internal static class WorktreeLister
    {
        /// <summary>
        /// Runs `git worktree list --porcelain -z` for <paramref name="repo"/> and builds the objects.
        /// <paramref name="currentLocation"/> (the PowerShell session's location) decides IsCurrent.
        /// </summary>
        internal static List<WtWorktree> List(RepositoryLocation repo, GitRunner git, string? currentLocation)
        {
            var output = git.RunChecked(repo.RunDirectory, GitAccess.ReadOnly, new[] { "worktree", "list", "--porcelain", "-z" });
            return Build(WorktreeListParser.Parse(output), repo.CommonDir, currentLocation);
        }

        /// <summary>Turns parsed records into objects; pure apart from reading registration files under the common dir.</summary>
        internal static List<WtWorktree> Build(List<WorktreeRecord> records, string commonDir, string? currentLocation)
        {
            var linkedGitDirs = ReadRegistrations(commonDir);
            var current = currentLocation == null ? null : PathUtil.Canonicalize(currentLocation);

            // The current worktree is the deepest one containing the location (worktrees may nest).
            string? currentPath = null;
            if (current != null)
            {
                foreach (var r in records)
                {
                    var canonical = PathUtil.Canonicalize(r.Path);
                    if (PathUtil.IsAtOrUnder(current, canonical) && (currentPath == null || canonical.Length > currentPath.Length))
                    {
                        currentPath = canonical;
                    }
                }
            }

            var list = new List<WtWorktree>(records.Count);
            for (var i = 0; i < records.Count; i++)
            {
                var r = records[i];
                var canonical = PathUtil.Canonicalize(r.Path);
                var isMain = !r.IsBare && i == 0 && string.Equals(PathUtil.Canonicalize(Path.Combine(r.Path, ".git")), commonDir, PathUtil.Comparison);
                string? gitDir;
                if (r.IsBare || isMain)
                {
                    gitDir = commonDir;
                }
                else
                {
                    linkedGitDirs.TryGetValue(canonical, out gitDir);
                }

                var branch = r.BranchRef == null ? null : WorktreeListParser.ShortBranchName(r.BranchRef);
                if (branch == null && r.IsDetached && gitDir != null)
                {
                    // A worktree in the middle of a rebase is detached but keeps its branch identity.
                    branch = RebaseBranch(gitDir);
                }

                list.Add(new WtWorktree(
                    r.Path,
                    branch,
                    r.Head,
                    isMain,
                    currentPath != null && string.Equals(canonical, currentPath, PathUtil.Comparison),
                    r.IsDetached,
                    r.IsBare,
                    r.IsLocked,
                    r.IsLocked ? r.LockReason ?? string.Empty : null,
                    r.IsPrunable,
                    r.IsPrunable ? r.PrunableReason ?? string.Empty : null,
                    gitDir,
                    commonDir,
                    Directory.Exists(r.Path)));
            }

            return list;
        }

        /// <summary>Maps each linked worktree's canonical directory to its git dir, from `&lt;common&gt;/worktrees/&lt;id&gt;/gitdir`.</summary>
        internal static Dictionary<string, string> ReadRegistrations(string commonDir)
        {
            var map = new Dictionary<string, string>(PathUtil.Comparison == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
            var root = Path.Combine(commonDir, "worktrees");
            if (!Directory.Exists(root))
            {
                return map;
            }

            foreach (var registration in Directory.GetDirectories(root))
            {
                try
                {
                    var text = File.ReadAllText(Path.Combine(registration, "gitdir")).Trim();
                    if (text.Length == 0)
                    {
                        continue;
                    }

                    // The file names <worktree>/.git; relative entries resolve against the registration dir.
                    var dotGit = Path.GetFullPath(Path.Combine(registration, text));
                    var worktree = Path.GetDirectoryName(dotGit);
                    if (worktree != null)
                    {
                        map[PathUtil.Canonicalize(worktree)] = PathUtil.Canonicalize(registration);
                    }
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                }
            }

            return map;
        }

        private static string? RebaseBranch(string gitDir)
        {
            foreach (var dir in new[] { "rebase-merge", "rebase-apply" })
            {
                var file = Path.Combine(gitDir, dir, "head-name");
                if (File.Exists(file))
                {
                    try
                    {
                        var name = File.ReadAllText(file).Trim();
                        if (name.Length > 0 && name != "detached HEAD")
                        {
                            return WorktreeListParser.ShortBranchName(name);
                        }
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                    }
                }
            }

            return null;
        }
    }
}
