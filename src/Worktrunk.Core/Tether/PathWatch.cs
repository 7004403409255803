// Contract: decides whether a watched worktree has been removed. This is the only input that
// makes a tether tear down a live process tree, so it errs on the side of "still there".
// Identity: the worktree is the file the path named when the tether started, identified by
// device and inode (Unix st_dev/st_ino of lstat; Windows volume serial number and file index),
// not by "something exists at the path". A worktree removed and a directory recreated at the
// same path between two polls (`mv wt x && mkdir wt`, Remove-WtWorktree then `git worktree add`)
// is a different file: Replaced, which tears down like Removed.
// Inode reuse: a deleted directory's inode number can be handed to the next directory created
// (ext4 and tmpfs do so at once), which would make `rm -rf wt && mkdir wt` look unchanged. On
// Unix the watcher therefore keeps a descriptor open on the worktree for the tether's life
// (Linux O_PATH, macOS O_EVTONLY; O_NOFOLLOW, close-on-exec, no read permission needed, no data
// read): an inode with an open descriptor is never freed, so its number cannot be reused while
// the tether watches it. The descriptor pins nothing else: the directory can still be renamed
// or deleted, and the pinned inode is freed when the tether ends. Windows holds no handle (a
// handle would keep a deleted directory's name occupied until closed); NTFS file indexes carry
// a sequence number, so a recreated directory gets a different index.
// Data safety: a path counts as removed only when the operating system says it does not exist
// (Unix lstat: ENOENT, or ENOTDIR when an ancestor stopped being a directory; Windows:
// ERROR_FILE_NOT_FOUND or ERROR_PATH_NOT_FOUND), and as replaced only when it was identified at
// the start and now names a file with another identity. A permission error, an I/O error, a
// symlink loop or anything unexpected means "still there": a flaky mount or a chmod never kills
// a dev server. Changing, adding or deleting files inside the worktree, `touch`, chmod or chown
// of it change no identity. The path itself is not followed (lstat; Windows opens the reparse
// point itself), so a worktree that is a symlink is that link while it exists. Renaming the
// worktree away (into a trash folder) is a removal. When the start-time identity cannot be read
// (permission, 32-bit Unix), only the path's disappearance counts, as before.
// No filesystem watcher is registered (inotify/kqueue/FSEvents watchers on worktrees are the
// resource being saved); the supervisor polls every 250 ms.
// Platform: Unix lstat/fstat/open through Libc (Linux and macOS run; the macOS x86-64 entry
// points are compiled, not run here); Windows CreateFileW + GetFileInformationByHandle through
// Kernel32 (compiled, not run here).

using System;
using System.Runtime.InteropServices;
using System.Threading;
using Worktrunk.Interop;
using Worktrunk.IO;

namespace Worktrunk.Tether
{
    /// <summary>What one look at the watched path found.</summary>
    internal enum WatchedPathState
    {
        /// <summary>The path exists (and, when identified at the start, is still the same file).</summary>
        Present,

        /// <summary>The operating system says the path does not exist: tear down.</summary>
        Removed,

        /// <summary>The check itself failed (permission, I/O, ...): treated as present.</summary>
        Inaccessible,

        /// <summary>The path exists but names another file than at the start (removed and recreated): tear down.</summary>
        Replaced,
    }

    /// <summary>The watched-path probe: one lstat (or one open handle on Windows), classified by pure functions.</summary>
    internal static unsafe class PathWatch
    {
        /// <summary>The poll interval of the supervisor's watcher.</summary>
        internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

        /// <summary>Whether this process can read file identities (64-bit Unix, or Windows).</summary>
        internal static bool IdentitySupported => Platform.IsWindows || IntPtr.Size == 8;

        /// <summary>Looks at the path once, by existence only; <paramref name="error"/> is the errno (Unix) or Win32 error (Windows) when the look failed, else 0.</summary>
        internal static WatchedPathState Probe(string path, out int error) => Probe(path, null, out error);

