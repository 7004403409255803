// Contract: the safe filesystem layer. Every path Worktrunk creates, moves into or deletes under a
// repository (<common>/wt, wt/trash, trash entries, wt/logs, <common>/worktrees/<id>) is reached
// through a SafeDirectory: an open directory descriptor, walked component by component from the
// repository's common directory.
// Guarantees (Unix)
//   * Trust starts at the common directory, opened once by its canonical path. Below it, each
//     component is opened with openat(O_NOFOLLOW|O_DIRECTORY|O_CLOEXEC) relative to its parent's
//     descriptor, and the opened directory's owner (fstat of the descriptor, so no swap can slip in
//     between check and use) must be this process's effective uid. A symlink
//     (RepositoryPathIsSymlink), a file where a directory belongs (RepositoryPathNotADirectory) or
//     another user's directory (RepositoryPathNotOwned) is a refusal: never followed, never
//     created through, never deleted through.
//   * Entries are examined with statx/fstatat(AT_SYMLINK_NOFOLLOW) relative to the descriptor,
//     created with mkdirat, renamed with renameat2(RENAME_NOREPLACE) (macOS renameatx_np
//     RENAME_EXCL), so nothing is resolved through a path again once its directory is open: a
//     later swap of <common>/wt for a symlink cannot redirect an operation on an open directory.
//   * Files are opened with O_NOFOLLOW (a planted symlink log file is refused, not written through).
// Data safety: this layer deletes nothing by itself (SafeDelete does, relative to it).
// Platform: Linux (statx, glibc 2.28+; flags for x86-64 and arm64 from Libc.FileFlags) and macOS
//   (fstatat with 64-bit inodes; compiled, not run here). Windows: path based, refusing reparse
//   points component by component; not race-free and no owner check (compiled and logic-tested only).

using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;

namespace Worktrunk.IO
{
    /// <summary>What a directory entry is, seen without following a symlink.</summary>
    internal enum FsKind
    {
        Missing,
        Directory,
        File,
        Symlink,
        Other,
    }

    /// <summary>One lstat-like view of an entry.</summary>
    internal readonly struct FsEntry
    {
        internal FsEntry(FsKind kind, long uid, long size, ulong device, ulong inode)
        {
            Kind = kind;
            Uid = uid;
            Size = size;
            Device = device;
            Inode = inode;
        }

        internal FsKind Kind { get; }

        /// <summary>The owner's uid; -1 where unknown (Windows).</summary>
        internal long Uid { get; }

        internal long Size { get; }

        internal ulong Device { get; }

        internal ulong Inode { get; }

        /// <summary>True when the entry belongs to this process's effective user (always on Windows).</summary>
        internal bool OwnedByMe => Uid < 0 || Uid == SafeDirectory.EffectiveUid;
    }

    /// <summary>An open directory below a repository's common dir, reached without following symlinks.</summary>
    internal sealed unsafe class SafeDirectory : IDisposable
    {
        private int _fd;

        private SafeDirectory(int fd, string path)
        {
            _fd = fd;
            Path = path;
        }

        /// <summary>The descriptor (-1 on Windows).</summary>
        internal int Fd => _fd;

        /// <summary>The path this directory was reached by: for messages (and the Windows implementation).</summary>
        internal string Path { get; }

        internal static long EffectiveUid => Platform.IsWindows ? -1 : Libc.geteuid();

        /// <summary>Opens the repository's common directory by its canonical path: where trust starts.</summary>
        internal static SafeDirectory OpenRoot(string commonDir)
        {
            var canonical = PathUtil.Canonicalize(commonDir);
            if (Platform.IsWindows)
            {
                if (!Directory.Exists(canonical))
                {
                    throw new DirectoryNotFoundException($"The repository directory '{canonical}' does not exist.");
                }

                return new SafeDirectory(-1, canonical);
            }

            var fs = Libc.Fs;
            var bytes = Bytes(canonical);
            int fd;
            fixed (byte* p = bytes)
            {
                fd = Libc.openat_bytes(fs.AtFdCwd, p, Libc.O_RDONLY | fs.ODirectory | fs.OCloexec, 0);
            }

            if (fd < 0)
            {
                throw Failure("open", canonical, Libc.Errno);
            }

            return new SafeDirectory(fd, canonical);
        }

