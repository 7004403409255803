// Contract: tears down a whole process group: SIGTERM to the group, a bounded wait that ends as
// soon as no live member remains, then SIGKILL to whatever is left.
// Data safety: it signals only a group id handed to it by the code that created that group
// (Worktrunk spawns its children as group leaders, so pgid == the child's PID). It refuses
// group ids 0 and 1 and its own process group, which would signal the caller or everything.
// Signal discipline: TERM first (followed by CONT, so a stopped member acts on it), KILL only
// after the grace period; the wait polls every 20 ms instead of sleeping a fixed interval, so a
// responsive group costs one poll, not 200 ms.
// Platform: Unix only (killpg). On Windows callers use a Job Object or taskkill instead.

using System;
using System.Diagnostics;
using System.Threading;
using Worktrunk.Interop;

namespace Worktrunk.Processes
{
    /// <summary>How a group teardown ended.</summary>
    internal enum GroupTeardownOutcome
    {
        /// <summary>No live member was left when teardown began.</summary>
        AlreadyEmpty,

        /// <summary>Every member exited after SIGTERM within the grace period.</summary>
        Terminated,

        /// <summary>Some member outlived the grace period and was sent SIGKILL.</summary>
        Killed,

        /// <summary>The group id was refused (0, 1 or our own group); nothing was signalled.</summary>
        Refused,
    }

    /// <summary>Group escalation (SIGTERM, bounded wait, SIGKILL) for groups Worktrunk created.</summary>
    internal static class ProcessGroups
    {
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

        /// <summary>
        /// SIGTERM the group, wait up to <paramref name="grace"/> for it to empty, then SIGKILL it.
        /// <paramref name="reapLeader"/>, when positive, is our own child that leads the group: it is
        /// reaped with waitpid while waiting so its zombie never keeps the group looking alive.
        /// </summary>
        internal static GroupTeardownOutcome Terminate(int pgid, TimeSpan grace, int reapLeader = 0)
        {
            if (pgid <= 1 || pgid == Libc.getpgid(0))
            {
                return GroupTeardownOutcome.Refused;
            }

            TryReap(reapLeader);
            if (!ProcessTable.IsGroupAlive(pgid))
            {
                return GroupTeardownOutcome.AlreadyEmpty;
            }

            Libc.killpg(pgid, Libc.SIGTERM);

            // A stopped member (SIGSTOP, or SIGTTIN in the background) acts on SIGTERM only once continued.
            Libc.killpg(pgid, Libc.SIGCONT);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < grace)
            {
                TryReap(reapLeader);
                if (!ProcessTable.IsGroupAlive(pgid))
                {
                    return GroupTeardownOutcome.Terminated;
                }

                Thread.Sleep(PollInterval);
            }

            TryReap(reapLeader);
            if (!ProcessTable.IsGroupAlive(pgid))
            {
                return GroupTeardownOutcome.Terminated;
            }

            Libc.killpg(pgid, Libc.SIGKILL);

            // SIGKILL cannot be ignored; give the kernel a moment so callers see an empty group.
            var killClock = Stopwatch.StartNew();
            while (killClock.Elapsed < TimeSpan.FromSeconds(1))
            {
                TryReap(reapLeader);
                if (!ProcessTable.IsGroupAlive(pgid))
                {
                    break;
                }

                Thread.Sleep(PollInterval);
            }

            return GroupTeardownOutcome.Killed;
        }

        private static void TryReap(int pid)
        {
            if (pid > 0)
            {
                Libc.waitpid(pid, out _, Libc.WNOHANG);
            }
        }
    }
}
