// Contract: the one reader of Linux /proc (issue 13: every read of /proc in src/ goes through this
// class): the PID list, a process's cmdline and stat, its cwd, the targets of its descriptor links,
// an fdinfo, /proc/net/unix and /proc/stat's boot time. Allocation-light and read-only; never follows a
// descriptor link to its target (readlinkat on the link itself), so a descriptor naming a FIFO or
// device is never opened. A process that vanishes mid-read simply yields nothing.
// Why not System.IO: Directory enumeration stats every entry (following /proc/<pid>/fd links to
// sockets and pipes) and FileStream is heavy for zero-length procfs files (fstat, flock, pread per
// call); with ~40 descriptors per process that made discovery of 100 daemons cost 100+ ms instead
// of a few. stat is parsed in place from the bytes read (the text parser, ParseStatText, decides any
// unusual form, so the result is always its result); whole files (/proc/net/unix, fdinfo) are
// read into a caller's buffer that grows as needed and is kept per thread by the caller.
// Platform: Linux only (struct dirent layout of 64-bit glibc and musl).

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using Worktrunk.Daemons;
using Worktrunk.Interop;
using Worktrunk.IO;

namespace Worktrunk.Processes
{
    /// <summary>The fields of /proc/&lt;pid&gt;/stat that Worktrunk uses.</summary>
    internal readonly struct ProcStat
    {
        internal ProcStat(int pid, char state, int parentPid, int processGroup, int session, ulong startTime, int terminal = 0)
        {
            Pid = pid;
            State = state;
            ParentPid = parentPid;
            ProcessGroup = processGroup;
            Session = session;
            StartTime = startTime;
            Terminal = terminal;
        }

        internal int Pid { get; }

        /// <summary>One of R S D Z T t X I ...; Z and X mean the process has exited.</summary>
        internal char State { get; }

        internal int ParentPid { get; }

        internal int ProcessGroup { get; }

        internal int Session { get; }

        /// <summary>Start time in clock ticks since boot (field 22): with the PID, a process's identity.</summary>
        internal ulong StartTime { get; }

        /// <summary>The controlling terminal's device number (field 7, tty_nr); 0 when the process has none.</summary>
        internal int Terminal { get; }

        internal bool IsExited => State == 'Z' || State == 'X' || State == 'x';
    }

    /// <summary>The one reader of Linux /proc (daemon discovery, the process table, worktree processes, socket tables).</summary>
    internal static unsafe class ProcFs
    {
        private static bool s_noPidfd;

        /// <summary>/proc can be read (Linux with procfs mounted); checked once per process.</summary>
        private static readonly Lazy<bool> s_available = new Lazy<bool>(() => Platform.IsLinux && File.Exists("/proc/self/stat"));

        /// <summary>True when /proc can be read (Linux with procfs mounted); checked once, on first use.</summary>
        internal static bool Available => s_available.Value;

        [ThreadStatic]
        private static byte[]? t_buffer;

        private static byte[] ThreadBuffer() => t_buffer ??= new byte[4096];

        /// <summary>Every numeric entry of /proc (one readdir pass; <see cref="Pids"/>); empty off Linux.</summary>
        internal static IEnumerable<int> EnumeratePids() => Platform.IsLinux ? Pids() : new List<int>();

        /// <summary>Reads /proc/&lt;pid&gt;/stat into a buffer kept per thread; null when the process is gone or unreadable, or off Linux.</summary>
        internal static ProcStat? ReadStat(int pid) => Platform.IsLinux ? ReadStat(pid, ThreadBuffer()) : null;

        /// <summary>Reads a process's argument vector from /proc/&lt;pid&gt;/cmdline; null when gone, unreadable or empty (kernel threads), or off Linux.</summary>
        internal static string[]? ReadArgv(int pid) => Platform.IsLinux ? ReadArgv(pid, ThreadBuffer()) : null;

