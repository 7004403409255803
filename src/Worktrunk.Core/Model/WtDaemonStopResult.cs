using System;

namespace Worktrunk
{
    /// <summary>How an attempt to stop one fsmonitor daemon ended.</summary>
    public enum WtDaemonStopOutcome
    {
        /// <summary>The daemon exited after SIGTERM within the deadline.</summary>
        Terminated,

        /// <summary>The daemon outlived the deadline and was ended with SIGKILL.</summary>
        Killed,

        /// <summary>The process had already exited (or its PID now names another process) before any signal; nothing was signalled.</summary>
        AlreadyGone,

        /// <summary>The daemon is still running after every signal (for example stuck in the kernel), or the stop was cancelled.</summary>
        Survived,

        /// <summary>The operating system refused the signal (the daemon belongs to another user), or the process could not be attributed.</summary>
        Denied,

        /// <summary>The daemon exited after git's own IPC stop (`git fsmonitor--daemon stop`); no signal was sent.</summary>
        StoppedByIpc,
    }

    /// <summary>The outcome of stopping one fsmonitor daemon (type name Worktrunk.WtDaemonStopResult).</summary>
    public sealed class WtDaemonStopResult
    {
        internal WtDaemonStopResult(int processId, string? socketPath, string? gitDir, WtDaemonState state, WtDaemonStopOutcome outcome, TimeSpan elapsed, string message)
        {
            ProcessId = processId;
            SocketPath = socketPath;
            GitDir = gitDir;
            State = state;
            Outcome = outcome;
            Elapsed = elapsed;
            Message = message;
        }

        /// <summary>Gets the daemon's process id.</summary>
        public int ProcessId { get; }

        /// <summary>Gets the socket the daemon listened on.</summary>
        public string? SocketPath { get; }

        /// <summary>Gets the git directory holding the socket, when known.</summary>
        public string? GitDir { get; }

        /// <summary>Gets the daemon's classification as it was found, before the stop (not Live when its worktree's directory was already gone).</summary>
        public WtDaemonState State { get; }

        /// <summary>Gets how the stop ended.</summary>
        public WtDaemonStopOutcome Outcome { get; }

        /// <summary>Gets a value indicating whether the daemon is gone now (StoppedByIpc, Terminated, Killed or AlreadyGone).</summary>
        public bool Stopped => Outcome == WtDaemonStopOutcome.StoppedByIpc || Outcome == WtDaemonStopOutcome.Terminated || Outcome == WtDaemonStopOutcome.Killed || Outcome == WtDaemonStopOutcome.AlreadyGone;

        /// <summary>Gets how long the stop took.</summary>
        public TimeSpan Elapsed { get; }

        /// <summary>Gets a sentence describing what happened.</summary>
        public string Message { get; }

        /// <inheritdoc/>
        public override string ToString() => "PID " + ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ": " + Outcome;
    }
}
