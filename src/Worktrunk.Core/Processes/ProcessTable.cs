// Contract: read-only views of the process table. Linux reads /proc through the one reader,
// ProcFs (this class reads nothing itself), and spawns nothing;
// other Unix systems answer only what kill(2) can tell. Nothing here signals a process.
// A zombie (state Z) counts as gone everywhere in Worktrunk: it has exited, holds no sockets,
// and cannot be signalled into doing anything; in containers whose init reaps slowly, treating
// zombies as alive would make every "wait until gone" loop run to its deadline.

using System;
using Worktrunk.Interop;

namespace Worktrunk.Processes
{
    /// <summary>Portable liveness probes (on Linux through <see cref="ProcFs"/>).</summary>
    internal static class ProcessTable
    {
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

            if (ProcFs.Available)
            {
                var stat = ProcFs.ReadStat(pid);
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

            if (ProcFs.Available)
            {
                foreach (var pid in ProcFs.EnumeratePids())
                {
                    var stat = ProcFs.ReadStat(pid);
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
