using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Worktrunk.Interop;
using Worktrunk.IO;

namespace Worktrunk.Git
{
    /// <summary>
    /// Produces the records `git worktree list --porcelain` prints, from the files git itself reads
    /// (builtin/worktree.c list, worktree.c get_worktrees), without starting git:
    /// the main worktree (realpath of the common dir without "/.git", HEAD from &lt;common&gt;/HEAD);
    /// then every &lt;common&gt;/worktrees/&lt;id&gt; whose gitdir file is readable and not empty, sorted
    /// by path as git sorts them: path = the gitdir file right-trimmed, without "/.git"; HEAD from
    /// its HEAD file; locked [reason] from its locked file (trimmed); prunable when not locked and
    /// the gitdir file names nothing that exists ("gitdir file points to non-existent location").
    /// Branch tips come from the caller (a `git for-each-ref` snapshot read just before).
    ///
    /// Returns null, so the caller runs git, for anything outside that plain shape: a git dir not
    /// named .git (bare or separate), core.bare not explicitly false, core.worktree, includes,
    /// extensions.worktreeConfig or a ref storage extension, a reftable directory, a HEAD that is
    /// neither a full object id nor `ref: refs/heads/...` with a tip the snapshot has, a relative
    /// gitdir (newer git), a symlinked registration, Windows, or any read error.
    /// </summary>
    internal static class WorktreeFiles
    {
        /// <summary>The records, or null when only git can list this repository exactly.</summary>
        /// <param name="commonDir">The repository's common dir.</param>
        /// <param name="branchTip">The tip of a full branch ref (refs/heads/x), or null when unknown or symbolic.</param>
        internal static List<WorktreeRecord>? TryRead(string commonDir, Func<string, string?> branchTip) =>
            TryRead(commonDir, ConfigLookup.ReadRepositoryConfig(commonDir), branchTip, out _);

        /// <summary>
        /// As <see cref="TryRead(string, Func{string, string?})"/>, with &lt;common&gt;/config already
        /// read (ConfigLookup.ReadRepositoryConfig); <paramref name="registrations"/> gets each linked
        /// record's registration directory, as WorktreeLister.ReadRegistrations would read it again.
        /// </summary>
        internal static List<WorktreeRecord>? TryRead(string commonDir, List<ConfigEntry>? repositoryConfig, Func<string, string?> branchTip, out WorktreeLister.Registrations registrations)
        {
            registrations = new WorktreeLister.Registrations();
            if (Platform.IsWindows)
            {
                return null;
            }

            try
            {
                var common = PathUtil.Canonicalize(commonDir);
                if (!string.Equals(Path.GetFileName(common), ".git", StringComparison.Ordinal) ||
                    Directory.Exists(Path.Combine(common, "reftable")) ||
                    !PlainConfig(repositoryConfig, out var ignoreCase))
                {
                    return null;
                }

                var mainPath = common.Substring(0, common.Length - "/.git".Length);
                if (mainPath.Length == 0)
                {
                    return null;
                }

                var main = new WorktreeRecord(mainPath);
                if (!ReadHead(common, main, branchTip))
                {
                    return null;
                }

                var linked = new List<WorktreeRecord>();
                var root = PathUtil.Canonicalize(Path.Combine(common, "worktrees"));
                if (Directory.Exists(root))
                {
                    foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos())
                    {
                        if ((entry.Attributes & FileAttributes.ReparsePoint) != 0)
                        {
                            return null;
                        }

                        if (!(entry is DirectoryInfo))
                        {
                            // git reads <entry>/gitdir, which fails for a file: not a worktree.
                            continue;
                        }

                        var record = ReadLinked(entry.FullName, branchTip, out var decline);
                        if (decline)
                        {
                            return null;
                        }

                        if (record != null)
                        {
                            linked.Add(record);
                            registrations.Add(record.Path, PathUtil.TrimEnd(entry.FullName));
                        }
                    }
                }

                // builtin/worktree.c: "sort worktrees by path but keep main worktree at top" (fspathcmp).
                linked.Sort((a, b) => CompareBytes(a.Path, b.Path, ignoreCase));
                var records = new List<WorktreeRecord>(linked.Count + 1) { main };
                records.AddRange(linked);
                return records;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }
        }

