// Contract: moves a directory into a repository's trash as a new entry, never replacing one.
// Guarantees: the destination is a fresh `<name>-<unix seconds>` (TrashPaths.NewEntryPath); the
//   move is the caller's rename, which must refuse an existing destination (IO/NoReplaceRename);
//   a name taken by another removal between the check and the rename is retried with the next
//   name (three times), as long as the source is still where it was. Any other failure changes
//   nothing and is returned, so the caller can fall back to git.
// Data safety: nothing here deletes; the entry is deleted later by BackgroundDeleter.
// Platform: the same everywhere; on Windows a handle inside the directory refuses the move.

using System;
using System.IO;
using Worktrunk.Diagnostics;

namespace Worktrunk.Trash
{
    /// <summary>Moves directories into &lt;common&gt;/wt/trash.</summary>
    internal static class TrashMove
    {
        /// <summary>
        /// Moves <paramref name="source"/> to a new trash entry named after <paramref name="entryName"/>
        /// and returns the entry; null, with <paramref name="failure"/> saying why, when it did not move.
        /// <paramref name="note"/> is added to the -Verbose line of the rename.
        /// </summary>
        internal static string? TryMoveIn(string commonDir, string source, string entryName, DateTimeOffset now, Action<string, string> rename, IDiagnosticSink sink, out string? failure, string? note = null)
        {
            failure = null;
            try
            {
                Directory.CreateDirectory(TrashPaths.TrashDir(commonDir));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                failure = "cannot create the trash folder: " + e.Message;
                return null;
            }

            for (var attempt = 0; attempt < 3; attempt++)
            {
                var destination = TrashPaths.NewEntryPath(commonDir, entryName, now);
                try
                {
                    sink.Verbose("rename '" + source + "' -> '" + destination + "'" + (note == null ? string.Empty : "   (" + note + ")"));
                    rename(source, destination);
                    return destination;
                }
                catch (Exception e) when ((e is IOException || e is UnauthorizedAccessException) && Directory.Exists(source) && (Directory.Exists(destination) || File.Exists(destination)))
                {
                    // Another removal took the name between the check and the rename: pick the next one.
                    sink.Debug("trash name taken: " + destination);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is PlatformNotSupportedException)
                {
                    failure = e.Message;
                    return null;
                }
            }

            failure = "every trash name tried was taken";
            return null;
        }
    }
}
