using System;
using System.Runtime.InteropServices;

namespace Worktrunk.Core.Tests.Tether
{
    /// <summary>
    /// Linux capabilities are per thread: capset(2) changes only the calling thread. Tests run as
    /// root here, and root's CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH make every permission bit
    /// moot; dropping them from one thread's effective set gives that thread ordinary permission
    /// checks (EACCES under a chmod 000 directory) without touching the rest of the test run.
    /// Only the effective set changes, so the thread could raise them again; the tests simply let
    /// the thread end.
    /// </summary>
    internal static unsafe class ThreadCapabilities
    {
        private const uint Version3 = 0x20080522;
        private const int CapDacOverride = 1;
        private const int CapDacReadSearch = 2;

        [DllImport("libc", SetLastError = true)]
        private static extern int capget(Header* header, Data* data);

        [DllImport("libc", SetLastError = true)]
        private static extern int capset(Header* header, Data* data);

        [DllImport("libc")]
        private static extern uint geteuid();

        internal static bool IsRoot => geteuid() == 0;

        /// <summary>Drops the DAC override capabilities from the calling thread's effective set.</summary>
        internal static void DropDacOverrideOnThisThread()
        {
            var header = new Header { Version = Version3, Pid = 0 };
            var data = stackalloc Data[2];
            if (capget(&header, data) != 0)
            {
                throw new InvalidOperationException("capget failed: errno " + Marshal.GetLastWin32Error());
            }

            data[0].Effective &= ~((1u << CapDacOverride) | (1u << CapDacReadSearch));
            if (capset(&header, data) != 0)
            {
                throw new InvalidOperationException("capset failed: errno " + Marshal.GetLastWin32Error());
            }
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct Header
        {
            public uint Version;
            public int Pid;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct Data
        {
            public uint Effective;
            public uint Permitted;
            public uint Inheritable;
        }
    }
}
