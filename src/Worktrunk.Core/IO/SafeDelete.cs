// Contract: deletes one directory tree by directory descriptors, so that nothing outside that
// tree is ever deleted, whatever is swapped in while the walk runs.
// Guarantees (Unix)
//   * The tree is named as an entry of an already-open directory (a SafeDirectory), never by a
//     path. Every directory is entered with openat(O_NOFOLLOW|O_DIRECTORY|O_CLOEXEC) relative to
//     its parent's descriptor, every entry is examined with AT_SYMLINK_NOFOLLOW and removed with
//     unlinkat relative to the descriptor of the directory that holds it (the way GNU rm's fts and
//     Rust's remove_dir_all since CVE-2022-21658 work). A directory replaced by a symlink between
//     the examination and the open makes the open fail (ELOOP/ENOTDIR) and only the link itself
//     is unlinked; a symlink is never followed, so a swap can only ever delete inside the tree.
//   * Counts files (every non-directory entry unlinked) and bytes (regular files' sizes), reports
//     progress every 500 files, stops between entries when cancelled (OperationCanceledException,
//     the rest left in place), and never throws for a single entry: what could not be deleted is
//     counted in Failures and left.
//   * Depth is limited by open descriptors (one per level being walked); a level that cannot be
//     opened (EMFILE) is a failure, left in place.
// Test seam: BeforeDescend is called with the path (relative to the tree) of each directory just
//   before it is opened, so a race test can swap it (or a sibling) for a symlink at that moment.
// Platform: Linux and macOS (descriptor walk). Windows: a managed walk that removes reparse points
//   without following them; not race-free (compiled and logic-tested only).

using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using Worktrunk.Interop;

namespace Worktrunk.IO
{
    /// <summary>Recursive deletion relative to directory descriptors.</summary>
    internal static unsafe class SafeDelete
    {
        /// <summary>What a deletion removed and left.</summary>
        internal struct Counts
        {
            internal long Files;
            internal long Bytes;
            internal int Failures;
        }

        /// <summary>
        /// Deletes <paramref name="name"/> of <paramref name="parent"/> and everything below it.
        /// <paramref name="onProgress"/> is called with the counts every 500 files.
        /// </summary>
        internal static Counts Tree(SafeDirectory parent, string name, CancellationToken cancellation, Action<Counts>? onProgress = null, Action<string>? beforeDescend = null)
        {
            SafeDirectory.CheckName(name);
            var counts = default(Counts);
            if (Platform.IsWindows)
            {
                ManagedTree(Path.Combine(parent.Path, name), ref counts, cancellation, onProgress);
                return counts;
            }

            var fs = Libc.Fs;
            var rootName = SafeDirectory.Bytes(name);
            var stack = new Stack<Frame>();
            try
            {
                if (!Enter(parent.Fd, rootName, name, stack, ref counts, onProgress, null))
                {
                    return counts;
                }

                while (stack.Count > 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var top = stack.Peek();
                    if (top.Next < top.Names.Count)
                    {
                        var child = top.Names[top.Next++];
                        var entry = SafeStat(top.Fd, child, ref counts);
                        if (entry.Kind == FsKind.Missing)
                        {
                            continue;
                        }

                        var rel = top.Relative.Length == 0 ? SafeDirectory.Text(child) : top.Relative + "/" + SafeDirectory.Text(child);
                        if (entry.Kind == FsKind.Directory)
                        {
                            Enter(top.Fd, child, rel, stack, ref counts, onProgress, beforeDescend);
                        }
                        else
                        {
                            Unlink(top.Fd, child, entry, ref counts, onProgress);
                        }

                        continue;
                    }

                    stack.Pop();
                    Libc.close(top.Fd);
                    top.Fd = -1;
                    var holder = stack.Count > 0 ? stack.Peek().Fd : parent.Fd;
                    int rc;
                    fixed (byte* p = top.Name)
                    {
                        rc = Libc.unlinkat_bytes(holder, p, fs.AtRemoveDir);
                    }

                    if (rc != 0 && Libc.Errno != Libc.ENOENT)
                    {
                        counts.Failures++;
                    }
                }
            }
            finally
            {
                foreach (var frame in stack)
                {
                    if (frame.Fd >= 0)
                    {
                        Libc.close(frame.Fd);
                    }
                }
            }

            return counts;
        }

