namespace Worktrunk.Diagnostics
{
    /// <summary>Error ids of the fsmonitor daemon cmdlets (Get-WtOrphanDaemon, Stop-WtDaemon, Invoke-WtFsmonitorSweep).</summary>
    internal static partial class ErrorIds
    {
        /// <summary>Stop-WtDaemon without -Force on a daemon whose socket is in a live worktree's git dir.</summary>
        internal const string DaemonServesLiveWorktree = nameof(DaemonServesLiveWorktree);

        /// <summary>Stop-WtDaemon without -Force on a daemon that cannot be proven orphaned (state Unknown).</summary>
        internal const string DaemonNotProvablyOrphaned = nameof(DaemonNotProvablyOrphaned);

        /// <summary>The PID is not (or no longer) a git fsmonitor daemon holding a socket.</summary>
        internal const string DaemonNotFound = nameof(DaemonNotFound);

        /// <summary>The daemon could not be stopped: the signal was denied, or it survived SIGKILL.</summary>
        internal const string DaemonStopFailed = nameof(DaemonStopFailed);

        /// <summary>Windows: the daemon's process could not be attributed to its pipe, so it was not force-killed.</summary>
        internal const string DaemonNotAttributable = nameof(DaemonNotAttributable);
    }
}
