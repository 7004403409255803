using System;
using System.Collections.Generic;
using System.Globalization;
using Worktrunk.Git;

namespace Worktrunk.Removal
{
    /// <summary>Whether a branch is integrated, and against what.</summary>
    internal sealed class IntegrationVerdict
    {
        internal IntegrationVerdict(WtIntegrationLevel? level, string target, IReadOnlyList<(string Ref, string Sha)>? basis = null)
        {
            Level = level;
            Target = target;
            Basis = basis ?? Array.Empty<(string, string)>();
        }

        /// <summary>
        /// Every ref the verdict read, with the tip it read (the local default branch, its upstream).
        /// The verdict is a pure function of these tips and the branch tip (commits never change),
        /// so a deletion that verifies them in the same transaction acts on a verdict that still holds.
        /// </summary>
        internal IReadOnlyList<(string Ref, string Sha)> Basis { get; }

        /// <summary>The first level that matched, or null when the branch is not integrated.</summary>
        internal WtIntegrationLevel? Level { get; }

        /// <summary>The ref judged against, as a user reads it (main, origin/main).</summary>
        internal string Target { get; }

        internal bool Integrated => Level != null;

        /// <summary>"ancestor of main", "same commit as main", ...</summary>
        internal string Phrase => Level == null ? "not integrated into " + Target : IntegrationChecker.Phrase(Level.Value) + " " + Target;
    }

    /// <summary>
    /// Decides whether a branch is integrated into the default branch, on the refs as they are now
    /// (callers pass a freshly read branch tip). Levels run cheapest first and stop at the first
    /// match: same commit; ancestor; no added changes since the merge base; same tree; merging
    /// would add nothing (`git merge-tree --write-tree`); and, only when that merge conflicts, a
    /// commit of the target carrying the branch's whole diff (`git patch-id --verbatim`, at most
    /// 500 target commits walked). A branch with no merge base is never integrated. Any git
    /// failure counts as "not integrated" (the branch is kept).
    /// The target is the local default branch, or its upstream when the local branch is strictly
    /// behind it; when they have diverged, either may match.
    /// </summary>
    internal static class IntegrationChecker
    {
        /// <summary>Beyond this many target commits since the merge base, the patch-id level is skipped.</summary>
        internal const int PatchIdCap = 500;

        internal static string Phrase(WtIntegrationLevel level) => level switch
        {
            WtIntegrationLevel.SameCommit => "same commit as",
            WtIntegrationLevel.Ancestor => "ancestor of",
            WtIntegrationLevel.NoAddedChanges => "no added changes on",
            WtIntegrationLevel.TreesMatch => "tree matches",
            _ => "all changes in",
        };

        /// <summary>Judges <paramref name="branchSha"/> against <paramref name="defaultBranch"/> and its upstream, reading both now.</summary>
        internal static IntegrationVerdict Check(GitRunner git, string runDirectory, string branchSha, string defaultBranch) =>
            Check(git, runDirectory, branchSha, defaultBranch, RefSnapshot.Read(git, runDirectory, "refs/heads/" + defaultBranch));

        /// <summary>Judges <paramref name="branchSha"/> against the default branch as <paramref name="fresh"/> (read just now) has it.</summary>
        internal static IntegrationVerdict Check(GitRunner git, string runDirectory, string branchSha, string defaultBranch, RefSnapshot fresh)
        {
            var targets = Targets(git, runDirectory, defaultBranch, fresh, out var basis);
            if (targets.Count == 0)
            {
                return new IntegrationVerdict(null, defaultBranch, basis);
            }

            foreach (var (name, sha) in targets)
            {
                var level = Level(git, runDirectory, branchSha, sha);
                if (level != null)
                {
                    return new IntegrationVerdict(level, name, basis);
                }
            }

            return new IntegrationVerdict(null, targets[0].Name, basis);
        }

        /// <summary>
        /// The refs to judge against, as (display name, sha), in order; <paramref name="basis"/> gets
        /// every ref read to choose them, by full name, with the tip read.
        /// </summary>
        internal static List<(string Name, string Sha)> Targets(GitRunner git, string runDirectory, string defaultBranch, RefSnapshot fresh, out List<(string Ref, string Sha)> basis)
        {
            var list = new List<(string, string)>();
            basis = new List<(string, string)>();
            var entry = fresh.Branch(defaultBranch);
            if (entry == null)
            {
                // No local default branch (a clone that never checked it out): judge against origin's.
                var remoteRef = "refs/remotes/origin/" + defaultBranch;
                var remote = RevParse(git, runDirectory, remoteRef);
                if (remote != null)
                {
                    list.Add(("origin/" + defaultBranch, remote));
                    basis.Add((remoteRef, remote));
                }

                return list;
            }

            var local = entry.Sha;
            basis.Add((entry.Name, local));
            // Null when no upstream is configured or its ref is gone.
            var upstreamSha = entry.Upstream != null ? RevParse(git, runDirectory, entry.Upstream) : null;
            var upstreamName = entry.UpstreamShort ?? entry.Upstream;
            if (upstreamSha != null)
            {
                basis.Add((entry.Upstream!, upstreamSha));
            }

            if (upstreamSha == null || upstreamName == null || upstreamSha == local)
            {
                list.Add((defaultBranch, local));
            }
            else if (IsAncestor(git, runDirectory, local, upstreamSha) == true)
            {
                // The local branch is strictly behind its upstream: the upstream holds everything.
                list.Add((upstreamName, upstreamSha));
            }
            else if (IsAncestor(git, runDirectory, upstreamSha, local) == true)
            {
                list.Add((defaultBranch, local));
            }
            else
            {
                // Diverged (for example a local merge not pushed yet): either may hold the branch.
                list.Add((defaultBranch, local));
                list.Add((upstreamName, upstreamSha));
            }

            return list;
        }