        /// <summary>Every numeric entry of /proc.</summary>
        internal static List<int> Pids()
        {
            var pids = new List<int>(512);
            var path = stackalloc byte[8];
            Ascii("/proc", path);
            var dir = Libc.opendir_bytes(path);
            if (dir == IntPtr.Zero)
            {
                return pids;
            }

            try
            {
                IntPtr entry;
                while ((entry = Libc.readdir(dir)) != IntPtr.Zero)
                {
                    if (DirentNumber((byte*)entry + Libc.DirentNameOffset, out var pid) && pid > 0)
                    {
                        pids.Add(pid);
                    }
                }
            }
            finally
            {
                Libc.closedir(dir);
            }

            return pids;
        }

        /// <summary>The argv of a process; null when gone, unreadable or empty (kernel threads, zombies).</summary>
        internal static string[]? ReadArgv(int pid, byte[] buffer)
        {
            // One read: the kernel copies the whole argument area up to the count asked for, so a
            // read that does not fill the buffer has it all.
            var n = ReadProcFile(pid, "cmdline", buffer, toEnd: false);
            while (n == buffer.Length && buffer.Length < MaxCmdline)
            {
                // Longer than the buffer: read it again whole (rare; never a git daemon's argv).
                buffer = new byte[buffer.Length * 4];
                n = ReadProcFile(pid, "cmdline", buffer);
            }

            if (n <= 0)
            {
                return null;
            }

            var copy = new byte[n];
            Buffer.BlockCopy(buffer, 0, copy, 0, n);
            return ParseCmdline(copy);
        }

        /// <summary>
        /// The argv of a process when argv[0]'s file name could be git (a cheap filter before the exact
        /// match), else null. Most processes cost one 256-byte read.
        /// </summary>
        internal static string[]? ArgvIfGit(int pid, byte[] buffer)
        {
            var path = stackalloc byte[40];
            PidPath(pid, "cmdline", path);
            var fd = Libc.open_bytes(path, Libc.O_RDONLY | Libc.O_CLOEXEC_LINUX);
            if (fd < 0)
            {
                return null;
            }

            int n;
            try
            {
                // One short read decides for almost every process; only a git-looking one is read to the end.
                n = FileBytes.ReadOnce(fd, buffer, 0, 256);
                if (n <= 0 || !Argv0IsGit(buffer, n, out _))
                {
                    return null;
                }

                while (n < buffer.Length)
                {
                    var more = FileBytes.ReadOnce(fd, buffer, n, buffer.Length - n);
                    if (more <= 0)
                    {
                        break;
                    }

                    n += more;
                }
            }
            finally
            {
                Libc.close(fd);
            }

            if (n == buffer.Length)
            {
                return ReadArgv(pid, new byte[buffer.Length * 4]);
            }

            var copy = new byte[n];
            Buffer.BlockCopy(buffer, 0, copy, 0, n);
            return ParseCmdline(copy);
        }

        /// <summary>The kernel's own cap on what /proc/&lt;pid&gt;/cmdline can hold is ARG_MAX-like; beyond this, the tail is not read.</summary>
        private const int MaxCmdline = 4 * 1024 * 1024;

        /// <summary>argv[0]'s file name is `git` or `git.exe`; <paramref name="complete"/> when the whole cmdline fit in <paramref name="n"/> bytes.</summary>
        private static bool Argv0IsGit(byte[] buffer, int n, out bool complete)
        {
            complete = n < 256;
            var end = Array.IndexOf(buffer, (byte)0, 0, n);
            if (end < 0)
            {
                if (!complete)
                {
                    // argv[0] alone is longer than what was read: the exact match decides on the full read.
                    return true;
                }

                end = n;
            }

            var start = 0;
            for (var i = 0; i < end; i++)
            {
                if (buffer[i] == (byte)'/' || buffer[i] == (byte)'\\')
                {
                    start = i + 1;
                }
            }

            var len = end - start;
            return (len == 3 || len == 7) && buffer[start] == (byte)'g' && buffer[start + 1] == (byte)'i' && buffer[start + 2] == (byte)'t';
        }

