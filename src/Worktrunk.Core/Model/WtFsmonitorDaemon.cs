using System;

namespace Worktrunk
{
    /// <summary>How Worktrunk classifies a running git fsmonitor daemon. Only the two Orphaned states are ever reaped.</summary>
    public enum WtDaemonState
    {
        /// <summary>Its socket is in the git dir of a live worktree (registered, not prunable, directory present). Never reaped implicitly.</summary>
        Live,

        /// <summary>The directory that held its socket no longer exists.</summary>
        OrphanedGitDirGone,

        /// <summary>Its git dir still exists under its repository's common dir but belongs to no live worktree (known only when `git worktree list` succeeded).</summary>
        OrphanedWorktreeRemoved,

        /// <summary>Anything that cannot be proven orphaned or live. Never reaped without -Force.</summary>
        Unknown,
    }

    /// <summary>A running `git fsmonitor--daemon run` process and what Worktrunk concluded about it (type name Worktrunk.WtFsmonitorDaemon).</summary>
    public sealed class WtFsmonitorDaemon
    {
        internal WtFsmonitorDaemon(
            int processId,
            ulong startTicks,
            DateTime? startTime,
            string? socketPath,
            string? gitDir,
            string? worktreePath,
            string? commonDir,
            WtDaemonState state,
            string reason,
            string commandLine,
            bool inRepository)
        {
            ProcessId = processId;
            StartTicks = startTicks;
            StartTime = startTime;
            SocketPath = socketPath;
            GitDir = gitDir;
            WorktreePath = worktreePath;
            CommonDir = commonDir;
            State = state;
            Reason = reason;
            CommandLine = commandLine;
            InRepository = inRepository;
        }

        /// <summary>Gets the daemon's process id.</summary>
        public int ProcessId { get; }

        /// <summary>Gets when the process started (local time), or null when the platform cannot tell.</summary>
        public DateTime? StartTime { get; }

        /// <summary>Gets the socket the daemon listens on, as the kernel or lsof reported it; just the file name when its directory is gone (macOS lsof).</summary>
        public string? SocketPath { get; }

        /// <summary>Gets the git directory holding the socket (canonical while it exists), or null when unknown.</summary>
        public string? GitDir { get; }

        /// <summary>Gets the worktree the git directory belongs to, when known.</summary>
        public string? WorktreePath { get; }

        /// <summary>Gets the common git directory of the daemon's repository, when known.</summary>
        public string? CommonDir { get; }

        /// <summary>Gets the classification.</summary>
        public WtDaemonState State { get; }

        /// <summary>Gets why the daemon was classified this way, in a sentence.</summary>
        public string Reason { get; }

        /// <summary>Gets a value indicating whether the daemon is provably orphaned (either Orphaned state).</summary>
        public bool IsOrphaned => State == WtDaemonState.OrphanedGitDirGone || State == WtDaemonState.OrphanedWorktreeRemoved;

        /// <summary>Gets the daemon's command line (its argument vector joined with spaces).</summary>
        public string CommandLine { get; }

        /// <summary>Gets the platform start-time stamp captured at discovery; with the PID, the process's identity.</summary>
        internal ulong StartTicks { get; }

        /// <summary>Gets a value indicating whether the daemon belongs to the repository it was listed for.</summary>
        internal bool InRepository { get; }

        /// <inheritdoc/>
        public override string ToString() => "PID " + ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + " (" + (SocketPath ?? "no socket") + ")";
    }
}
