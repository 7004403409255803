// Contract: read-only views of the process table. Linux reads /proc directly (through the one set
// of raw readers, Daemons/ProcFs) and spawns nothing;
// other Unix systems answer only what kill(2) can tell. Nothing here signals a process.
// A zombie (state Z) counts as gone everywhere in Worktrunk: it has exited, holds no sockets,
// and cannot be signalled into doing anything; in containers whose init reaps slowly, treating
// zombies as alive would make every "wait until gone" loop run to its deadline.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using Worktrunk.Interop;

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

    /// <summary>Linux /proc readers, plus portable liveness probes.</summary>
    internal static class ProcessTable
    {
        /// <summary>True when /proc can be read (Linux with procfs mounted).</summary>
        internal static bool HasProcFs => Platform.IsLinux && File.Exists("/proc/self/stat");

        [ThreadStatic]
        private static byte[]? t_buffer;

        /// <summary>Every numeric entry of /proc (one readdir pass; <see cref="Daemons.ProcFs.Pids"/>).</summary>
        internal static IEnumerable<int> EnumeratePids() => Platform.IsLinux ? Daemons.ProcFs.Pids() : new List<int>();

        /// <summary>Reads /proc/&lt;pid&gt;/stat; null when the process is gone or unreadable.</summary>
        internal static ProcStat? ReadStat(int pid) => Platform.IsLinux ? Daemons.ProcFs.ReadStat(pid, Buffer()) : null;

        /// <summary>Parses a stat line. The command name may hold spaces and parentheses, so fields are counted after the last ')'.</summary>
        internal static ProcStat? ParseStat(int pid, string text)
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

        /// <summary>Reads a process's argument vector from /proc/&lt;pid&gt;/cmdline; null when gone, unreadable or empty (kernel threads).</summary>
        internal static string[]? ReadArgv(int pid) => Platform.IsLinux ? Daemons.ProcFs.ReadArgv(pid, Buffer()) : null;

        private static byte[] Buffer() => t_buffer ??= new byte[4096];

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

        /// <summary>
        /// True while the process exists and has not exited. Linux: /proc state (zombies are gone).
        /// Elsewhere: kill(pid, 0), where EPERM means "exists, not ours".
        /// </summary>
        internal static bool IsAlive(int pid)
        {
            if (pid <= 0)
            {
                return false;
            }

            if (HasProcFs)
            {
                var stat = ReadStat(pid);
                return stat.HasValue && !stat.Value.IsExited;
            }

            if (Platform.IsWindows)
            {
                try
                {
                    using var p = System.Diagnostics.Process.GetProcessById(pid);
                    return !p.HasExited;
                }
                catch (ArgumentException)
                {
                    return false;
                }
                catch (InvalidOperationException)
                {
                    return false;
                }
            }

            return Libc.kill(pid, 0) == 0 || Libc.Errno == Libc.EPERM;
        }

        /// <summary>
        /// True while any live (non-zombie) process is in process group <paramref name="pgid"/>.
        /// Linux scans /proc; elsewhere killpg(pgid, 0) (EPERM counts as alive: fail safe).
        /// </summary>
        internal static bool IsGroupAlive(int pgid)
        {
            if (pgid <= 1)
            {
                return false;
            }

            if (HasProcFs)
            {
                foreach (var pid in EnumeratePids())
                {
                    var stat = ReadStat(pid);
                    if (stat.HasValue && stat.Value.ProcessGroup == pgid && !stat.Value.IsExited)
                    {
                        return true;
                    }
                }

                return false;
            }

            return Libc.killpg(pgid, 0) == 0 || Libc.Errno == Libc.EPERM;
        }
    }
}
