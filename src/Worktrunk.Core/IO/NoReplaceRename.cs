// Contract: moves a file or directory to a new name on the same filesystem and never replaces
// whatever is at the destination, atomically: the kernel refuses the rename when the destination
// exists (Linux renameat2 with RENAME_NOREPLACE; macOS renamex_np with RENAME_EXCL). This is what
// makes "a rename into the trash never replaces an existing entry" true even against another
// process creating that name at the same instant (Directory.Move checks, then renames; rename(2)
// alone replaces an empty directory).
// Platform: where the flag is unsupported (glibc before 2.28, a kernel or filesystem that answers
// ENOSYS/EINVAL/ENOTSUP) it falls back to Directory.Move. Windows: Directory.Move, whose
// MoveFileEx call never replaces an existing destination.
// Errors are Directory.Move's: IOException (the destination exists; another filesystem; busy),
// UnauthorizedAccessException, DirectoryNotFoundException.

using System;
using System.IO;
using Worktrunk.Interop;

namespace Worktrunk.IO
{
    /// <summary>A rename that never replaces its destination.</summary>
    internal static class NoReplaceRename
    {
        private static volatile bool s_unsupported;

        internal static void Move(string from, string to)
        {
            if (Platform.IsWindows || s_unsupported)
            {
                Directory.Move(from, to);
                return;
            }

            int rc;
            try
            {
                rc = Platform.IsMacOS
                    ? Libc.renamex_np(from, to, Libc.RENAME_EXCL_MACOS)
                    : Libc.renameat2(Libc.AT_FDCWD_LINUX, from, Libc.AT_FDCWD_LINUX, to, Libc.RENAME_NOREPLACE_LINUX);
            }
            catch (EntryPointNotFoundException)
            {
                s_unsupported = true;
                Directory.Move(from, to);
                return;
            }

            if (rc == 0)
            {
                return;
            }

            var errno = Libc.Errno;
            if (errno == Libc.ENOSYS_LINUX || errno == Libc.EINVAL || (Platform.IsMacOS && errno == Libc.ENOTSUP_MACOS))
            {
                // The flag is not supported here (or the names are unusable: Directory.Move reports that).
                Directory.Move(from, to);
                return;
            }

            throw errno switch
            {
                Libc.ENOENT => new DirectoryNotFoundException($"Cannot move '{from}': it or the destination's folder does not exist."),
                Libc.EACCES or Libc.EPERM => new UnauthorizedAccessException($"Cannot move '{from}' to '{to}': permission denied."),
                Libc.EEXIST or Libc.ENOTEMPTY_LINUX or Libc.ENOTEMPTY_MACOS => new IOException($"Cannot move '{from}' to '{to}': the destination already exists."),
                Libc.EXDEV => new IOException($"Cannot move '{from}' to '{to}': they are on different filesystems."),
                _ => new IOException($"Cannot move '{from}' to '{to}': error {errno}."),
            };
        }
    }
}
