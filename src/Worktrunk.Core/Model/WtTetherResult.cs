using System;

namespace Worktrunk
{
    /// <summary>Why a tethered command ended.</summary>
    public enum WtTetherEndReason
    {
        /// <summary>The command exited on its own (successfully or not); the rest of its process group was then swept.</summary>
        Exited,

        /// <summary>The watched worktree disappeared, so the whole process tree was torn down (or the command had already ended because of it).</summary>
        WorktreeRemoved,

        /// <summary>The supervisor was stopped (Ctrl+C, a stopped pipeline, or a termination signal to a detached supervisor) and tore the tree down.</summary>
        Stopped,
    }

    /// <summary>
    /// How a command supervised by Start-WtTether ended (type name Worktrunk.WtTetherResult).
    /// Exactly one of <see cref="ExitCode"/> and <see cref="Signal"/> is set, unless the status
    /// could not be collected.
    /// </summary>
    public sealed class WtTetherResult
    {
        internal WtTetherResult(
            string commandLine,
            string worktree,
            int processId,
            int processGroupId,
            int? exitCode,
            int? signal,
            WtTetherEndReason reason,
            DateTimeOffset startTime,
            TimeSpan duration)
        {
            CommandLine = commandLine;
            Worktree = worktree;
            ProcessId = processId;
            ProcessGroupId = processGroupId;
            ExitCode = exitCode;
            Signal = signal;
            Reason = reason;
            StartTime = startTime;
            Duration = duration;
        }

        /// <summary>Gets the command as it was run (POSIX quoting, for people; it never went through a shell).</summary>
        public string CommandLine { get; }

        /// <summary>Gets the watched path: the worktree root holding the working directory, or the working directory itself outside a repository.</summary>
        public string Worktree { get; }

        /// <summary>Gets the process id of the command.</summary>
        public int ProcessId { get; }

        /// <summary>Gets the process group the command led (its process id on Unix; on Windows the Job Object held the tree and this is the command's process id).</summary>
        public int ProcessGroupId { get; }

        /// <summary>Gets the command's exit status, or null when a signal ended it or the status is unknown.</summary>
        public int? ExitCode { get; }

        /// <summary>Gets the number of the signal that ended the command (15 for SIGTERM, 9 for SIGKILL), or null when it exited.</summary>
        public int? Signal { get; }

        /// <summary>Gets the name of <see cref="Signal"/> (SIGTERM), or null.</summary>
        public string? SignalName => Signal.HasValue ? Tether.ExitStatus.SignalName(Signal.Value) : null;

        /// <summary>Gets why the command ended.</summary>
        public WtTetherEndReason Reason { get; }

        /// <summary>Gets when the command was started.</summary>
        public DateTimeOffset StartTime { get; }

        /// <summary>Gets how long the command ran, including the teardown of its tree.</summary>
        public TimeSpan Duration { get; }

        /// <summary>
        /// Gets a value indicating whether the command failed: it exited on its own with a non-zero
        /// status or was ended by a signal Worktrunk did not send. A teardown Worktrunk caused
        /// (the worktree was removed, or the supervisor was stopped) is not a failure.
        /// </summary>
        public bool Failed => Reason == WtTetherEndReason.Exited && (Signal.HasValue || (ExitCode.HasValue && ExitCode.Value != 0));

        /// <summary>Gets the value Start-WtTether puts in $LASTEXITCODE: the exit status, 128 + the signal number (the shell convention), or 0 after a teardown Worktrunk caused.</summary>
        public int LastExitCode => Tether.ExitStatus.LastExitCode(Reason, ExitCode, Signal);

        /// <inheritdoc/>
        public override string ToString() => CommandLine;
    }
}
