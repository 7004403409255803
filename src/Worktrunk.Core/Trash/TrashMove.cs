// Contract: moves a directory into a repository's trash as a new entry, never replacing one.
// Guarantees: <common>/wt/trash is reached (and created) through the safe filesystem layer: wt
//   and wt/trash must be real directories of this user, else the move is refused with the
//   layer's error id (RepositoryPathIsSymlink, RepositoryPathNotOwned,
//   RepositoryPathNotADirectory) before anything moved. The destination is a fresh
//   `<name>-<unix seconds>` checked in the open trash folder, and the move is
//   renameat2(RENAME_NOREPLACE) into the trash folder's descriptor (macOS renameatx_np
//   RENAME_EXCL), so the entry lands in the folder that was checked even if <common>/wt is
//   swapped meanwhile, and never replaces anything. A name taken by another removal between the
//   check and the rename is retried with the next name (three times). Any other failure changes
//   nothing and is returned, so the caller can fall back to git.
// Test seam: a `rename` other than NoReplaceRename.Move (tests simulating a refused move) is
//   called with the source and destination paths instead of the descriptor rename.
// Data safety: nothing here deletes; the entry is deleted later by BackgroundDeleter.
// Platform: the same everywhere; on Windows (path based) a handle inside the directory refuses the move.

using System;
using System.IO;
using Worktrunk.Diagnostics;
using Worktrunk.IO;

namespace Worktrunk.Trash
{
    /// <summary>Moves directories into &lt;common&gt;/wt/trash.</summary>
    internal static class TrashMove
    {
        private static readonly Action<string, string> DefaultRename = NoReplaceRename.Move;

        /// <summary>
        /// Moves <paramref name="source"/> to a new trash entry named after <paramref name="entryName"/>
        /// and returns the entry; null, with <paramref name="failure"/> saying why, when it did not move.
        /// <paramref name="note"/> is added to the -Verbose line of the rename. Throws the safe
        /// layer's refusal when the trash folder cannot be reached safely (nothing moved).
        /// </summary>
        internal static string? TryMoveIn(string commonDir, string source, string entryName, DateTimeOffset now, Action<string, string> rename, IDiagnosticSink sink, out string? failure, string? note = null) =>
            TryMoveIn(commonDir, null, null, source, entryName, now, rename, sink, out failure, note);

        /// <summary>
        /// As above, the source being <paramref name="sourceName"/> of the open directory
        /// <paramref name="sourceDir"/> (when not null), reached without following anything.
        /// </summary>
        internal static string? TryMoveIn(string commonDir, SafeDirectory? sourceDir, string? sourceName, string source, string entryName, DateTimeOffset now, Action<string, string> rename, IDiagnosticSink sink, out string? failure, string? note = null)
        {
            failure = null;
            SafeDirectory trash;
            try
            {
                trash = TrashPaths.OpenTrash(commonDir, create: true)!;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                failure = "cannot create the trash folder: " + e.Message;
                return null;
            }

            using (trash)
            {
                var viaDescriptors = rename.Equals(DefaultRename);
                for (var attempt = 0; attempt < 3; attempt++)
                {
                    string name;
                    try
                    {
                        name = TrashPaths.NewEntryName(trash, entryName, now);
                    }
                    catch (IOException e)
                    {
                        failure = e.Message;
                        return null;
                    }

                    var destination = Path.Combine(TrashPaths.TrashDir(commonDir), name);
                    try
                    {
                        sink.Verbose("rename '" + source + "' -> '" + destination + "'" + (note == null ? string.Empty : "   (" + note + ")"));
                        if (viaDescriptors)
                        {
                            trash.MoveHere(sourceDir, sourceName ?? string.Empty, sourceDir == null ? source : null, name);
                        }
                        else
                        {
                            rename(source, destination);
                        }

                        return destination;
                    }
                    catch (SafeDirectory.NameTaken)
                    {
                        // Another removal took the name between the check and the rename: pick the next one.
                        sink.Debug("trash name taken: " + destination);
                    }
                    catch (Exception e) when ((e is IOException || e is UnauthorizedAccessException) && !viaDescriptors && Directory.Exists(source) && trash.Stat(name).Kind != FsKind.Missing)
                    {
                        sink.Debug("trash name taken: " + destination);
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is PlatformNotSupportedException || e is EntryPointNotFoundException)
                    {
                        failure = e.Message;
                        return null;
                    }
                }
            }

            failure = "every trash name tried was taken";
            return null;
        }
    }
}
