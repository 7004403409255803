using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;

namespace Worktrunk.TestSupport
{
    /// <summary>
    /// Bookkeeping for processes a test starts: every PID registered here is SIGKILLed by PID
    /// (and its process group, when the test made it a group leader) on Dispose. Nothing else is
    /// ever signalled.
    /// </summary>
    public sealed class TestProcesses : IDisposable
    {
        private readonly List<(int Pid, bool Group, string? Start)> _pids = new List<(int, bool, string?)>();

        [DllImport("libc", SetLastError = true)]
        private static extern int kill(int pid, int sig);

        [DllImport("libc", SetLastError = true)]
        private static extern int waitpid(int pid, out int status, int options);

        /// <summary>Registers a PID to kill at the end; <paramref name="group"/> also kills the group it leads.</summary>
        public int Track(int pid, bool group = false)
        {
            lock (_pids)
            {
                _pids.Add((pid, group, StartTime(pid)));
            }

            return pid;
        }

        private static string? StartTime(int pid)
        {
            try
            {
                var stat = System.IO.File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
                return fields[19];
            }
            catch (Exception)
            {
                return null;
            }
        }

        /// <summary>True while /proc shows the process and it is not a zombie.</summary>
        public static bool IsAlive(int pid)
        {
            try
            {
                var stat = System.IO.File.ReadAllText($"/proc/{pid}/stat");
                var state = stat.Substring(stat.LastIndexOf(')') + 2, 1);
                return state != "Z" && state != "X";
            }
            catch (Exception)
            {
                return false;
            }
        }

        /// <summary>Waits until <paramref name="condition"/> holds or <paramref name="timeout"/> passes.</summary>
        public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                if (condition())
                {
                    return true;
                }

                Thread.Sleep(20);
            }

            return condition();
        }

        public void Dispose()
        {
            lock (_pids)
            {
                foreach (var (pid, group, start) in _pids)
                {
                    if (group)
                    {
                        // A process group id is never reused while any member lives.
                        kill(-pid, 9);
                    }

                    // Kill by PID only while it is still the process we started (same start time).
                    if (start == null || StartTime(pid) != start)
                    {
                        continue;
                    }

                    kill(pid, 9);

                    // Reap it once SIGKILL has landed (a WNOHANG right after the signal usually comes
                    // too early and leaves a zombie); for a child of someone else, wait until it is gone.
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    while (clock.Elapsed < TimeSpan.FromSeconds(2))
                    {
                        var r = waitpid(pid, out _, 1);
                        if (r == pid || (r < 0 && !IsAlive(pid)))
                        {
                            break;
                        }

                        System.Threading.Thread.Sleep(2);
                    }
                }

                _pids.Clear();
            }
        }
    }
}