        /// <summary>
        /// Looks at the path once. With <paramref name="expected"/>, a path that names another
        /// file is Replaced; <paramref name="error"/> is the errno (Unix) or Win32 error (Windows)
        /// when the look failed, else 0.
        /// </summary>
        internal static WatchedPathState Probe(string path, FileIdentity? expected, out int error)
        {
            if (expected == null && Platform.IsWindows)
            {
                var attributes = Kernel32.GetFileAttributesW(path);
                error = attributes == Kernel32.INVALID_FILE_ATTRIBUTES ? Marshal.GetLastWin32Error() : 0;
                return attributes == Kernel32.INVALID_FILE_ATTRIBUTES ? ClassifyWindows(error) : WatchedPathState.Present;
            }

            var found = TryIdentify(path, out var now, out error);
            return Classify(expected, found, now, error);
        }

        /// <summary>
        /// Pure: the state from one look. <paramref name="found"/> false means the look failed with
        /// <paramref name="error"/>; without an <paramref name="expected"/> identity only a missing
        /// path counts; with one, another identity is Replaced.
        /// </summary>
        internal static WatchedPathState Classify(FileIdentity? expected, bool found, FileIdentity now, int error)
        {
            if (!found)
            {
                // Error 0: the path exists but its identity is unreadable here (32-bit Unix).
                return error == 0 ? WatchedPathState.Present : Platform.IsWindows ? ClassifyWindows(error) : ClassifyUnix(error);
            }

            return expected == null || expected.Value == now ? WatchedPathState.Present : WatchedPathState.Replaced;
        }

        /// <summary>Classifies a failed lstat: only ENOENT and ENOTDIR mean removed.</summary>
        internal static WatchedPathState ClassifyUnix(int errno) =>
            errno == Libc.ENOENT || errno == Libc.ENOTDIR ? WatchedPathState.Removed : WatchedPathState.Inaccessible;

        /// <summary>Classifies a failed GetFileAttributesW or CreateFileW: only ERROR_FILE_NOT_FOUND and ERROR_PATH_NOT_FOUND mean removed (a delete-pending directory reports access denied: still there).</summary>
        internal static WatchedPathState ClassifyWindows(int win32Error) =>
            win32Error == Kernel32.ERROR_FILE_NOT_FOUND || win32Error == Kernel32.ERROR_PATH_NOT_FOUND ? WatchedPathState.Removed : WatchedPathState.Inaccessible;

        /// <summary>
        /// The identity of the file the path names, not following a final symlink (Unix lstat;
        /// Windows opens the reparse point itself, with no access rights, sharing everything).
        /// False with <paramref name="error"/> set when the look failed; on 32-bit Unix (another
        /// struct stat layout) false with error 0 for an existing path.
        /// </summary>
        internal static bool TryIdentify(string path, out FileIdentity identity, out int error)
        {
            identity = default;
            if (Platform.IsWindows)
            {
                return TryIdentifyWindows(path, out identity, out error);
            }

            var buffer = stackalloc byte[Libc.OpaqueSize];
            var rc = Platform.IsMacOS && RuntimeInformation.ProcessArchitecture == Architecture.X64
                ? Libc.TetherLstatInode64(path, buffer)
                : Libc.lstat(path, buffer);
            if (rc != 0)
            {
                error = Libc.Errno;
                return false;
            }

            error = 0;
            if (!IdentitySupported)
            {
                return false;
            }

            identity = FromStat(buffer);
            return true;
        }

        /// <summary>Opens the pin descriptor on the path (see the contract); -1 when it cannot (the caller then watches unpinned).</summary>
        internal static int OpenPin(string path, out FileIdentity identity)
        {
            identity = default;
            if (Platform.IsWindows || !IdentitySupported)
            {
                return -1;
            }

            var fd = Libc.TetherOpen(path, Libc.TetherPinFlags);
            if (fd < 0)
            {
                return -1;
            }

            var buffer = stackalloc byte[Libc.OpaqueSize];
            var rc = Platform.IsMacOS && RuntimeInformation.ProcessArchitecture == Architecture.X64
                ? Libc.TetherFstatInode64(fd, buffer)
                : Libc.TetherFstat(fd, buffer);
            if (rc != 0)
            {
                Libc.close(fd);
                return -1;
            }

            identity = FromStat(buffer);
            return fd;
        }

