// Contract: unregisters exactly one linked worktree whose directory has already been moved away,
// in this process, by moving its registration directory into the trash.
//
// Guarantees
//   * Does what `git worktree remove <path>` does for a vanished directory (builtin/worktree.c:
//     delete_git_dir(<id>), then delete_worktrees_dir_if_empty()), with one difference: the
//     registration <common>/worktrees/<id> leaves in a single rename into <common>/wt/trash
//     instead of a recursive delete in place. A kill therefore leaves it either registered
//     (prunable: a later Remove-WtWorktree of that path unregisters it alone) or gone, never half
//     deleted. The moved registration is deleted with the staged worktree (background or -Wait).
//   * The registration is reached through the safe filesystem layer: <common>/worktrees opened
//     without following a symlink, and <id> must be a real directory of this user in it. The
//     rename is renameat2(RENAME_NOREPLACE) between the two open directories.
//   * A registration that is a symlink, a file, another user's, or not directly inside
//     <common>/worktrees (the re-check hands over a symlinked registration resolved to its
//     target) is REFUSED (UnsafeRegistration), never declined: the caller's fallback, `git worktree
//     remove`, would delete the link's target's contents. It is left exactly in place, nothing is
//     deleted through it, and the error says so (the worktree's directory is already in the trash,
//     recoverable until the stale-trash sweep). Verify runs the same checks without moving, so a
//     caller can refuse before it changes anything.
//   * Declined (null; the caller unregisters with git, which then deletes a real directory) only
//     when the move itself failed (a Windows handle, permissions) or the registration is gone.
//   * Touches no other registration and never prunes. The empty <common>/worktrees is removed
//     afterwards as git does (rmdir relative to the common dir: fails harmlessly when another
//     registration exists).
// Data safety: the caller holds the repository's removal lock and has just re-checked, from the
//   same files git reads, that this registration serves this path and is not locked; the
//   worktree's directory is already in the trash. The rename never replaces an existing entry.
// Residual: between a decline (a refused move) and git's own delete, a process with write access
//   to <common>/worktrees could swap in a link; git deletes by path.
// Platform: descriptors on Unix; MoveFileEx on Windows (path based, reparse points refused), where
//   an open handle inside the registration (a running git) refuses the move and the caller falls
//   back to git.

using System;
using System.IO;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.IO;
using Worktrunk.Trash;

namespace Worktrunk.Removal
{
    /// <summary>Moves one worktree registration into the trash.</summary>
    internal static class RegistrationRemover
    {
        private const string WorktreesName = "worktrees";

        /// <summary>
        /// Moves <paramref name="gitDir"/> (the registration the re-check returned) to a new trash
        /// entry and returns that entry, or null when the move failed or the registration is gone
        /// (nothing changed; the caller unregisters with git). Throws UnsafeRegistration (nothing
        /// changed, the registration left in place) when it is not a real registration directory.
        /// </summary>
        internal static string? TryMoveToTrash(string gitDir, string commonDir, DateTimeOffset now, IDiagnosticSink sink, Action<string, string>? rename = null)
        {
            var id = IdOf(gitDir, commonDir);
            SafeDirectory root;
            try
            {
                root = SafeDirectory.OpenRoot(commonDir);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                sink.Verbose("Moving the registration into the trash failed (" + e.Message + "); unregistering with git instead.");
                return null;
            }

            using (root)
            {
                SafeDirectory? worktrees;
                try
                {
                    worktrees = root.OpenChild(WorktreesName, create: false);
                    if (worktrees != null && !RequireOrDispose(worktrees, id))
                    {
                        worktrees = null;
                    }
                }
                catch (WorktrunkException e)
                {
                    throw Unsafe(gitDir, e.Message, e);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    sink.Verbose("Moving the registration into the trash failed (" + e.Message + "); unregistering with git instead.");
                    return null;
                }

                if (worktrees == null)
                {
                    sink.Verbose("The registration '" + gitDir + "' is gone; unregistering with git instead.");
                    return null;
                }

                using (worktrees)
                {
                    // The trash folder's own refusals (a linked wt or wt/trash) propagate as they are: nothing moved.
                    var moved = TrashMove.TryMoveIn(commonDir, worktrees, id, gitDir, id + ".registration", now, rename ?? NoReplaceRename.Move, sink, out var failure, "unregisters the worktree, as `git worktree remove` would");
                    if (moved == null)
                    {
                        sink.Verbose("Moving the registration into the trash failed (" + failure + "); unregistering with git instead.");
                        return null;
                    }

                    TryRemoveEmpty(root);
                    return moved;
                }
            }
        }

