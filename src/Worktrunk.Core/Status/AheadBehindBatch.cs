using System;
using System.Collections.Generic;
using Worktrunk.Git;

namespace Worktrunk.Status
{
    /// <summary>
    /// Ahead/behind of many commits against one base with two git processes, for gits without
    /// for-each-ref's %(ahead-behind) (before 2.41): `git merge-base --octopus` finds the commits
    /// every tip and the base share (everything they reach is reachable from all, so it counts on
    /// neither side), then `git rev-list --parents &lt;base&gt; &lt;tips&gt; --not &lt;those&gt;` prints the rest
    /// of the graph, in which each count is a walk: ahead = commits reachable from the tip but not
    /// from the base, behind = the other way, exactly what `git rev-list --left-right --count
    /// base...tip` prints. Null (count per worktree instead) when there is no common base (an
    /// orphan branch) or git fails. The same walk gives each tip's merge base with the base
    /// (<see cref="MergeBases"/>).
    /// </summary>
    internal static class AheadBehindBatch
    {
        internal static Dictionary<string, (int Ahead, int Behind)>? Count(GitRunner git, string dir, string baseSha, IReadOnlyCollection<string> tips) =>
            Count(git, dir, baseSha, tips, out _);

        /// <summary>The counts, and in <paramref name="mergeBases"/> each tip's one merge base with the base (see <see cref="MergeBases"/>).</summary>
        internal static Dictionary<string, (int Ahead, int Behind)>? Count(GitRunner git, string dir, string baseSha, IReadOnlyCollection<string> tips, out Dictionary<string, string>? mergeBases)
        {
            mergeBases = null;
            var args = new List<string> { "merge-base", "--octopus", "--end-of-options", baseSha };
            args.AddRange(tips);
            var bases = git.Run(dir, GitAccess.ReadOnly, args);
            if (!bases.Succeeded)
            {
                return null;
            }

            var walk = new List<string> { "rev-list", "--parents", baseSha };
            walk.AddRange(tips);
            walk.Add("--not");
            var shared = new List<string>();
            foreach (var line in bases.Stdout.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries))
            {
                shared.Add(line.Trim());
                walk.Add(line.Trim());
            }

            walk.Add("--");
            var graph = git.Run(dir, GitAccess.ReadOnly, walk);
            if (!graph.Succeeded)
            {
                return null;
            }

            mergeBases = shared.Count == 1 ? MergeBases(graph.Stdout, baseSha, shared[0], tips) : null;
            return FromGraph(graph.Stdout, baseSha, tips);
        }

        /// <summary>
        /// Each tip's merge base with <paramref name="baseSha"/>, for the tips that have exactly one,
        /// from the walk of Count: <paramref name="revList"/> is every commit reachable
        /// from the base or a tip but not from <paramref name="octopus"/> (the one commit `merge-base
        /// --octopus` printed, a common ancestor of all). The common ancestors of base and tip are
        /// then L (the listed commits both reach) and the ancestors of the octopus commit O; the merge
        /// bases are the commits of L no other commit of L has as a parent, plus O unless a commit
        /// of L has O as a parent (a commit not listed is an ancestor of O, so it reaches O only
        /// by being O). Tips with several merge bases (criss-cross) are left out. Null when the text
        /// is not a walk. Pure.
        /// </summary>
        internal static Dictionary<string, string>? MergeBases(string revList, string baseSha, string octopus, IEnumerable<string> tips)
        {
            var parents = Parents(revList);
            if (parents == null)
            {
                return null;
            }

            var fromBase = Reach(parents, baseSha);
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var tip in tips)
            {
                var common = Reach(parents, tip);
                common.IntersectWith(fromBase);
                var notMaximal = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                var octopusCovered = false;
                foreach (var c in common)
                {
                    foreach (var p in parents[c])
                    {
                        notMaximal.Add(p);
                        octopusCovered |= string.Equals(p, octopus, StringComparison.OrdinalIgnoreCase);
                    }
                }

                var found = new List<string>();
                foreach (var c in common)
                {
                    if (!notMaximal.Contains(c))
                    {
                        found.Add(c);
                    }
                }

                if (!octopusCovered)
                {
                    found.Add(octopus);
                }

                if (found.Count == 1)
                {
                    result[tip] = found[0];
                }
            }

            return result;
        }

        private static Dictionary<string, string[]>? Parents(string revList)
        {
            var parents = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in revList.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries))
            {
                var f = line.Trim().Split(' ');
                if (!RefFiles.IsObjectId(f[0]))
                {
                    return null;
                }

                var p = new string[f.Length - 1];
                Array.Copy(f, 1, p, 0, p.Length);
                parents[f[0]] = p;
            }

            return parents;
        }

        /// <summary>The counts from `rev-list --parents` output (one "commit parent..." line each); parents not listed are shared history. Pure.</summary>
        internal static Dictionary<string, (int Ahead, int Behind)>? FromGraph(string revList, string baseSha, IEnumerable<string> tips)
        {
            var parents = Parents(revList);
            if (parents == null)
            {
                return null;
            }

            var fromBase = Reach(parents, baseSha);
            var counts = new Dictionary<string, (int, int)>(StringComparer.OrdinalIgnoreCase);
            foreach (var tip in tips)
            {
                var fromTip = Reach(parents, tip);
                var ahead = 0;
                foreach (var c in fromTip)
                {
                    if (!fromBase.Contains(c))
                    {
                        ahead++;
                    }
                }

                var behind = 0;
                foreach (var c in fromBase)
                {
                    if (!fromTip.Contains(c))
                    {
                        behind++;
                    }
                }

                counts[tip] = (ahead, behind);
            }

            return counts;
        }

        /// <summary>The listed commits reachable from <paramref name="start"/> (itself included when listed).</summary>
        private static HashSet<string> Reach(Dictionary<string, string[]> parents, string start)
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var stack = new Stack<string>();
            stack.Push(start);
            while (stack.Count > 0)
            {
                var c = stack.Pop();
                if (!parents.TryGetValue(c, out var ps) || !seen.Add(c))
                {
                    continue;
                }

                foreach (var p in ps)
                {
                    stack.Push(p);
                }
            }

            return seen;
        }
    }
}