        private static FileIdentity FromStat(byte* stat) => Platform.IsMacOS
            ? new FileIdentity(*(uint*)stat, *(ulong*)(stat + 8))
            : new FileIdentity(*(ulong*)stat, *(ulong*)(stat + 8));

        private static bool TryIdentifyWindows(string path, out FileIdentity identity, out int error)
        {
            identity = default;
            var none = new Kernel32.SECURITY_ATTRIBUTES { nLength = Marshal.SizeOf(typeof(Kernel32.SECURITY_ATTRIBUTES)) };
            var handle = Kernel32.CreateFileW(
                path,
                0,
                Kernel32.FILE_SHARE_READ | Kernel32.FILE_SHARE_WRITE | Kernel32.FILE_SHARE_DELETE,
                ref none,
                Kernel32.OPEN_EXISTING,
                Kernel32.FILE_FLAG_BACKUP_SEMANTICS | Kernel32.FILE_FLAG_OPEN_REPARSE_POINT,
                IntPtr.Zero);
            if (handle == Kernel32.INVALID_HANDLE_VALUE)
            {
                error = Marshal.GetLastWin32Error();
                return false;
            }

            try
            {
                if (!Kernel32.GetFileInformationByHandle(handle, out var info))
                {
                    error = Marshal.GetLastWin32Error();
                    return false;
                }

                error = 0;
                identity = new FileIdentity(info.VolumeSerialNumber, ((ulong)info.FileIndexHigh << 32) | info.FileIndexLow);
                return true;
            }
            finally
            {
                Kernel32.CloseHandle(handle);
            }
        }
    }

    /// <summary>
    /// The watcher of one tether: the identity of the worktree captured when the tether starts,
    /// the pin descriptor that keeps its inode number from being reused (Unix), and a count of
    /// the looks taken. Probe and Dispose may race (Dispose from another thread during a
    /// teardown): the descriptor is closed once, and a probe after Dispose still compares by
    /// identity.
    /// </summary>
    internal sealed class PathWatcher : IDisposable
    {
        private int _pin;
        private int _polls;

        private PathWatcher(string path, FileIdentity? identity, int pin)
        {
            Path = path;
            Identity = identity;
            _pin = pin;
        }

        /// <summary>The watched path.</summary>
        internal string Path { get; }

        /// <summary>The file the path named at the start; null when it could not be read (then only the path's disappearance counts).</summary>
        internal FileIdentity? Identity { get; }

        /// <summary>Whether a descriptor pins the watched inode (Unix).</summary>
        internal bool Pinned => Volatile.Read(ref _pin) >= 0;

        /// <summary>How many looks Probe has taken.</summary>
        internal int Polls => Volatile.Read(ref _polls);

        /// <summary>Captures the identity of <paramref name="path"/> now. Never throws: an unreadable identity makes an existence-only watcher.</summary>
        internal static PathWatcher Capture(string path)
        {
            var pin = PathWatch.OpenPin(path, out var pinned);
            if (pin >= 0)
            {
                // The pinned file must be the one the path names (it could have been swapped
                // between the open and now); otherwise watch what the path names, unpinned.
                if (PathWatch.TryIdentify(path, out var named, out _) && named == pinned)
                {
                    return new PathWatcher(path, pinned, pin);
                }

                Libc.close(pin);
            }

            return PathWatch.TryIdentify(path, out var identity, out _)
                ? new PathWatcher(path, identity, -1)
                : new PathWatcher(path, null, -1);
        }

        /// <summary>One look at the path.</summary>
        internal WatchedPathState Probe()
        {
            Interlocked.Increment(ref _polls);
            return PathWatch.Probe(Path, Identity, out _);
        }

        /// <summary>Closes the pin descriptor (idempotent, any thread).</summary>
        public void Dispose()
        {
            var fd = Interlocked.Exchange(ref _pin, -1);
            if (fd >= 0)
            {
                Libc.close(fd);
            }
        }
    }
}