        /// <summary>
        /// Opens <paramref name="components"/> one by one below the common dir (creating missing ones
        /// when <paramref name="create"/>); null when one is missing and not created. Throws the
        /// refusals described in the contract.
        /// </summary>
        internal static SafeDirectory? Open(string commonDir, bool create, params string[] components)
        {
            var current = OpenRoot(commonDir);
            try
            {
                foreach (var c in components)
                {
                    var next = current.OpenChild(c, create);
                    current.Dispose();
                    current = next!;
                    if (next == null)
                    {
                        return null;
                    }
                }

                return current;
            }
            catch
            {
                current?.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Opens the child directory <paramref name="name"/> (a single component) without following a
        /// symlink, creating it first when missing and <paramref name="create"/>; null when missing.
        /// </summary>
        internal SafeDirectory? OpenChild(string name, bool create)
        {
            CheckName(name);
            var childPath = System.IO.Path.Combine(Path, name);
            if (Platform.IsWindows)
            {
                return OpenChildWindows(name, create, childPath);
            }

            var fs = Libc.Fs;
            var bytes = Bytes(name);
            for (var attempt = 0; attempt < 3; attempt++)
            {
                int fd;
                fixed (byte* p = bytes)
                {
                    fd = Libc.openat_bytes(_fd, p, Libc.O_RDONLY | fs.ODirectory | fs.ONoFollow | fs.OCloexec, 0);
                }

                if (fd >= 0)
                {
                    var child = new SafeDirectory(fd, childPath);
                    try
                    {
                        var self = child.Stat(".");
                        if (!self.OwnedByMe)
                        {
                            throw NotOwned(childPath, self.Uid);
                        }
                    }
                    catch
                    {
                        child.Dispose();
                        throw;
                    }

                    return child;
                }

                var errno = Libc.Errno;
                if (errno == fs.ELoop)
                {
                    throw IsSymlink(childPath);
                }

                if (errno == Libc.ENOTDIR)
                {
                    // O_NOFOLLOW on a symlink is ELOOP on Linux, but say the right thing whatever the kernel answered.
                    throw Stat(name).Kind == FsKind.Symlink ? IsSymlink(childPath) : NotADirectory(childPath);
                }

                if (errno != Libc.ENOENT)
                {
                    throw Failure("open", childPath, errno);
                }

                if (!create)
                {
                    return null;
                }

                int rc;
                fixed (byte* p = bytes)
                {
                    rc = Libc.mkdirat_bytes(_fd, p, Convert.ToUInt32("777", 8));
                }

                if (rc != 0 && Libc.Errno != Libc.EEXIST)
                {
                    throw Failure("create", childPath, Libc.Errno);
                }

                // Created (or created by someone else meanwhile): open it, still without following.
            }

            throw new IOException($"Cannot open '{childPath}': it keeps disappearing.");
        }

        private SafeDirectory? OpenChildWindows(string name, bool create, string childPath)
        {
            var entry = Stat(name);
            if (entry.Kind == FsKind.Missing)
            {
                if (!create)
                {
                    return null;
                }

                Directory.CreateDirectory(childPath);
                entry = Stat(name);
            }

            if (entry.Kind == FsKind.Symlink)
            {
                throw IsSymlink(childPath);
            }

            if (entry.Kind != FsKind.Directory)
            {
                throw NotADirectory(childPath);
            }

            return new SafeDirectory(-1, childPath);
        }

        /// <summary>The entry <paramref name="name"/> of this directory, without following a symlink ("." is the directory itself).</summary>
        internal FsEntry Stat(string name) => Stat(Bytes(name), name);

        internal FsEntry Stat(byte[] name, string? display = null)
        {
            if (Platform.IsWindows)
            {
                return StatWindows(System.IO.Path.Combine(Path, display ?? Encoding.UTF8.GetString(name, 0, name.Length - 1)));
            }

            return StatAt(_fd, name);
        }

        /// <summary>lstat of <paramref name="name"/> (NUL-terminated) relative to <paramref name="dirFd"/>; Missing when it does not exist.</summary>
        internal static FsEntry StatAt(int dirFd, byte[] name)
        {
            var fs = Libc.Fs;
            var buf = stackalloc byte[Libc.StatBufferSize];
            int rc;
            fixed (byte* p = name)
            {
                if (fs.MacOS)
                {
                    rc = RuntimeInformation.ProcessArchitecture == Architecture.X64
                        ? Libc.fstatat_macos_x64(dirFd, p, buf, fs.AtSymlinkNoFollow)
                        : Libc.fstatat_macos_arm64(dirFd, p, buf, fs.AtSymlinkNoFollow);
                }
                else
                {
                    rc = Libc.statx_bytes(dirFd, p, fs.AtSymlinkNoFollow, Libc.STATX_BASIC_STATS, buf);
                }
            }

            if (rc != 0)
            {
                var errno = Libc.Errno;
                if (errno == Libc.ENOENT || errno == Libc.ENOTDIR)
                {
                    return new FsEntry(FsKind.Missing, -1, 0, 0, 0);
                }

                throw Failure("examine", Encoding.UTF8.GetString(name, 0, name.Length - 1), errno);
            }

            int mode;
            long uid;
            long size;
            ulong dev;
            ulong ino;
            if (fs.MacOS)
            {
                mode = *(ushort*)(buf + Libc.MacStatMode);
                uid = *(uint*)(buf + Libc.MacStatUid);
                size = *(long*)(buf + Libc.MacStatSize);
                dev = *(uint*)(buf + Libc.MacStatDev);
                ino = *(ulong*)(buf + Libc.MacStatIno);
            }
            else
            {
                mode = *(ushort*)(buf + Libc.StatxMode);
                uid = *(uint*)(buf + Libc.StatxUid);
                size = *(long*)(buf + Libc.StatxSize);
                dev = ((ulong)*(uint*)(buf + Libc.StatxDevMajor) << 32) | *(uint*)(buf + Libc.StatxDevMinor);
                ino = *(ulong*)(buf + Libc.StatxIno);
            }

            return new FsEntry(KindOf(mode), uid, size, dev, ino);
        }

        /// <summary>The kind encoded in a st_mode value (the S_IFMT bits are the same on Linux and macOS).</summary>
        internal static FsKind KindOf(int mode) => (mode & Libc.S_IFMT) switch
        {
            Libc.S_IFDIR => FsKind.Directory,
            Libc.S_IFREG => FsKind.File,
            Libc.S_IFLNK => FsKind.Symlink,
            _ => FsKind.Other,
        };

        private static FsEntry StatWindows(string path)
        {
            FileAttributes attributes;
            try
            {
                attributes = File.GetAttributes(path);
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                return new FsEntry(FsKind.Missing, -1, 0, 0, 0);
            }

            if ((attributes & FileAttributes.ReparsePoint) != 0)
            {
                return new FsEntry(FsKind.Symlink, -1, 0, 0, 0);
            }

            return (attributes & FileAttributes.Directory) != 0
                ? new FsEntry(FsKind.Directory, -1, 0, 0, 0)
                : new FsEntry(FsKind.File, -1, new FileInfo(path).Length, 0, 0);
        }

        /// <summary>
        /// Refuses <paramref name="name"/> unless it is a real directory owned by this user (the
        /// checks the trash and the registrations need before anything is moved or deleted).
        /// Returns false (nothing to do) when it does not exist.
        /// </summary>
        internal bool RequireOwnDirectory(string name)
        {
            var e = Stat(name);
            var path = System.IO.Path.Combine(Path, name);
            switch (e.Kind)
            {
                case FsKind.Missing:
                    return false;
                case FsKind.Symlink:
                    throw IsSymlink(path);
                case FsKind.Directory:
                    if (!e.OwnedByMe)
                    {
                        throw NotOwned(path, e.Uid);
                    }

                    return true;
                default:
                    throw NotADirectory(path);
            }
        }

        /// <summary>
        /// Opens (creating, mode <paramref name="mode"/>) the file <paramref name="name"/> of this
        /// directory for appending, never through a symlink, and only when it is this user's regular
        /// file. Unix only; the caller owns (closes) the returned descriptor.
        /// </summary>
        internal int OpenFileForAppend(string name, uint mode)
        {
            CheckName(name);
            var fs = Libc.Fs;
            var path = System.IO.Path.Combine(Path, name);
            int fd;
            fixed (byte* p = Bytes(name))
            {
                fd = Libc.openat_bytes(_fd, p, Libc.O_WRONLY | fs.OCreat | fs.OAppend | fs.ONoFollow | fs.OCloexec, mode);
            }

            if (fd < 0)
            {
                var errno = Libc.Errno;
                throw errno == fs.ELoop ? IsSymlink(path) : Failure("open", path, errno);
            }

            var self = StatAt(fd, Bytes(string.Empty), emptyPath: true);
            if (self.Kind != FsKind.File || !self.OwnedByMe)
            {
                Libc.close(fd);
                throw self.Kind != FsKind.File ? NotADirectory(path, "a regular file") : NotOwned(path, self.Uid);
            }

            if (fs.MacOS)
            {
                // openat is variadic: on Apple arm64 the mode may not have reached it. Set it explicitly.
                Libc.fchmod(fd, mode);
            }

            return fd;
        }

        /// <summary>fstat of a descriptor (Linux statx AT_EMPTY_PATH; macOS fstat).</summary>
        private static FsEntry StatAt(int fd, byte[] empty, bool emptyPath)
        {
            var fs = Libc.Fs;
            var buf = stackalloc byte[Libc.StatBufferSize];
            int rc;
            if (fs.MacOS)
            {
                rc = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? Libc.fstat_macos_x64(fd, buf) : Libc.fstat_macos_arm64(fd, buf);
                if (rc != 0)
                {
                    throw Failure("examine", "descriptor " + fd, Libc.Errno);
                }

                return new FsEntry(KindOf(*(ushort*)(buf + Libc.MacStatMode)), *(uint*)(buf + Libc.MacStatUid), *(long*)(buf + Libc.MacStatSize), *(uint*)(buf + Libc.MacStatDev), *(ulong*)(buf + Libc.MacStatIno));
            }

            fixed (byte* p = empty)
            {
                rc = Libc.statx_bytes(fd, p, (emptyPath ? Libc.AT_EMPTY_PATH_LINUX : 0) | fs.AtSymlinkNoFollow, Libc.STATX_BASIC_STATS, buf);
            }

            if (rc != 0)
            {
                throw Failure("examine", "descriptor " + fd, Libc.Errno);
            }

            return new FsEntry(KindOf(*(ushort*)(buf + Libc.StatxMode)), *(uint*)(buf + Libc.StatxUid), *(long*)(buf + Libc.StatxSize), 0, *(ulong*)(buf + Libc.StatxIno));
        }

        /// <summary>
        /// Renames <paramref name="fromName"/> of <paramref name="from"/> (or the path
        /// <paramref name="fromPath"/> when <paramref name="from"/> is null) to <paramref name="toName"/>
        /// of this directory, never replacing anything there. Throws IOException (the destination
        /// exists: <see cref="NameTaken"/>), UnauthorizedAccessException, DirectoryNotFoundException.
        /// </summary>
        internal void MoveHere(SafeDirectory? from, string fromName, string? fromPath, string toName)
        {
            CheckName(toName);
            var display = fromPath ?? System.IO.Path.Combine(from!.Path, fromName);
            var destination = System.IO.Path.Combine(Path, toName);
            if (Platform.IsWindows)
            {
                NoReplaceRename.Move(display, destination);
                return;
            }

            var fs = Libc.Fs;
            int rc;
            fixed (byte* src = Bytes(from == null ? fromPath! : fromName))
            fixed (byte* dst = Bytes(toName))
            {
                var fromFd = from == null ? fs.AtFdCwd : from._fd;
                rc = fs.MacOS
                    ? Libc.renameatx_np_bytes(fromFd, src, _fd, dst, Libc.RENAME_EXCL_MACOS)
                    : Libc.renameat2_bytes(fromFd, src, _fd, dst, Libc.RENAME_NOREPLACE_LINUX);
            }

            if (rc == 0)
            {
                return;
            }

            var errno = Libc.Errno;
            throw errno switch
            {
                Libc.ENOENT => new DirectoryNotFoundException($"Cannot move '{display}': it does not exist."),
                Libc.EACCES or Libc.EPERM => new UnauthorizedAccessException($"Cannot move '{display}' to '{destination}': permission denied."),
                Libc.EEXIST or Libc.ENOTEMPTY_LINUX or Libc.ENOTEMPTY_MACOS => new NameTaken($"Cannot move '{display}' to '{destination}': the destination already exists."),
                Libc.EXDEV => new IOException($"Cannot move '{display}' to '{destination}': they are on different filesystems."),
                _ => new IOException($"Cannot move '{display}' to '{destination}': {Processes.UnixSpawn.Describe(errno)}."),
            };
        }

        /// <summary>The names in this directory (not "." or ".."), as NUL-terminated bytes, read through a second descriptor of it.</summary>
        internal List<byte[]> ReadNames() => ReadNames(_fd);

        internal static List<byte[]> ReadNames(int dirFd)
        {
            var fs = Libc.Fs;
            var names = new List<byte[]>();
            int dup;
            var dot = new byte[] { (byte)'.', 0 };
            fixed (byte* p = dot)
            {
                dup = Libc.openat_bytes(dirFd, p, Libc.O_RDONLY | fs.ODirectory | fs.OCloexec, 0);
            }

            if (dup < 0)
            {
                throw Failure("read", "descriptor " + dirFd, Libc.Errno);
            }

            var macX64 = fs.MacOS && RuntimeInformation.ProcessArchitecture == Architecture.X64;
            var dir = macX64 ? Libc.fdopendir_macos_x64(dup) : Libc.fdopendir(dup);
            if (dir == IntPtr.Zero)
            {
                var errno = Libc.Errno;
                Libc.close(dup);
                throw Failure("read", "descriptor " + dirFd, errno);
            }

            try
            {
                var offset = fs.MacOS ? Libc.MacDirentNameOffset : Libc.DirentNameOffset;
                while (true)
                {
                    var ent = macX64 ? Libc.readdir_macos_x64(dir) : Libc.readdir(dir);
                    if (ent == IntPtr.Zero)
                    {
                        break;
                    }

                    var name = (byte*)ent + offset;
                    var length = 0;
                    while (name[length] != 0)
                    {
                        length++;
                    }

                    if ((length == 1 && name[0] == '.') || (length == 2 && name[0] == '.' && name[1] == '.'))
                    {
                        continue;
                    }

                    var copy = new byte[length + 1];
                    Marshal.Copy((IntPtr)name, copy, 0, length);
                    names.Add(copy);
                }
            }
            finally
            {
                Libc.closedir(dir);
            }

            return names;
        }

        /// <summary>A name as the C library takes it: UTF-8, NUL-terminated.</summary>
        internal static byte[] Bytes(string s)
        {
            var count = Encoding.UTF8.GetByteCount(s);
            var bytes = new byte[count + 1];
            Encoding.UTF8.GetBytes(s, 0, s.Length, bytes, 0);
            return bytes;
        }

        /// <summary>A NUL-terminated name as text (for messages).</summary>
        internal static string Text(byte[] name) => Encoding.UTF8.GetString(name, 0, name.Length - 1);

        /// <summary>A single path component: not empty, ".", "..", and without a separator or NUL.</summary>
        internal static void CheckName(string name)
        {
            if (name.Length == 0 || name == "." || name == ".." || name.IndexOf('/') >= 0 || name.IndexOf('\0') >= 0 ||
                (Platform.IsWindows && name.IndexOf('\\') >= 0))
            {
                throw new ArgumentException($"'{name}' is not a single file name.", nameof(name));
            }
        }

        public void Dispose()
        {
            var fd = _fd;
            _fd = -1;
            if (fd >= 0)
            {
                Libc.close(fd);
            }
        }

        internal static WorktrunkException IsSymlink(string path) => new WorktrunkException(
            ErrorIds.RepositoryPathIsSymlink,
            ErrorKind.InvalidOperation,
            $"Refusing to use '{path}': it is a symbolic link, and Worktrunk never follows or deletes through a link inside the repository. Nothing was changed.",
            path,
            "Something replaced Worktrunk's own directory with a link. Inspect it and remove the link yourself.");

        internal static WorktrunkException NotOwned(string path, long uid) => new WorktrunkException(
            ErrorIds.RepositoryPathNotOwned,
            ErrorKind.PermissionDenied,
            $"Refusing to use '{path}': it belongs to user id {uid}, not to this user ({EffectiveUid}). Nothing was changed.",
            path,
            "Only the user running Worktrunk may own its state and trash directories. Inspect it and remove it yourself.");

        internal static WorktrunkException NotADirectory(string path, string expected = "a directory") => new WorktrunkException(
            ErrorIds.RepositoryPathNotADirectory,
            ErrorKind.InvalidOperation,
            $"Refusing to use '{path}': it is not {expected}. Nothing was changed.",
            path,
            "Inspect it and move it out of the way yourself.");

        private static IOException Failure(string what, string path, int errno) =>
            new IOException($"Cannot {what} '{path}': {Processes.UnixSpawn.Describe(errno)}.");


        /// <summary>A rename refused because the destination name exists.</summary>
        internal sealed class NameTaken : IOException
        {
            internal NameTaken(string message)
                : base(message)
            {
            }
        }
    }
}