        /// <summary>A close-on-exec pidfd for the process, or -1 (no kernel support, or gone).</summary>
        internal static int OpenPidfd(int pid)
        {
            if (s_noPidfd)
            {
                return -1;
            }

            var fd = (int)Libc.syscall(Libc.SYS_pidfd_open, pid, 0, 0, 0);
            if (fd < 0)
            {
                if (Libc.Errno == Libc.ENOSYS_LINUX)
                {
                    s_noPidfd = true;
                }

                return -1;
            }

            // pidfd_open always sets close-on-exec.
            return fd;
        }

        /// <summary>True once the pidfd's process has exited (a zombie included).</summary>
        internal static bool PidfdExited(int pidfd)
        {
            var pfd = new Libc.PollFd { Fd = pidfd, Events = Libc.POLLIN };
            return Libc.poll(&pfd, (UIntPtr)1, 0) > 0 && (pfd.REvents & Libc.POLLIN) != 0;
        }

        /// <summary>/proc/&lt;pid&gt;/stat; null when gone.</summary>
        internal static ProcStat? ReadStat(int pid, byte[] buffer)
        {
            var n = ReadProcFile(pid, "stat", buffer, toEnd: false);
            return n <= 0 ? null : ParseStat(pid, buffer, n);
        }

        /// <summary>
        /// <see cref="ParseStatText"/> of the first <paramref name="length"/> bytes, without
        /// decoding them: the fields after the last ')' are read in place when they have the form the
        /// kernel prints (single spaces, ASCII, plain decimal numbers); any other form is handed to
        /// ParseStatText on the decoded text, so the result is always exactly its result.
        /// </summary>
        internal static ProcStat? ParseStat(int pid, byte[] buffer, int length)
        {
            var close = Array.LastIndexOf(buffer, (byte)')', length - 1, length);
            if (close < 0 || close + 2 >= length)
            {
                return SlowStat(pid, buffer, length);
            }

            // fields[k] of ParseStatText: the k-th ' '-separated run after ") ".
            var state = '\0';
            int ppid = 0, pgrp = 0, session = 0;
            ulong start = 0;
            var field = 0;
            var at = close + 2;
            while (field <= 19)
            {
                var end = at;
                while (end < length && buffer[end] != (byte)' ')
                {
                    if (buffer[end] >= 0x80)
                    {
                        return SlowStat(pid, buffer, length);
                    }

                    end++;
                }

                bool ok;
                switch (field)
                {
                    case 0:
                        ok = end - at == 1;
                        state = (char)buffer[at];
                        break;
                    case 1:
                        ok = TryInt(buffer, at, end, out ppid);
                        break;
                    case 2:
                        ok = TryInt(buffer, at, end, out pgrp);
                        break;
                    case 3:
                        ok = TryInt(buffer, at, end, out session);
                        break;
                    case 19:
                        ok = ProcNetUnix.TryDecimal(buffer, at, end, out start);
                        break;
                    default:
                        ok = true;
                        break;
                }

                if (!ok || (end >= length && field < 19))
                {
                    // Not the kernel's usual form, or too few fields: the text parser decides.
                    return SlowStat(pid, buffer, length);
                }

                field++;
                at = end + 1;
            }

            return new ProcStat(pid, state, ppid, pgrp, session, start);
        }

        private static ProcStat? SlowStat(int pid, byte[] buffer, int length) => ParseStatText(pid, Encoding.UTF8.GetString(buffer, 0, length));

