// Contract: decides whether a watched worktree has been removed. This is the only input that
// makes a tether tear down a live process tree, so it errs on the side of "still there".
// Data safety: a path counts as removed only when the operating system says it does not exist
// (Unix lstat: ENOENT, or ENOTDIR when an ancestor stopped being a directory; Windows:
// ERROR_FILE_NOT_FOUND or ERROR_PATH_NOT_FOUND). A permission error, an I/O error, a symlink
// loop or anything unexpected means "still there": a flaky mount or a chmod never kills a dev
// server. The path itself is not followed (lstat), so a worktree that is a symlink counts while
// the link exists. Renaming the worktree away (into a trash folder) is a removal.
// No filesystem watcher is registered (inotify/kqueue/FSEvents watchers on worktrees are the
// resource being saved); the supervisor polls every 250 ms.
// Platform: Unix lstat through Libc; Windows GetFileAttributesW through Kernel32 (which does not
// follow a final reparse point either).

using System;
using System.Runtime.InteropServices;
using Worktrunk.Interop;

namespace Worktrunk.Tether
{
    /// <summary>What one look at the watched path found.</summary>
    internal enum WatchedPathState
    {
        /// <summary>The path exists.</summary>
        Present,

        /// <summary>The operating system says the path does not exist: tear down.</summary>
        Removed,

        /// <summary>The check itself failed (permission, I/O, ...): treated as present.</summary>
        Inaccessible,
    }

    /// <summary>The watched-path probe: one lstat, classified by a pure function.</summary>
    internal static unsafe class PathWatch
    {
        /// <summary>The poll interval of the supervisor's watcher.</summary>
        internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

        /// <summary>Looks at the path once; <paramref name="error"/> is the errno (Unix) or Win32 error (Windows) when the look failed, else 0.</summary>
        internal static WatchedPathState Probe(string path, out int error)
        {
            if (Platform.IsWindows)
            {
                var attributes = Kernel32.GetFileAttributesW(path);
                error = attributes == Kernel32.INVALID_FILE_ATTRIBUTES ? Marshal.GetLastWin32Error() : 0;
                return attributes == Kernel32.INVALID_FILE_ATTRIBUTES ? ClassifyWindows(error) : WatchedPathState.Present;
            }

            var buffer = stackalloc byte[Libc.OpaqueSize];
            if (Libc.lstat(path, buffer) == 0)
            {
                error = 0;
                return WatchedPathState.Present;
            }

            error = Libc.Errno;
            return ClassifyUnix(error);
        }

        /// <summary>Classifies a failed lstat: only ENOENT and ENOTDIR mean removed.</summary>
        internal static WatchedPathState ClassifyUnix(int errno) =>
            errno == Libc.ENOENT || errno == Libc.ENOTDIR ? WatchedPathState.Removed : WatchedPathState.Inaccessible;

        /// <summary>Classifies a failed GetFileAttributesW: only ERROR_FILE_NOT_FOUND and ERROR_PATH_NOT_FOUND mean removed (a delete-pending directory reports access denied: still there).</summary>
        internal static WatchedPathState ClassifyWindows(int win32Error) =>
            win32Error == Kernel32.ERROR_FILE_NOT_FOUND || win32Error == Kernel32.ERROR_PATH_NOT_FOUND ? WatchedPathState.Removed : WatchedPathState.Inaccessible;
    }
}