        /// <summary>The first integration level that holds for <paramref name="branch"/> against <paramref name="target"/>, or null.</summary>
        internal static WtIntegrationLevel? Level(GitRunner git, string dir, string branch, string target)
        {
            if (string.Equals(branch, target, StringComparison.OrdinalIgnoreCase))
            {
                return WtIntegrationLevel.SameCommit;
            }

            var ancestor = IsAncestor(git, dir, branch, target);
            if (ancestor == null)
            {
                return null;
            }

            if (ancestor.Value)
            {
                return WtIntegrationLevel.Ancestor;
            }

            var mergeBase = git.Run(dir, GitAccess.ReadOnly, new[] { "merge-base", branch, target });
            if (!mergeBase.Succeeded)
            {
                // No common ancestor (an orphan branch) or an error: never integrated.
                return null;
            }

            var baseSha = mergeBase.Stdout.Trim();
            var added = git.Run(dir, GitAccess.ReadOnly, new[] { "diff-tree", "-r", "--name-only", "--no-commit-id", baseSha, branch });
            if (!added.Succeeded)
            {
                return null;
            }

            if (added.Stdout.Trim().Length == 0)
            {
                return WtIntegrationLevel.NoAddedChanges;
            }

            var trees = git.Run(dir, GitAccess.ReadOnly, new[] { "rev-parse", branch + "^{tree}", target + "^{tree}" });
            if (!trees.Succeeded)
            {
                return null;
            }

            var treeLines = trees.Stdout.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries);
            if (treeLines.Length < 2)
            {
                return null;
            }

            if (treeLines[0].Trim() == treeLines[1].Trim())
            {
                return WtIntegrationLevel.TreesMatch;
            }

            // Writes the merge result's objects (harmless, unreferenced) but never a ref or the index.
            var merge = git.Run(dir, GitAccess.ReadOnly, new[] { "merge-tree", "--write-tree", target, branch });
            if (merge.ExitCode == 0)
            {
                var first = merge.Stdout.Split('\n')[0].Trim();
                return first == treeLines[1].Trim() ? WtIntegrationLevel.MergeAddsNothing : (WtIntegrationLevel?)null;
            }

            if (merge.ExitCode != 1)
            {
                return null;
            }

            // The merge conflicts: perhaps the branch was squash-merged and the target changed the same lines since.
            return PatchIdMatches(git, dir, baseSha, branch, target) ? WtIntegrationLevel.PatchIdMatch : (WtIntegrationLevel?)null;
        }

        /// <summary>True when one commit in base..target has the patch-id of the branch's whole diff (base..branch).</summary>
        internal static bool PatchIdMatches(GitRunner git, string dir, string baseSha, string branch, string target)
        {
            var count = git.Run(dir, GitAccess.ReadOnly, new[] { "rev-list", "--count", baseSha + ".." + target });
            if (!count.Succeeded || !int.TryParse(count.Stdout.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > PatchIdCap || n == 0)
            {
                return false;
            }

            var branchIds = PatchIds(git, dir, new[] { "diff-tree", "-p", "--end-of-options", baseSha, branch });
            if (branchIds == null)
            {
                return false;
            }

            var branchId = FirstField(branchIds);
            if (branchId == null)
            {
                return false;
            }

            var targetIds = PatchIds(git, dir, new[] { "rev-list", "--end-of-options", baseSha + ".." + target }, new[] { "diff-tree", "--stdin", "-p" });
            if (targetIds == null)
            {
                return false;
            }

            foreach (var line in targetIds.Split('\n'))
            {
                if (FirstField(line) == branchId)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// `git patch-id --verbatim` of what the <paramref name="producers"/> print (git calls joined
        /// by pipes, no shell); null when any of them failed.
        /// </summary>
        internal static string? PatchIds(GitRunner git, string dir, params string[][] producers)
        {
            var stages = new List<IReadOnlyList<string>>(producers);
            stages.Add(new[] { "patch-id", "--verbatim" });
            try
            {
                var r = git.RunPipeline(dir, GitAccess.ReadOnly, stages.ToArray());
                return r.Succeeded ? r.Stdout : null;
            }
            catch (Diagnostics.WorktrunkException)
            {
                return null;
            }
        }

        /// <summary>True/false from `git merge-base --is-ancestor`; null when git failed.</summary>
        internal static bool? IsAncestor(GitRunner git, string dir, string ancestor, string descendant)
        {
            var r = git.Run(dir, GitAccess.ReadOnly, new[] { "merge-base", "--is-ancestor", ancestor, descendant });
            return r.ExitCode == 0 ? true : r.ExitCode == 1 ? false : (bool?)null;
        }

        /// <summary>The commit a ref names now, or null when it does not exist.</summary>
        internal static string? RevParse(GitRunner git, string dir, string refName)
        {
            var r = git.Run(dir, GitAccess.ReadOnly, new[] { "rev-parse", "--verify", "--quiet", "--end-of-options", refName + "^{commit}" });
            var sha = r.Stdout.Trim();
            return r.Succeeded && sha.Length > 0 ? sha : null;
        }

        private static string? FirstField(string line)
        {
            var t = line.Trim();
            if (t.Length == 0)
            {
                return null;
            }

            var space = t.IndexOf(' ');
            return space < 0 ? t : t.Substring(0, space);
        }
    }
}
