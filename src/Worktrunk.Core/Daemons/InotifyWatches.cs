// Contract: reads which directories an fsmonitor daemon watches, from /proc/<pid>/fdinfo/<fd> of
// its inotify descriptor (Linux). git 2.55's daemon (fsm-listen-linux.c) adds the worktree root
// first (wd:1) and its git dir second (wd:2; the `<common>/worktrees/<id>` registration for a
// linked worktree), each line `inotify wd:<n> ino:<hex> sdev:<hex> ...`. sdev is the kernel's
// internal dev_t (major << 20 | minor), converted here to the st_dev userspace stat reports
// (glibc/musl makedev), so it compares with stat(2) of a live worktree directly.
// Read-only: the descriptor links are read with readlinkat (never opened), and only the fdinfo
// text of the one `anon_inode:inotify` descriptor is read. A watch the kernel dropped (its
// directory deleted: an `rm -rf`ed worktree) is simply absent, so nothing is known of it.
// What it decides: nothing by itself. A match only ever makes a daemon Live (DaemonInventory);
// no watch, no match or an unreadable fdinfo (another user's process, no /proc) leaves the path
// rule in force.

using System;
using System.Globalization;
using System.Text;
using Worktrunk.Interop;
using Worktrunk.IO;
using Worktrunk.Processes;

namespace Worktrunk.Daemons
{
    /// <summary>The first two inotify watches of a daemon: its worktree root and its git dir.</summary>
    internal readonly struct DaemonWatches
    {
        internal DaemonWatches(FileIdentity? root, FileIdentity? gitDir)
        {
            Root = root;
            GitDir = gitDir;
        }

        /// <summary>wd:1, the worktree root; null when that watch is gone.</summary>
        internal FileIdentity? Root { get; }

        /// <summary>wd:2, the git dir; null when that watch is gone.</summary>
        internal FileIdentity? GitDir { get; }
    }

    /// <summary>Reads and parses a daemon's inotify watches.</summary>
    internal static class InotifyWatches
    {
        /// <summary>
        /// The watches of <paramref name="pid"/>; null when there is no readable inotify descriptor.
        /// <paramref name="inotifyFd"/>: the descriptor discovery already saw (-1: it saw none), or
        /// -2 to look for it here.
        /// </summary>
        internal static DaemonWatches? Read(int pid, int inotifyFd = -2)
        {
            if (!Platform.IsLinux)
            {
                return null;
            }

            var fd = inotifyFd == -2 ? ProcFs.FindInotifyDescriptor(pid) : inotifyFd;
            if (fd < 0)
            {
                return null;
            }

            // One open and a few reads into a buffer kept per thread (no FileStream: no fstat, flock or pread per call).
            var buffer = t_buffer ??= new byte[4096];
            var n = ProcFs.ReadFdInfo(pid, fd, ref buffer);
            t_buffer = buffer;
            return n < 0 ? null : Parse(Encoding.UTF8.GetString(buffer, 0, n));
        }

        [ThreadStatic]
        private static byte[]? t_buffer;

        /// <summary>Parses fdinfo text: wd:1 and wd:2 (either may be missing); null when neither is there.</summary>
        internal static DaemonWatches? Parse(string text)
        {
            FileIdentity? root = null;
            FileIdentity? gitDir = null;
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.Trim();
                if (!line.StartsWith("inotify ", StringComparison.Ordinal))
                {
                    continue;
                }

                var wd = Field(line, "wd:");
                if (wd != "1" && wd != "2")
                {
                    continue;
                }

                if (!ulong.TryParse(Field(line, "ino:"), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var ino) ||
                    !ulong.TryParse(Field(line, "sdev:"), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var sdev))
                {
                    continue;
                }

                var id = new FileIdentity(UserDevice(sdev), ino);
                if (wd == "1")
                {
                    root = id;
                }
                else
                {
                    gitDir = id;
                }
            }

            return root == null && gitDir == null ? (DaemonWatches?)null : new DaemonWatches(root, gitDir);
        }

        /// <summary>Kernel dev_t (MINORBITS 20) to the st_dev of userspace stat (glibc and musl makedev).</summary>
        internal static ulong UserDevice(ulong kernelDevice)
        {
            var major = kernelDevice >> 20;
            var minor = kernelDevice & 0xfffff;
            return ((major & 0xfff) << 8) | ((major & ~0xfffUL) << 32) | (minor & 0xff) | ((minor & ~0xffUL) << 12);
        }

        private static string? Field(string line, string name)
        {
            var at = line.IndexOf(" " + name, StringComparison.Ordinal);
            if (at < 0)
            {
                return null;
            }

            var start = at + 1 + name.Length;
            var end = line.IndexOf(' ', start);
            return end < 0 ? line.Substring(start) : line.Substring(start, end - start);
        }
    }
}
