using System;
using Worktrunk.Daemons;
using Worktrunk.Git;

namespace Worktrunk.Removal
{
    /// <summary>
    /// The removal's only calls into the fsmonitor daemon layer (Daemons/): stopping the daemon of
    /// the worktree being removed, before its directory moves (the orphan sweep after all output is
    /// RemovalSweep → Operations/RepositorySweep). Bounded and best effort: never throws, never fails a removal.
    /// </summary>
    internal static class RemovalDaemons
    {
        /// <summary>How long a daemon that ignores SIGTERM gets before SIGKILL (after git's 2 s IPC stop).</summary>
        internal static readonly TimeSpan EscalationDeadline = TimeSpan.FromMilliseconds(1500);

        /// <summary>
        /// Stops the daemon serving this worktree (DaemonStopper.StopForWorktree): nothing at all
        /// when nothing listens on &lt;gitDir&gt;/fsmonitor--daemon.ipc; otherwise git's IPC stop
        /// (2 s, skipped for a SIGSTOPped daemon), then identity-checked SIGTERM + SIGCONT → 1.5 s →
        /// SIGKILL of exactly the processes holding that socket. Null when no daemon held it.
        /// </summary>
        internal static WtDaemonStopResult? Stop(string worktreePath, string gitDir, GitRunner git)
        {
            if (string.IsNullOrEmpty(gitDir))
            {
                return null;
            }

            return DaemonStopper.StopForWorktree(worktreePath, gitDir, git, EscalationDeadline);
        }
    }
}
