// Contract: the one place Worktrunk calls CreateProcessW (the tether's Job Object children and
// the detached supervisor; captured commands go through ProcessRunner). The command line is
// built by the caller with the existing quoting code (WindowsArguments / WindowsCommand), never
// by a shell; the three standard handles are the caller's (inheritable) handles, and no other
// handle is meant to be inherited.
// Platform: Windows only (compiled everywhere, run only on Windows; the tests run on Linux).

using System;
using System.Runtime.InteropServices;
using System.Text;
using Worktrunk.Interop;

namespace Worktrunk.Processes
{
    /// <summary>CreateProcessW with explicit standard handles.</summary>
    internal static class WindowsSpawn
    {
        /// <summary>
        /// Starts <paramref name="application"/> with <paramref name="commandLine"/>; returns 0 and
        /// the process information, or the Windows error code when it could not start.
        /// </summary>
        internal static int Start(string? application, string commandLine, uint flags, string? workingDirectory, IntPtr stdin, IntPtr stdout, IntPtr stderr, out Kernel32.PROCESS_INFORMATION process)
        {
            var startup = new Kernel32.STARTUPINFOW
            {
                cb = Marshal.SizeOf(typeof(Kernel32.STARTUPINFOW)),
                dwFlags = Kernel32.STARTF_USESTDHANDLES,
                hStdInput = stdin,
                hStdOutput = stdout,
                hStdError = stderr,
            };

            return Kernel32.CreateProcessW(application, new StringBuilder(commandLine), IntPtr.Zero, IntPtr.Zero, true, flags, IntPtr.Zero, workingDirectory, ref startup, out process)
                ? 0
                : Marshal.GetLastWin32Error();
        }
    }
}
