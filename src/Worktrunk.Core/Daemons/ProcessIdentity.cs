// Contract: a process's identity is its PID plus its start time, captured at discovery and
// re-checked before every signal, so a PID recycled by an unrelated process is never signalled.
// Linux: start time in clock ticks since boot (/proc/<pid>/stat field 22); macOS: the start
// timestamp from proc_pidinfo(PROC_PIDTBSDINFO) in microseconds since the epoch (no process is
// spawned); Windows: Process.StartTime in UTC ticks. A zombie counts as gone everywhere.
// Platform: as above; a platform that cannot tell a start time yields no identity, and a
// process without an identity is never signalled.

using System;
using System.Globalization;
using Worktrunk.Interop;
using Worktrunk.Processes;

namespace Worktrunk.Daemons
{
    /// <summary>PID plus start-time stamp: the identity of one process instance.</summary>
    internal readonly struct ProcessIdentity : IEquatable<ProcessIdentity>
    {
        internal ProcessIdentity(int pid, ulong startTicks)
        {
            Pid = pid;
            StartTicks = startTicks;
        }

        internal int Pid { get; }

        /// <summary>The platform's start-time stamp (see the file contract for units).</summary>
        internal ulong StartTicks { get; }

        public bool Equals(ProcessIdentity other) => Pid == other.Pid && StartTicks == other.StartTicks;

        public override bool Equals(object? obj) => obj is ProcessIdentity o && Equals(o);

        public override int GetHashCode() => Pid ^ StartTicks.GetHashCode();

        public override string ToString() => Pid.ToString(CultureInfo.InvariantCulture) + "@" + StartTicks.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>What the process table says about an identity right now.</summary>
    internal enum IdentityStatus
    {
        /// <summary>The same process is running (not a zombie).</summary>
        Same,

        /// <summary>The PID is free, a zombie, or names a different process now.</summary>
        Gone,

        /// <summary>The platform cannot tell (no start time available).</summary>
        Unknowable,
    }

    /// <summary>Capturing and re-checking process identities.</summary>
    internal static unsafe class ProcessIdentities
    {
        private static readonly Lazy<long> s_bootTimeSeconds = new Lazy<long>(ProcFs.ReadBootTime);
        private static readonly Lazy<long> s_clockTicks = new Lazy<long>(() =>
        {
            try
            {
                var t = Libc.sysconf(Libc.SC_CLK_TCK_LINUX);
                return t > 0 ? t : 100;
            }
            catch (EntryPointNotFoundException)
            {
                return 100;
            }
        });

        /// <summary>The identity of the running process <paramref name="pid"/>; null when it is gone, a zombie, or the platform cannot tell.</summary>
        internal static ProcessIdentity? Capture(int pid)
        {
            var ticks = StartTicksOf(pid);
            return ticks.HasValue ? new ProcessIdentity(pid, ticks.Value) : (ProcessIdentity?)null;
        }

        /// <summary>Compares the process now holding the PID with <paramref name="id"/>.</summary>
        internal static IdentityStatus Check(ProcessIdentity id)
        {
            if (id.Pid <= 0)
            {
                return IdentityStatus.Gone;
            }

            if (Platform.IsLinux && !ProcFs.Available)
            {
                return IdentityStatus.Unknowable;
            }

            var now = StartTicksOf(id.Pid);
            return now.HasValue && now.Value == id.StartTicks ? IdentityStatus.Same : IdentityStatus.Gone;
        }

        /// <summary>The start-time stamp of a live (non-zombie) process, or null.</summary>
        internal static ulong? StartTicksOf(int pid)
        {
            if (pid <= 0)
            {
                return null;
            }

            if (Platform.IsLinux)
            {
                var stat = ProcFs.ReadStat(pid);
                return stat.HasValue && !stat.Value.IsExited ? stat.Value.StartTime : (ulong?)null;
            }

            if (Platform.IsMacOS)
            {
                return MacStart(pid);
            }

            if (Platform.IsWindows)
            {
                try
                {
                    using var p = System.Diagnostics.Process.GetProcessById(pid);
                    return p.HasExited ? (ulong?)null : (ulong)p.StartTime.ToUniversalTime().Ticks;
                }
                catch (Exception e) when (e is ArgumentException || e is InvalidOperationException || e is System.ComponentModel.Win32Exception || e is NotSupportedException)
                {
                    return null;
                }
            }

            return null;
        }

        /// <summary>The wall-clock start time (local) of a stamp captured on this platform, or null.</summary>
        internal static DateTime? ToDateTime(ulong startTicks)
        {
            try
            {
                if (Platform.IsLinux)
                {
                    var boot = s_bootTimeSeconds.Value;
                    if (boot <= 0)
                    {
                        return null;
                    }

                    var seconds = boot + ((double)startTicks / s_clockTicks.Value);
                    return DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)).LocalDateTime;
                }

                if (Platform.IsMacOS)
                {
                    return DateTimeOffset.FromUnixTimeMilliseconds((long)(startTicks / 1000)).LocalDateTime;
                }

                if (Platform.IsWindows)
                {
                    return new DateTime((long)startTicks, DateTimeKind.Utc).ToLocalTime();
                }
            }
            catch (ArgumentOutOfRangeException)
            {
            }

            return null;
        }

        private static ulong? MacStart(int pid)
        {
            var buffer = stackalloc byte[Libc.ProcBsdInfoSize];
            int n;
            try
            {
                n = Libc.proc_pidinfo(pid, Libc.PROC_PIDTBSDINFO, 0, buffer, Libc.ProcBsdInfoSize);
            }
            catch (EntryPointNotFoundException)
            {
                return null;
            }

            if (n != Libc.ProcBsdInfoSize)
            {
                return null;
            }

            var status = *(uint*)(buffer + 4);
            var infoPid = *(uint*)(buffer + 12);
            if (status == Libc.SZOMB || infoPid != (uint)pid)
            {
                return null;
            }

            var sec = *(ulong*)(buffer + 120);
            var usec = *(ulong*)(buffer + 128);
            return (sec * 1000000UL) + usec;
        }
    }
}
