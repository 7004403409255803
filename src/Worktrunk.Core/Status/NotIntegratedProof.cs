using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Worktrunk.Git;

namespace Worktrunk.Status
{
    /// <summary>
    /// A batched proof that branches are NOT integrated, without a merge per branch (for gits
    /// without `merge-tree --stdin`, before 2.40). Read-only: plumbing reads only, nothing written.
    /// Guarantee: a tip it returns is one for which <see cref="Worktrunk.Removal.IntegrationChecker"/>
    /// finds no level; every tip it cannot prove is left out (the caller runs today's path), so the
    /// verdict is never weaker than the checker's. It proves, per tip T with its ONE merge base B
    /// with the target M (the caller gives only tips with one merge base and commits M lacks), a
    /// path P with:
    /// (1) T's blob at P differs from B's (not a mode-only change): no added changes fails, and the
    ///     branch's whole diff carries P;
    /// (2) M's entry at P equals B's (M did not touch P): then T's tree differs from M's at P (tree
    ///     matches fails); and a clean merge keeps T's version at P: for a modification nothing is a
    ///     rename source or destination at P (it exists on all three sides; merge-ort has no break
    ///     detection), for an addition the merge has P while M lacks it, provided M removed nothing
    ///     under a directory of P (else M's directory rename could move P: such additions are not
    ///     used); deletions are not used. So the merge's tree differs from M's (merging adds nothing
    ///     fails);
    /// (3) no non-merge commit in B..M touches P nor carries P's blob change (old, new oid) at any
    ///     path: the patch-id level (run after a conflicting merge) looks for a commit of B..M whose
    ///     patch equals the branch's whole diff, which would have to change P from B's blob to T's.
    /// Processes: one `git diff-tree -r -z --raw --no-renames --stdin` for all tips and the
    /// target (a line `&lt;tip&gt; &lt;base&gt;` per tip, `&lt;base&gt; &lt;target&gt;` per distinct base: diff-tree
    /// prints the first oid of a line as a header, then the differences, and nothing for a pair
    /// without differences), and one `git log --no-renames --raw -z B..M` per distinct base
    /// some branch still has a candidate path against after the diff (usually one: agent
    /// branches mostly fork from the same commit).
    /// </summary>
    internal static class NotIntegratedProof
    {
        /// <summary>The tips of <paramref name="bases"/> (tip → its one merge base with <paramref name="target"/>) proven not integrated.</summary>
        internal static HashSet<string> Prove(GitRunner git, string dir, string target, IReadOnlyDictionary<string, string> bases)
        {
            var proven = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var distinct = new List<string>();
            foreach (var b in bases.Values)
            {
                if (!distinct.Contains(b, StringComparer.OrdinalIgnoreCase))
                {
                    distinct.Add(b);
                }
            }

            if (bases.Count == 0)
            {
                return proven;
            }

            var input = new StringBuilder();
            foreach (var b in distinct)
            {
                input.Append(b).Append(' ').Append(target).Append('\n');
            }

            foreach (var pair in bases)
            {
                input.Append(pair.Key).Append(' ').Append(pair.Value).Append('\n');
            }

            var r = git.Run(dir, GitAccess.ReadOnly, new[] { "diff-tree", "-r", "-z", "--raw", "--no-renames", "--stdin" }, stdin: Encoding.UTF8.GetBytes(input.ToString()), stdinDisplay: (bases.Count + distinct.Count).ToString(CultureInfo.InvariantCulture) + " pairs");
            var diffs = r.Succeeded ? ParseStdin(r.Stdout) : null;
            if (diffs == null)
            {
                return proven;
            }

            foreach (var header in diffs.Keys)
            {
                if (!bases.ContainsKey(header) && !distinct.Contains(header, StringComparer.OrdinalIgnoreCase))
                {
                    return proven;
                }
            }

            foreach (var b in distinct)
            {
                // The log only for a base some branch has a candidate path against (a squash-merged branch's paths are main's changes too).
                diffs.TryGetValue(b, out var againstBase);
                var anyCandidate = false;
                foreach (var pair in bases)
                {
                    anyCandidate |= string.Equals(pair.Value, b, StringComparison.OrdinalIgnoreCase) && diffs.TryGetValue(pair.Key, out var changes) && Proves(changes, againstBase ?? new List<RawEntry>(), new List<RawEntry>());
                }

                if (!anyCandidate)
                {
                    continue;
                }

                var log = git.Run(dir, GitAccess.ReadOnly, new[] { "log", "--no-show-signature", "--no-renames", "--no-ext-diff", "--raw", "-z", "--no-abbrev", "--format=", "--end-of-options", b + ".." + target, "--" });
                var targetCommits = log.Succeeded ? ParseRaw(log.Stdout, 0, log.Stdout.Length) : null;
                if (targetCommits == null)
                {
                    continue;
                }

                diffs.TryGetValue(b, out var targetChanges);
                foreach (var pair in bases)
                {
                    if (string.Equals(pair.Value, b, StringComparison.OrdinalIgnoreCase) && diffs.TryGetValue(pair.Key, out var branchChanges) && Proves(branchChanges, targetChanges ?? new List<RawEntry>(), targetCommits))
                    {
                        proven.Add(pair.Key);
                    }
                }
            }

            return proven;
        }

