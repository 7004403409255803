// Contract: unregisters exactly one linked worktree whose directory has already been moved away,
// in this process, by moving its registration directory into the trash.
//
// Guarantees
//   * Does what `git worktree remove <path>` does for a vanished directory (builtin/worktree.c:
//     delete_git_dir(<id>), then delete_worktrees_dir_if_empty()), with one difference: the
//     registration <common>/worktrees/<id> leaves in a single rename(2) into <common>/wt/trash
//     instead of a recursive delete in place. A kill therefore leaves it either registered
//     (prunable: a later Remove-WtWorktree of that path unregisters it alone) or gone, never half
//     deleted. The moved registration is deleted with the staged worktree (background or -Wait).
//   * Only a registration that is a real directory (not a symlink) directly inside the canonical
//     <common>/worktrees is moved. Anything else is declined (null) and the caller runs
//     `git worktree remove <path>` instead, which knows every layout git knows.
//   * Touches no other registration and never prunes. The empty <common>/worktrees is removed
//     afterwards as git does (rmdir: it fails harmlessly when another registration exists).
// Data safety: the caller holds the repository's removal lock and has just re-checked, from the
//   same files git reads, that this registration serves this path and is not locked; the
//   worktree's directory is already in the trash. The rename never replaces an existing entry.
// Platform: rename(2) on Unix; MoveFileEx on Windows, where an open handle inside the
//   registration (a running git) refuses the move and the caller falls back to git.

using System;
using System.IO;
using Worktrunk.Diagnostics;
using Worktrunk.IO;
using Worktrunk.Trash;

namespace Worktrunk.Removal
{
    /// <summary>Moves one worktree registration into the trash.</summary>
    internal static class RegistrationRemover
    {
        /// <summary>
        /// Moves <paramref name="gitDir"/> (the registration the re-check returned) to a new trash
        /// entry and returns that entry, or null when this registration is not one it handles or the
        /// move failed (nothing changed; the caller unregisters with git).
        /// </summary>
        internal static string? TryMoveToTrash(string gitDir, string commonDir, DateTimeOffset now, IDiagnosticSink sink, Action<string, string>? rename = null)
        {
            string root;
            string registration;
            string id;
            try
            {
                root = PathUtil.Canonicalize(Path.Combine(commonDir, "worktrees"));
                registration = PathUtil.TrimEnd(Path.GetFullPath(gitDir));
                id = Path.GetFileName(registration);
                var parent = Path.GetDirectoryName(registration);
                if (id.Length == 0 || id == "." || id == ".." || parent == null ||
                    !string.Equals(parent, root, PathUtil.Comparison) ||
                    (File.GetAttributes(registration) & (FileAttributes.Directory | FileAttributes.ReparsePoint)) != FileAttributes.Directory)
                {
                    sink.Debug("registration not moved in-process (not a plain directory of " + root + "): " + gitDir);
                    return null;
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                sink.Verbose("Moving the registration into the trash failed (" + e.Message + "); unregistering with git instead.");
                return null;
            }

            var moved = TrashMove.TryMoveIn(commonDir, registration, id + ".registration", now, rename ?? NoReplaceRename.Move, sink, out var failure, "unregisters the worktree, as `git worktree remove` would");
            if (moved == null)
            {
                sink.Verbose("Moving the registration into the trash failed (" + failure + "); unregistering with git instead.");
                return null;
            }

            TryRemoveEmpty(root);
            return moved;
        }

        private static void TryRemoveEmpty(string directory)
        {
            try
            {
                Directory.Delete(directory, recursive: false);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // Not empty (another worktree is registered) or already gone: as git, ignore.
            }
        }
    }
}
