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
    /// orphan branch) or git fails.
    /// </summary>
    internal static class AheadBehindBatch
    {
        internal static Dictionary<string, (int Ahead, int Behind)>? Count(GitRunner git, string dir, string baseSha, IReadOnlyCollection<string> tips)
        {
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
            foreach (var line in bases.Stdout.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries))
            {
                walk.Add(line.Trim());
            }

            walk.Add("--");
            var graph = git.Run(dir, GitAccess.ReadOnly, walk);
            return graph.Succeeded ? FromGraph(graph.Stdout, baseSha, tips) : null;
        }

        /// <summary>The counts from `rev-list --parents` output (one "commit parent..." line each); parents not listed are shared history. Pure.</summary>
        internal static Dictionary<string, (int Ahead, int Behind)>? FromGraph(string revList, string baseSha, IEnumerable<string> tips)
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
