// Contract: naming and ageing of entries in a repository's trash folder, <common>/wt/trash/.
// An entry is `<worktree directory name>-<unix seconds>` (a registration: `<id>.registration-<unix
// seconds>`); a same-second collision gets `~N` before the timestamp (`app.feat~2-1735776000`),
// so the timestamp always follows the last '-'.
// Data safety: the stale-trash sweep deletes only what Worktrunk itself staged. CollectStale
//   reaches the trash folder through the safe filesystem layer (IO/SafeDirectory: <common>/wt and
//   wt/trash opened without following symlinks and owned by this user, else a refusal the
//   sweep reports as a warning), and returns only entries that are real directories (not
//   symlinks, not files) owned by this user, whose names are exactly a staged name
//   (`<name>-<digits>`, digits as the clock writes them) and which are at least 24 hours old.
//   Anything else in the folder (a link, a file a user dropped there, another user's directory) is
//   never touched; the sweep warns about links and foreign entries. Fresh entries are left alone
//   so an in-flight background removal is never raced. Nothing here deletes; see BackgroundDeleter.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.IO;

namespace Worktrunk.Trash
{
    /// <summary>Names, parses and ages trash entries.</summary>
    internal static class TrashPaths
    {
        /// <summary>Entries at least this old are stale (inclusive boundary).</summary>
        internal static readonly TimeSpan StaleAge = TimeSpan.FromSeconds(86400);

        /// <summary>The components below the common dir of the state, trash and logs folders.</summary>
        internal const string StateName = "wt";
        internal const string TrashName = "trash";
        internal const string LogsName = "logs";

        /// <summary>&lt;common&gt;/wt: Worktrunk's state directory inside a repository.</summary>
        internal static string StateDir(string commonDir) => Path.Combine(commonDir, StateName);

        /// <summary>&lt;common&gt;/wt/trash.</summary>
        internal static string TrashDir(string commonDir) => Path.Combine(commonDir, StateName, TrashName);

        /// <summary>&lt;common&gt;/wt/logs.</summary>
        internal static string LogsDir(string commonDir) => Path.Combine(commonDir, StateName, LogsName);

        /// <summary>Opens &lt;common&gt;/wt/trash through the safe layer (null when missing and not <paramref name="create"/>).</summary>
        internal static SafeDirectory? OpenTrash(string commonDir, bool create) => SafeDirectory.Open(commonDir, create, StateName, TrashName);

        /// <summary>
        /// A trash path for <paramref name="worktreePath"/> that does not exist yet:
        /// `&lt;trash&gt;/&lt;name&gt;-&lt;seconds&gt;`, or `&lt;name&gt;~N-&lt;seconds&gt;` on a collision.
        /// The caller still renames without replacing (a race can take the name between check and use).
        /// </summary>
        internal static string NewEntryPath(string commonDir, string worktreePath, DateTimeOffset now)
        {
            var trash = TrashDir(commonDir);
            return Path.Combine(trash, NewEntryName(worktreePath, now, name => Directory.Exists(Path.Combine(trash, name)) || File.Exists(Path.Combine(trash, name))));
        }

        /// <summary>As <see cref="NewEntryPath"/>, the name only, checked in the already-open trash folder (nothing followed).</summary>
        internal static string NewEntryName(SafeDirectory trash, string worktreePath, DateTimeOffset now) =>
            NewEntryName(worktreePath, now, name => trash.Stat(name).Kind != FsKind.Missing);

        private static string NewEntryName(string worktreePath, DateTimeOffset now, Func<string, bool> taken)
        {
            var name = Path.GetFileName(worktreePath.TrimEnd('/', '\\'));
            if (name.Length == 0)
            {
                name = "worktree";
            }

            var seconds = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            var candidate = name + "-" + seconds;
            for (var n = 2; taken(candidate); n++)
            {
                candidate = name + "~" + n.ToString(CultureInfo.InvariantCulture) + "-" + seconds;
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
        /// True when <paramref name="entryName"/> is exactly a name the trash move produces: a
        /// non-empty name (a worktree directory's, `name~N`, or `id.registration`), '-', and the
        /// unix seconds as the clock writes them (no sign, no leading zero).
        /// </summary>
        internal static bool IsStagedName(string entryName, out long unixSeconds)
        {
            if (!TryParseTimestamp(entryName, out unixSeconds))
            {
                return false;
            }

            var dash = entryName.LastIndexOf('-');
            var digits = entryName.Substring(dash + 1);
            return dash > 0 && entryName != "." && entryName != ".." && entryName.IndexOf('/') < 0 &&
                string.Equals(digits, unixSeconds.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }

        /// <summary>
        /// The trash entries the sweep may delete (see the contract): real directories of a real trash
        /// folder, owned by this user, with a staged name whose timestamp is at least
        /// <see cref="StaleAge"/> old at <paramref name="now"/> (a future timestamp counts as age 0).
        /// A missing folder is empty. Throws the safe layer's refusal (RepositoryPathIsSymlink,
        /// RepositoryPathNotOwned, RepositoryPathNotADirectory) when wt or wt/trash is not a real
        /// directory of this user; skipped entries are reported to <paramref name="sink"/>.
        /// </summary>
        internal static List<string> CollectStale(string commonDir, DateTimeOffset now, IDiagnosticSink? sink = null)
        {
            var stale = new List<string>();
            var trashPath = TrashDir(commonDir);
            SafeDirectory? trash;
            try
            {
                trash = OpenTrash(commonDir, create: false);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                sink?.Debug("stale trash not read: " + e.Message);
                return stale;
            }

            if (trash == null)
            {
                return stale;
            }

            using (trash)
            {
                List<string> names;
                try
                {
                    names = ReadNames(trash);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    sink?.Debug("stale trash not read: " + e.Message);
                    return stale;
                }

                var nowSeconds = now.ToUnixTimeSeconds();
                foreach (var name in names)
                {
                    if (!IsStagedName(name, out var ts) || Math.Max(0, nowSeconds - ts) < (long)StaleAge.TotalSeconds)
                    {
                        continue;
                    }

                    FsEntry entry;
                    try
                    {
                        entry = trash.Stat(name);
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                        sink?.Debug("stale trash entry not examined: " + e.Message);
                        continue;
                    }

                    var path = Path.Combine(trashPath, name);
                    if (entry.Kind == FsKind.Directory && entry.OwnedByMe)
                    {
                        stale.Add(path);
                    }
                    else if (entry.Kind == FsKind.Symlink)
                    {
                        sink?.Warning($"The trash entry '{path}' is a symbolic link: the stale-trash sweep leaves it (Worktrunk never stages links). Inspect it and remove the link yourself.");
                    }
                    else if (entry.Kind == FsKind.Directory)
                    {
                        sink?.Warning($"The trash entry '{path}' belongs to user id {entry.Uid}, not to this user: the stale-trash sweep leaves it.");
                    }
                    else if (entry.Kind != FsKind.Missing)
                    {
                        sink?.Debug("stale trash: not a directory, left: " + path);
                    }
                }
            }

            stale.Sort(StringComparer.Ordinal);
            return stale;
        }

        private static List<string> ReadNames(SafeDirectory trash)
        {
            var names = new List<string>();
            if (Platform.IsWindows)
            {
                foreach (var e in Directory.EnumerateFileSystemEntries(trash.Path))
                {
                    names.Add(Path.GetFileName(e));
                }

                return names;
            }

            foreach (var raw in trash.ReadNames())
            {
                names.Add(SafeDirectory.Text(raw));
            }

            return names;
        }
    }
}