        private static WorktreeRecord? ReadLinked(string registration, Func<string, string?> branchTip, out bool decline)
        {
            decline = false;
            var gitdirFile = Path.Combine(registration, "gitdir");
            if (Directory.Exists(gitdirFile))
            {
                decline = true;
                return null;
            }

            if (!File.Exists(gitdirFile))
            {
                return null;
            }

            var content = File.ReadAllText(gitdirFile);
            if (content.Length == 0)
            {
                return null;
            }

            // get_linked_worktree: strbuf_rtrim, then strip "/.git".
            var path = RTrim(content);
            if (path.EndsWith("/.git", StringComparison.Ordinal))
            {
                path = path.Substring(0, path.Length - "/.git".Length);
            }

            if (!path.StartsWith("/", StringComparison.Ordinal))
            {
                decline = true;
                return null;
            }

            var record = new WorktreeRecord(path);
            if (!ReadHead(registration, record, branchTip))
            {
                decline = true;
                return null;
            }

            var lockedFile = Path.Combine(registration, "locked");
            if (File.Exists(lockedFile))
            {
                record.IsLocked = true;
                record.LockReason = File.ReadAllText(lockedFile).Trim(' ', '\t', '\n', '\r');
                return record;
            }

            // should_prune_worktree: the gitdir text less trailing CR/LF names a file that exists.
            var named = content.TrimEnd('\n', '\r');
            if (named.Length == 0)
            {
                record.IsPrunable = true;
                record.PrunableReason = "invalid gitdir file";
            }
            else if (!File.Exists(named) && !Directory.Exists(named))
            {
                record.IsPrunable = true;
                record.PrunableReason = "gitdir file points to non-existent location";
            }

            return record;
        }

        /// <summary>Reads a HEAD file into the record; false when it is not a plain HEAD git would print the same way.</summary>
        private static bool ReadHead(string gitDir, WorktreeRecord record, Func<string, string?> branchTip)
        {
            var headFile = Path.Combine(gitDir, "HEAD");
            if (!File.Exists(headFile))
            {
                return false;
            }

            if (!RefFiles.TryParse(File.ReadAllText(headFile), out var sha, out var target))
            {
                return false;
            }

            if (target == null)
            {
                record.Head = sha;
                record.IsDetached = true;
                return true;
            }

            if (!target.StartsWith("refs/heads/", StringComparison.Ordinal) || target == "refs/heads/.invalid")
            {
                return false;
            }

            var tip = branchTip(target);
            if (tip == null)
            {
                // An unborn branch, a symbolic one, or one created after the snapshot: git knows.
                return false;
            }

            record.Head = tip;
            record.BranchRef = target;
            return true;
        }

        /// <summary>True when the config file is one this reader understands: core.bare = false, nothing that changes the layout.</summary>
        private static bool PlainConfig(List<ConfigEntry>? entries, out bool ignoreCase)
        {
            ignoreCase = false;
            if (entries == null)
            {
                return false;
            }

            var bareFalse = false;
            foreach (var e in entries)
            {
                if (e.Section == "extensions" && e.Subsection == null && (e.Key == "worktreeconfig" || e.Key == "refstorage"))
                {
                    return false;
                }

                if (e.Section == "core" && e.Subsection == null)
                {
                    switch (e.Key)
                    {
                        case "bare":
                            var b = Bool(e.Value);
                            if (b == null)
                            {
                                return false;
                            }

                            bareFalse = !b.Value;
                            break;
                        case "worktree":
                            return false;
                        case "ignorecase":
                            var i = Bool(e.Value);
                            if (i == null)
                            {
                                return false;
                            }

                            ignoreCase = i.Value;
                            break;
                    }
                }
            }

            return bareFalse;
        }

        /// <summary>git_parse_maybe_bool: true/yes/on/1, false/no/off/0/empty; null for anything else (numbers aside from 0/1 included: let git judge).</summary>
        private static bool? Bool(string? value)
        {
            if (value == null)
            {
                return true;
            }

            switch (value.ToLowerInvariant())
            {
                case "true":
                case "yes":
                case "on":
                case "1":
                    return true;
                case "false":
                case "no":
                case "off":
                case "0":
                case "":
                    return false;
                default:
                    return null;
            }
        }

        /// <summary>strcmp (or strcasecmp with ASCII folding) on the UTF-8 bytes, as fspathcmp.</summary>
        internal static int CompareBytes(string a, string b, bool ignoreCase)
        {
            var x = Encoding.UTF8.GetBytes(a);
            var y = Encoding.UTF8.GetBytes(b);
            var n = Math.Min(x.Length, y.Length);
            for (var i = 0; i < n; i++)
            {
                int p = x[i];
                int q = y[i];
                if (ignoreCase)
                {
                    p = p >= 'A' && p <= 'Z' ? p + 32 : p;
                    q = q >= 'A' && q <= 'Z' ? q + 32 : q;
                }

                if (p != q)
                {
                    return p - q;
                }
            }

            return x.Length - y.Length;
        }

        // strbuf_rtrim: trailing isspace (space, \t, \n, \r).
        private static string RTrim(string s) => s.TrimEnd(' ', '\t', '\n', '\r');
    }
}