        /// <summary>True when one of <paramref name="branch"/>'s changes (base → tip) is a path as the class comment asks. Pure.</summary>
        internal static bool Proves(List<RawEntry> branch, List<RawEntry> target, List<RawEntry> targetCommits)
        {
            var targetPaths = new HashSet<string>(StringComparer.Ordinal);
            var removedDirs = new HashSet<string>(StringComparer.Ordinal);
            foreach (var e in target)
            {
                targetPaths.Add(e.Path);
            }

            foreach (var e in targetCommits)
            {
                targetPaths.Add(e.Path);
            }

            // Every directory under which the target (against the base, or in any of its commits) lacks a path the base or a parent had.
            foreach (var e in target)
            {
                // diff "<base> <target>": src is the target's side, dst the base's.
                if (e.DstOid.Trim('0').Length > 0 && e.SrcOid.Trim('0').Length == 0)
                {
                    AddDirectories(removedDirs, e.Path);
                }
            }

            foreach (var e in targetCommits)
            {
                if (e.SrcOid.Trim('0').Length > 0 && e.DstOid.Trim('0').Length == 0)
                {
                    AddDirectories(removedDirs, e.Path);
                }
            }

            var pairs = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var e in targetCommits)
            {
                pairs.Add(e.SrcOid + " " + e.DstOid);
            }

            foreach (var e in branch)
            {
                // diff "<tip> <base>": src is the base's side, dst the tip's.
                var inBase = e.SrcOid.Trim('0').Length > 0;
                var inTip = e.DstOid.Trim('0').Length > 0;
                if (!inTip || string.Equals(e.SrcOid, e.DstOid, StringComparison.OrdinalIgnoreCase) || targetPaths.Contains(e.Path) || pairs.Contains(e.SrcOid + " " + e.DstOid))
                {
                    continue;
                }

                if (inBase || !UnderAny(removedDirs, e.Path))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>`diff-tree --stdin -r -z --raw` output: header oid → its entries; null when not of that shape. Pure.</summary>
        internal static Dictionary<string, List<RawEntry>>? ParseStdin(string output)
        {
            var map = new Dictionary<string, List<RawEntry>>(StringComparer.OrdinalIgnoreCase);
            var i = 0;
            while (i < output.Length)
            {
                var end = output.IndexOf('\0', i);
                if (end < 0)
                {
                    return null;
                }

                var header = output.Substring(i, end - i).Trim('\n');
                if (!RefFiles.IsObjectId(header) || map.ContainsKey(header))
                {
                    return null;
                }

                i = end + 1;
                var next = i;
                while (next < output.Length && output[next] == ':')
                {
                    var meta = output.IndexOf('\0', next);
                    var path = meta < 0 ? -1 : output.IndexOf('\0', meta + 1);
                    if (path < 0)
                    {
                        return null;
                    }

                    next = path + 1;
                }

                var entries = ParseRaw(output, i, next);
                if (entries == null || entries.Count == 0)
                {
                    return null;
                }

                map[header] = entries;
                i = next;
            }

            return map;
        }

        /// <summary>`--raw -z` records (`:mode mode oid oid status NUL path NUL`) in [start, end); other fields (empty commit headers of `log --format=`) skipped; null when a record is not of that shape. Pure.</summary>
        internal static List<RawEntry>? ParseRaw(string text, int start, int end)
        {
            var list = new List<RawEntry>();
            var i = start;
            while (i < end)
            {
                var stop = text.IndexOf('\0', i, end - i);
                if (stop < 0)
                {
                    stop = end;
                }

                var field = text.Substring(i, stop - i).Trim('\n');
                i = stop + 1;
                if (field.Length == 0)
                {
                    continue;
                }

                var f = field.Split(' ');
                if (field[0] != ':' || f.Length != 5 || !RefFiles.IsObjectId(f[2]) || !RefFiles.IsObjectId(f[3]) || i >= end)
                {
                    return null;
                }

                var pathStop = text.IndexOf('\0', i, Math.Max(0, end - i));
                if (pathStop < 0 || f[4].Length == 0 || f[4][0] == 'R' || f[4][0] == 'C')
                {
                    return null;
                }

                list.Add(new RawEntry(f[2], f[3], text.Substring(i, pathStop - i)));
                i = pathStop + 1;
            }

            return list;
        }

        private static void AddDirectories(HashSet<string> dirs, string path)
        {
            for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
            {
                dirs.Add(path.Substring(0, slash));
            }
        }

        private static bool UnderAny(HashSet<string> dirs, string path)
        {
            for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
            {
                if (dirs.Contains(path.Substring(0, slash)))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>One `--raw` record: the source side's blob, the destination side's blob (zeros: absent), the path.</summary>
    internal sealed class RawEntry
    {
        internal RawEntry(string srcOid, string dstOid, string path)
        {
            SrcOid = srcOid;
            DstOid = dstOid;
            Path = path;
        }

        internal string SrcOid { get; }

        internal string DstOid { get; }

        internal string Path { get; }
    }
}
