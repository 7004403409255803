// Contract: naming and ageing of entries in a repository's trash folder, <common>/wt/trash/.
// An entry is `<worktree directory name>-<unix seconds>`; a same-second collision gets `~N`
// before the timestamp (`app.feat~2-1735776000`), so the timestamp always follows the last '-'.
// Data safety: only entries whose name parses as `<anything>-<digits>` are ever considered
// stale; anything else in the folder (a file a user dropped there, a half-written entry) is
// never touched. Fresh entries (younger than 24 h) are left alone so an in-flight background
// removal is never raced. Nothing here deletes; see BackgroundDeleter.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Worktrunk.Trash
{
    /// <summary>Names, parses and ages trash entries.</summary>
    internal static class TrashPaths
    {
        /// <summary>Entries at least this old are stale (inclusive boundary).</summary>
        internal static readonly TimeSpan StaleAge = TimeSpan.FromSeconds(86400);

        /// <summary>&lt;common&gt;/wt: Worktrunk's state directory inside a repository.</summary>
        internal static string StateDir(string commonDir) => Path.Combine(commonDir, "wt");

        /// <summary>&lt;common&gt;/wt/trash.</summary>
        internal static string TrashDir(string commonDir) => Path.Combine(commonDir, "wt", "trash");

        /// <summary>&lt;common&gt;/wt/logs.</summary>
        internal static string LogsDir(string commonDir) => Path.Combine(commonDir, "wt", "logs");

        /// <summary>
        /// A trash path for <paramref name="worktreePath"/> that does not exist yet:
        /// `&lt;trash&gt;/&lt;name&gt;-&lt;seconds&gt;`, or `&lt;name&gt;~N-&lt;seconds&gt;` on a collision.
        /// The caller still renames without replacing (a race can take the name between check and use).
        /// </summary>
        internal static string NewEntryPath(string commonDir, string worktreePath, DateTimeOffset now)
        {
            var trash = TrashDir(commonDir);
            var name = Path.GetFileName(worktreePath.TrimEnd('/', '\\'));
            if (name.Length == 0)
            {
                name = "worktree";
            }

            var seconds = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            var candidate = Path.Combine(trash, name + "-" + seconds);
            for (var n = 2; Directory.Exists(candidate) || File.Exists(candidate); n++)
            {
                candidate = Path.Combine(trash, name + "~" + n.ToString(CultureInfo.InvariantCulture) + "-" + seconds);
            }

            return candidate;
        }

        /// <summary>Splits an entry name at its last '-'; true when what follows is all digits (unix seconds).</summary>
        internal static bool TryParseTimestamp(string entryName, out long unixSeconds)
        {
            unixSeconds = 0;
            var dash = entryName.LastIndexOf('-');
            if (dash < 0 || dash == entryName.Length - 1)
            {
                return false;
            }

            var digits = entryName.Substring(dash + 1);
            foreach (var c in digits)
            {
                if (c < '0' || c > '9')
                {
                    return false;
                }
            }

            return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out unixSeconds);
        }

        /// <summary>
        /// Direct children of the trash folder whose timestamp is at least <see cref="StaleAge"/> old
        /// at <paramref name="now"/> (a future timestamp counts as age 0). A missing folder is empty.
        /// </summary>
        internal static List<string> CollectStale(string commonDir, DateTimeOffset now)
        {
            var stale = new List<string>();
            var trash = TrashDir(commonDir);
            if (!Directory.Exists(trash))
            {
                return stale;
            }

            IEnumerable<string> entries;
            try
            {
                entries = Directory.EnumerateFileSystemEntries(trash);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return stale;
            }

            var nowSeconds = now.ToUnixTimeSeconds();
            foreach (var entry in entries)
            {
                if (TryParseTimestamp(Path.GetFileName(entry), out var ts))
                {
                    var age = Math.Max(0, nowSeconds - ts);
                    if (age >= (long)StaleAge.TotalSeconds)
                    {
                        stale.Add(entry);
                    }
                }
            }

            stale.Sort(StringComparer.Ordinal);
            return stale;
        }
    }
}