        /// <summary>
        /// Parses a stat line. The command name may hold spaces and parentheses, so fields are counted after the last ')'.
        /// The fallback of the byte parser <see cref="ParseStat(int, byte[], int)"/>, which decides nothing itself on an
        /// unusual form; internal only so that the tests can use it as the byte parser's oracle.
        /// </summary>
        internal static ProcStat? ParseStatText(int pid, string text)
        {
            var close = text.LastIndexOf(')');
            if (close < 0 || close + 2 >= text.Length)
            {
                return null;
            }

            var fields = text.Substring(close + 2).Split(' ');

            // fields[0] is field 3 (state); field N is fields[N - 3].
            if (fields.Length < 20 || fields[0].Length == 0)
            {
                return null;
            }

            if (!int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ppid) ||
                !int.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pgrp) ||
                !int.TryParse(fields[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var session) ||
                !int.TryParse(fields[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out var tty) ||
                !ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
            {
                return null;
            }

            return new ProcStat(pid, fields[0][0], ppid, pgrp, session, start, tty);
        }

        /// <summary>Splits a NUL-separated cmdline buffer into arguments.</summary>
        internal static string[]? ParseCmdline(byte[] bytes)
        {
            if (bytes.Length == 0)
            {
                return null;
            }

            var end = bytes.Length;
            if (bytes[end - 1] == 0)
            {
                end--;
            }

            var args = new List<string>();
            var start = 0;
            for (var i = 0; i <= end; i++)
            {
                if (i == end || bytes[i] == 0)
                {
                    args.Add(Encoding.UTF8.GetString(bytes, start, i - start));
                    start = i + 1;
                }
            }

            return args.ToArray();
        }

        /// <summary>An optional '-' then 1–9 digits (the form on which int.TryParse agrees); false for anything else.</summary>
        private static bool TryInt(byte[] b, int start, int end, out int value)
        {
            value = 0;
            var negative = start < end && b[start] == (byte)'-';
            var i = negative ? start + 1 : start;
            if (i == end || end - i > 9)
            {
                return false;
            }

            for (; i < end; i++)
            {
                if (b[i] < (byte)'0' || b[i] > (byte)'9')
                {
                    return false;
                }

                value = (value * 10) + (b[i] - '0');
            }

            value = negative ? -value : value;
            return true;
        }

        /// <summary>
        /// Finds the first `socket:[inode]` descriptor of the process for which
        /// <paramref name="isWanted"/> is true, scanning from the highest descriptor number down (a
        /// server's listening socket comes after the descriptors its runtime opened at start-up, so
        /// this usually ends after a few links; every descriptor is still checked when none
        /// matches). Returns false when the fd directory exists but cannot be read (another user's
        /// process); <paramref name="inode"/> is 0 when nothing matched or the process is gone.
        /// </summary>
        internal static bool FindSocketInode(int pid, Func<ulong, bool> isWanted, out ulong inode) => FindSocketInode(pid, isWanted, out inode, out _, lookForInotify: false);

        /// <summary>
        /// As <see cref="FindSocketInode(int, Func{ulong, bool}, out ulong)"/>, and in the same walk the
        /// process's inotify descriptor (an fsmonitor daemon's watches; -1 when it has none) when
        /// <paramref name="lookForInotify"/>: the walk then goes on past the socket until it has both.
        /// </summary>
        internal static bool FindSocketInode(int pid, Func<ulong, bool> isWanted, out ulong inode, out int inotifyFd, bool lookForInotify = true)
        {
            ulong found = 0;
            var inotify = -1;
            var readable = WalkDescriptors(pid, (fd, link, len) =>
            {
                if (found == 0)
                {
                    var ino = ProcNetUnix.SocketInode(link, len);
                    if (ino != 0 && isWanted(ino))
                    {
                        found = ino;
                    }
                }

                if (lookForInotify && inotify < 0 && Is(link, len, InotifyLink))
                {
                    inotify = fd;
                }

                return found != 0 && (!lookForInotify || inotify >= 0);
            });
            inode = found;
            inotifyFd = inotify;
            return readable;
        }

        private static readonly byte[] InotifyLink = Encoding.ASCII.GetBytes("anon_inode:inotify");

        private static bool Is(byte* link, int length, byte[] text)
        {
            if (length != text.Length)
            {
                return false;
            }

            for (var i = 0; i < length; i++)
            {
                if (link[i] != text[i])
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The highest-numbered inotify descriptor of the process, or -1.</summary>
        internal static int FindInotifyDescriptor(int pid)
        {
            var found = -1;
            WalkDescriptors(pid, (fd, link, len) =>
            {
                if (!Is(link, len, InotifyLink))
                {
                    return false;
                }

                found = fd;
                return true;
            });
            return found;
        }

        /// <summary>Visits a descriptor's link text; true stops the walk.</summary>
        private delegate bool LinkVisitor(int fd, byte* link, int length);

        /// <summary>
        /// Reads the links of /proc/&lt;pid&gt;/fd from the highest descriptor down (readlinkat on
        /// the link itself: nothing is opened) until <paramref name="visit"/> says stop. False when
        /// the directory exists but cannot be read (EACCES/EPERM); true otherwise (a gone process
        /// has nothing to visit).
        /// </summary>
        private static bool WalkDescriptors(int pid, LinkVisitor visit)
        {
            var path = stackalloc byte[32];
            PidPath(pid, "fd", path);
            var dir = Libc.opendir_bytes(path);
            if (dir == IntPtr.Zero)
            {
                var errno = Libc.Errno;
                return errno != Libc.EACCES && errno != Libc.EPERM;
            }

            var fd = Libc.dirfd(dir);
            try
            {
                var fds = new List<int>(64);
                IntPtr entry;
                while ((entry = Libc.readdir(dir)) != IntPtr.Zero)
                {
                    if (DirentNumber((byte*)entry + Libc.DirentNameOffset, out var n))
                    {
                        fds.Add(n);
                    }
                }

                fds.Sort();
                var fdName = stackalloc byte[12];
                var link = stackalloc byte[64];
                for (var k = fds.Count - 1; k >= 0; k--)
                {
                    Decimal(fds[k], fdName);
                    var len = (long)Libc.readlinkat(fd, fdName, link, (IntPtr)64);
                    if (len > 0 && len < 64 && visit(fds[k], link, (int)len))
                    {
                        break;
                    }
                }
            }
            finally
            {
                // closedir also closes the descriptor readlinkat used.
                Libc.closedir(dir);
            }

            return true;
        }

        /// <summary>A directory entry's NUL-terminated name of 1–10 ASCII digits (a PID, a descriptor) as a number; false for any other name.</summary>
        private static bool DirentNumber(byte* name, out int value)
        {
            value = 0;
            if (name[0] == 0)
            {
                return false;
            }

            for (var i = 0; name[i] != 0; i++)
            {
                if (name[i] < (byte)'0' || name[i] > (byte)'9' || i > 9)
                {
                    value = 0;
                    return false;
                }

                value = (value * 10) + (name[i] - (byte)'0');
            }

            return true;
        }

        private static void Decimal(int value, byte* dest)
        {
            var digits = stackalloc byte[12];
            var d = 0;
            do
            {
                digits[d++] = (byte)('0' + (value % 10));
                value /= 10;
            }
            while (value > 0);

            var i = 0;
            while (d > 0)
            {
                dest[i++] = digits[--d];
            }

            dest[i] = 0;
        }

        /// <summary>Reads /proc/&lt;pid&gt;/&lt;name&gt; into <paramref name="buffer"/>; the byte count, or -1.</summary>
        private static int ReadProcFile(int pid, string name, byte[] buffer, int max = int.MaxValue, bool toEnd = true)
        {
            var limit = Math.Min(max, buffer.Length);
            var path = stackalloc byte[40];
            PidPath(pid, name, path);
            var fd = Libc.open_bytes(path, Libc.O_RDONLY | Libc.O_CLOEXEC_LINUX);
            if (fd < 0)
            {
                return -1;
            }

            return FileBytes.ReadAll(fd, buffer, limit, toEnd);
        }

        /// <summary>Writes "/proc/&lt;pid&gt;/&lt;name&gt;\0" (ASCII) into <paramref name="dest"/>.</summary>
        private static void PidPath(int pid, string name, byte* dest)
        {
            var i = 0;
            foreach (var c in "/proc/")
            {
                dest[i++] = (byte)c;
            }

            var digits = stackalloc byte[12];
            var d = 0;
            var v = pid;
            do
            {
                digits[d++] = (byte)('0' + (v % 10));
                v /= 10;
            }
            while (v > 0);

            while (d > 0)
            {
                dest[i++] = digits[--d];
            }

            dest[i++] = (byte)'/';
            foreach (var c in name)
            {
                dest[i++] = (byte)c;
            }

            dest[i] = 0;
        }

        private static void Ascii(string s, byte* dest)
        {
            var i = 0;
            foreach (var c in s)
            {
                dest[i++] = (byte)c;
            }

            dest[i] = 0;
        }

        // ---- Whole procfs files (Daemons/InotifyWatches, Daemons/ProcNetUnix, Daemons/ProcessIdentity) ----

        /// <summary>
        /// Reads /proc/&lt;pid&gt;/fdinfo/&lt;fd&gt; whole into <paramref name="buffer"/> (grown as needed, see
        /// <see cref="FileBytes.ReadWholeFile"/>); the byte count, or -1 when it cannot be read.
        /// </summary>
        internal static int ReadFdInfo(int pid, int fd, ref byte[] buffer) =>
            FileBytes.ReadWholeFile("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/fdinfo/" + fd.ToString(CultureInfo.InvariantCulture), ref buffer);

        /// <summary>
        /// Reads /proc/net/unix (the machine's Unix socket table) whole into <paramref name="buffer"/>
        /// (grown as needed); the byte count, or -1 when it cannot be read. Parsed by <see cref="ProcNetUnix"/>.
        /// </summary>
        internal static int ReadNetUnix(ref byte[] buffer) => FileBytes.ReadWholeFile("/proc/net/unix", ref buffer);

        // ---- Worktree processes (Processes/WorktreeProcesses) ----

        /// <summary>
        /// The target of /proc/&lt;pid&gt;/cwd (readlink of the link itself: nothing is opened or
        /// followed) as UTF-8 bytes in <paramref name="buffer"/>; the byte count, or -1 when the
        /// process is gone, is a zombie, belongs to another user (EACCES) or the path does not fit.
        /// The kernel appends " (deleted)" to a directory that was removed.
        /// </summary>
        internal static int ReadCwd(int pid, byte[] buffer)
        {
            var path = stackalloc byte[40];
            PidPath(pid, "cwd", path);
            fixed (byte* b = buffer)
            {
                var n = (long)Libc.readlinkat(Libc.AT_FDCWD_LINUX, path, b, (IntPtr)buffer.Length);
                return n > 0 && n < buffer.Length ? (int)n : -1;
            }
        }

        /// <summary>/proc/&lt;pid&gt;/stat parsed, with the command name (the text between the first '(' and the last ')'); null when gone.</summary>
        internal static ProcStat? ReadStat(int pid, byte[] buffer, out string name)
        {
            name = string.Empty;
            var n = ReadProcFile(pid, "stat", buffer, toEnd: false);
            if (n <= 0)
            {
                return null;
            }

            var text = Encoding.UTF8.GetString(buffer, 0, n);
            var open = text.IndexOf('(');
            var close = text.LastIndexOf(')');
            if (open >= 0 && close > open)
            {
                name = text.Substring(open + 1, close - open - 1);
            }

            return ParseStatText(pid, text);
        }

        /// <summary>The boot time (btime of /proc/stat, seconds since the epoch); 0 when it cannot be read.</summary>
        internal static long ReadBootTime()
        {
            try
            {
                foreach (var line in File.ReadAllLines("/proc/stat"))
                {
                    if (line.StartsWith("btime ", StringComparison.Ordinal) &&
                        long.TryParse(line.Substring(6).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var b))
                    {
                        return b;
                    }
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
            }

            return 0;
        }
    }
}
