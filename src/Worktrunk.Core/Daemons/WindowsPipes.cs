// Contract: Windows fsmonitor daemons listen on a named pipe, not a socket:
// \\.\pipe\<realpath of <git-dir>/fsmonitor--daemon.ipc> with the drive colon replaced by '_' and
// '/' by '\' (git's compat/simple-ipc/ipc-win32.c). This file maps pipe names to git-dir paths
// (pure, unit-tested on every platform), lists the daemons' pipes, and attributes each pipe to
// its server process with GetNamedPipeServerProcessId. Data safety: a daemon is reported (and can
// be force-killed) only when its pipe's server PID is known and its start time captured; a pipe
// that cannot be attributed (busy, access denied) yields no daemon, and Stop-WtDaemon says so.
// Platform: Windows only at run time; the P/Invoke declarations are inert elsewhere. This is the
// one Windows interop of the daemon area (Interop/Libc.cs is for Unix only).

using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;

namespace Worktrunk.Daemons
{
    /// <summary>Named-pipe naming and discovery for Windows fsmonitor daemons.</summary>
    internal static class WindowsPipes
    {
        internal const string PipePrefix = @"\\.\pipe\";

        private const uint GenericRead = 0x80000000;
        private const uint GenericWrite = 0x40000000;
        private const uint OpenExisting = 3;

        /// <summary>The socket path a pipe name stands for (`C_\x\.git\fsmonitor--daemon.ipc` → `C:\x\.git\fsmonitor--daemon.ipc`), or null for other pipes.</summary>
        internal static string? SocketPathFor(string pipeName)
        {
            var p = pipeName.StartsWith(PipePrefix, StringComparison.OrdinalIgnoreCase) ? pipeName.Substring(PipePrefix.Length) : pipeName;
            if (!p.EndsWith("\\" + FsmonitorSocket.FileName, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            if (p.Length >= 2 && p[1] == '_' && char.IsLetter(p[0]))
            {
                return p.Substring(0, 1) + ":" + p.Substring(2);
            }

            // A UNC git dir (\\server\share) is named `\server\share\...` after the prefix.
            return p.StartsWith("\\", StringComparison.Ordinal) ? "\\" + p : null;
        }

        /// <summary>Lists fsmonitor pipes and attributes each to its server process.</summary>
        internal static List<DiscoveredDaemon> Discover(IDiagnosticSink sink)
        {
            var found = new List<DiscoveredDaemon>();
            if (!Platform.IsWindows)
            {
                return found;
            }

            string[] pipes;
            try
            {
                pipes = Directory.GetFiles(PipePrefix);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException)
            {
                sink.Warning("Cannot list named pipes: " + e.Message);
                return found;
            }

            foreach (var pipe in pipes)
            {
                var socket = SocketPathFor(pipe);
                if (socket == null)
                {
                    continue;
                }

                var pid = ServerProcessId(pipe);
                if (pid <= 0)
                {
                    sink.Verbose("fsmonitor pipe " + pipe + " could not be attributed to a process.");
                    continue;
                }

                var id = ProcessIdentities.Capture(pid);
                if (id.HasValue)
                {
                    found.Add(new DiscoveredDaemon(id.Value, null, socket));
                }
            }

            return found;
        }

        /// <summary>The PID serving a pipe, or 0 when it cannot be told (busy, gone, access denied).</summary>
        internal static int ServerProcessId(string pipeName)
        {
            if (!Platform.IsWindows)
            {
                return 0;
            }

            try
            {
                using var handle = CreateFileW(pipeName, GenericRead | GenericWrite, 0, IntPtr.Zero, OpenExisting, 0, IntPtr.Zero);
                if (handle.IsInvalid)
                {
                    return 0;
                }

                return GetNamedPipeServerProcessId(handle, out var pid) ? (int)pid : 0;
            }
            catch (Exception e) when (e is EntryPointNotFoundException || e is DllNotFoundException)
            {
                return 0;
            }
        }

        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern SafeFileHandle CreateFileW(string name, uint access, uint share, IntPtr security, uint creation, uint flags, IntPtr template);

        [DllImport("kernel32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool GetNamedPipeServerProcessId(SafeFileHandle pipe, out uint serverProcessId);
    }
}