        /// <summary>
        /// Opens directory <paramref name="name"/> of <paramref name="dirFd"/> without following and
        /// pushes its frame; a symlink or file found there instead (a swap) is unlinked itself.
        /// </summary>
        private static bool Enter(int dirFd, byte[] name, string relative, Stack<Frame> stack, ref Counts counts, Action<Counts>? onProgress, Action<string>? beforeDescend)
        {
            var fs = Libc.Fs;
            beforeDescend?.Invoke(relative);
            int fd;
            fixed (byte* p = name)
            {
                fd = Libc.openat_bytes(dirFd, p, Libc.O_RDONLY | fs.ODirectory | fs.ONoFollow | fs.OCloexec, 0);
            }

            if (fd < 0)
            {
                var errno = Libc.Errno;
                if (errno == fs.ELoop || errno == Libc.ENOTDIR)
                {
                    // Not a directory any more (swapped for a link or a file): remove the entry itself, never its target.
                    var entry = SafeStat(dirFd, name, ref counts);
                    if (entry.Kind != FsKind.Missing && entry.Kind != FsKind.Directory)
                    {
                        Unlink(dirFd, name, entry, ref counts, onProgress);
                    }
                }
                else if (errno != Libc.ENOENT)
                {
                    counts.Failures++;
                }

                return false;
            }

            List<byte[]> names;
            try
            {
                names = SafeDirectory.ReadNames(fd);
            }
            catch (IOException)
            {
                counts.Failures++;
                names = new List<byte[]>();
            }

            stack.Push(new Frame { Fd = fd, Name = name, Names = names, Relative = stack.Count == 0 ? string.Empty : relative });
            return true;
        }

        private static FsEntry SafeStat(int dirFd, byte[] name, ref Counts counts)
        {
            try
            {
                return SafeDirectory.StatAt(dirFd, name);
            }
            catch (IOException)
            {
                counts.Failures++;
                return new FsEntry(FsKind.Missing, -1, 0, 0, 0);
            }
        }

        private static void Unlink(int dirFd, byte[] name, FsEntry entry, ref Counts counts, Action<Counts>? onProgress)
        {
            int rc;
            fixed (byte* p = name)
            {
                rc = Libc.unlinkat_bytes(dirFd, p, 0);
            }

            if (rc != 0)
            {
                var errno = Libc.Errno;
                if (errno != Libc.ENOENT)
                {
                    // EISDIR/EPERM: it became a directory after the examination; left (counted), never followed.
                    counts.Failures++;
                }

                return;
            }

            Counted(ref counts, entry.Kind == FsKind.File ? entry.Size : 0, onProgress);
        }

        private static void Counted(ref Counts counts, long size, Action<Counts>? onProgress)
        {
            counts.Files++;
            counts.Bytes += size;
            if (counts.Files % 500 == 0)
            {
                onProgress?.Invoke(counts);
            }
        }

        /// <summary>Windows: files unlinked and reparse points removed without following them, then directories deepest first.</summary>
        private static void ManagedTree(string root, ref Counts counts, CancellationToken cancellation, Action<Counts>? onProgress)
        {
            var attributes = File.GetAttributes(root);
            if ((attributes & FileAttributes.ReparsePoint) != 0 || (attributes & FileAttributes.Directory) == 0)
            {
                throw new IOException($"'{root}' is not a directory.");
            }

            var dirs = new List<string>();
            var stack = new Stack<string>();
            stack.Push(root);
            while (stack.Count > 0)
            {
                cancellation.ThrowIfCancellationRequested();
                var dir = stack.Pop();
                dirs.Add(dir);
                IEnumerable<FileSystemInfo> children;
                try
                {
                    children = new DirectoryInfo(dir).EnumerateFileSystemInfos();
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    counts.Failures++;
                    continue;
                }

                foreach (var child in children)
                {
                    var isLink = (child.Attributes & FileAttributes.ReparsePoint) != 0;
                    if (child is DirectoryInfo && !isLink)
                    {
                        stack.Push(child.FullName);
                        continue;
                    }

                    try
                    {
                        var size = child is FileInfo fi && !isLink ? fi.Length : 0;
                        if (child is DirectoryInfo)
                        {
                            Directory.Delete(child.FullName, false);
                        }
                        else
                        {
                            child.Delete();
                        }

                        Counted(ref counts, size, onProgress);
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                        counts.Failures++;
                    }
                }
            }

            for (var i = dirs.Count - 1; i >= 0; i--)
            {
                try
                {
                    Directory.Delete(dirs[i], false);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    counts.Failures++;
                }
            }
        }

        private sealed class Frame
        {
            internal int Fd;
            internal byte[] Name = Array.Empty<byte>();
            internal List<byte[]> Names = new List<byte[]>();
            internal int Next;
            internal string Relative = string.Empty;
        }
    }
}