        /// <summary>True when <paramref name="id"/> is a real directory of this user in <paramref name="worktrees"/>; false (and disposed) when gone; throws (disposed) when unsafe.</summary>
        private static bool RequireOrDispose(SafeDirectory worktrees, string id)
        {
            try
            {
                if (worktrees.RequireOwnDirectory(id))
                {
                    return true;
                }
            }
            catch
            {
                worktrees.Dispose();
                throw;
            }

            worktrees.Dispose();
            return false;
        }

        /// <summary>
        /// The checks of <see cref="TryMoveToTrash"/> without the move: throws UnsafeRegistration
        /// unless <paramref name="gitDir"/> is a real directory of this user directly inside
        /// &lt;common&gt;/worktrees (or gone). For callers that want to refuse before changing anything.
        /// </summary>
        internal static void Verify(string gitDir, string commonDir)
        {
            var id = IdOf(gitDir, commonDir);
            try
            {
                using var worktrees = SafeDirectory.Open(commonDir, false, WorktreesName);
                worktrees?.RequireOwnDirectory(id);
            }
            catch (WorktrunkException e)
            {
                throw Unsafe(gitDir, e.Message, e);
            }
        }

        /// <summary>The registration's id: its name, when it lies directly in &lt;common&gt;/worktrees by name; else UnsafeRegistration.</summary>
        private static string IdOf(string gitDir, string commonDir)
        {
            string registration;
            try
            {
                registration = PathUtil.TrimEnd(Path.GetFullPath(gitDir));
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException)
            {
                throw Unsafe(gitDir, "is not a usable path", e);
            }

            var id = Path.GetFileName(registration);
            var parent = Path.GetDirectoryName(registration);
            var given = Path.Combine(PathUtil.TrimEnd(Path.GetFullPath(commonDir)), WorktreesName);
            var canonical = Path.Combine(PathUtil.Canonicalize(commonDir), WorktreesName);
            if (id.Length == 0 || id == "." || id == ".." || parent == null ||
                (!string.Equals(parent, given, PathUtil.Comparison) && !string.Equals(parent, canonical, PathUtil.Comparison)))
            {
                throw Unsafe(gitDir, $"is not a directory of {canonical} (a symbolic link there resolves to it, or it moved)", null);
            }

            return id;
        }

        private static WorktrunkException Unsafe(string gitDir, string reason, Exception? inner) => new WorktrunkException(
            ErrorIds.UnsafeRegistration,
            ErrorKind.InvalidOperation,
            $"The worktree's registration '{gitDir}' {Trim(reason)}. It was left in place and nothing was deleted through it; the worktree was not unregistered (git would delete through a link).",
            gitDir,
            "Inspect <common>/worktrees: remove a link there with `rm <link>` (not `rm -r`), never `git worktree prune` or `git worktree remove` while it is a link.",
            inner);

        private static string Trim(string reason) => reason.StartsWith("Refusing to use ", StringComparison.Ordinal)
            ? "is unsafe: " + reason.Substring("Refusing to use ".Length).Replace(" Nothing was changed.", string.Empty).TrimEnd('.')
            : reason;

        private static void TryRemoveEmpty(SafeDirectory root)
        {
            if (Platform.IsWindows)
            {
                try
                {
                    Directory.Delete(Path.Combine(root.Path, WorktreesName), recursive: false);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    // Not empty (another worktree is registered) or already gone: as git, ignore.
                }

                return;
            }

            // rmdir relative to the common dir: removes only an empty directory (a link there fails with ENOTDIR), as git does.
            unsafe
            {
                fixed (byte* p = SafeDirectory.Bytes(WorktreesName))
                {
                    Libc.unlinkat_bytes(root.Fd, p, Libc.Fs.AtRemoveDir);
                }
            }
        }
    }
}
