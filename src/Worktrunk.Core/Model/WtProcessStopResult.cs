using System;
using System.Globalization;

namespace Worktrunk
{
    /// <summary>How Remove-WtWorktree -StopProcess ended for one process of the worktree.</summary>
    public enum WtProcessStopOutcome
    {
        /// <summary>The process exited after SIGTERM within the deadline.</summary>
        Terminated,

        /// <summary>The process outlived the deadline and was ended with SIGKILL.</summary>
        Killed,

        /// <summary>The process had already exited (or its PID now names another process) before any signal; nothing was signalled.</summary>
        AlreadyGone,

        /// <summary>Still running after every signal (stuck in the kernel), or the stop was cancelled; the removal went on.</summary>
        Survived,

        /// <summary>The operating system refused the signal (another user's process), or its identity could not be proven; nothing was signalled.</summary>
        Denied,

        /// <summary>Left alone: the process has a controlling terminal (a shell, an editor); it was named in a warning.</summary>
        LeftRunning,
    }

    /// <summary>The outcome of stopping one process of a removed worktree (type name Worktrunk.WtProcessStopResult).</summary>
    public sealed class WtProcessStopResult
    {
        internal WtProcessStopResult(int id, string processName, string commandLine, string workingDirectory, bool hasTerminal, WtProcessStopOutcome outcome, TimeSpan elapsed, string message)
        {
            Id = id;
            ProcessName = processName;
            CommandLine = commandLine;
            WorkingDirectory = workingDirectory;
            HasTerminal = hasTerminal;
            Outcome = outcome;
            Elapsed = elapsed;
            Message = message;
        }

        /// <summary>Gets the process id.</summary>
        public int Id { get; }

        /// <summary>Gets the process's name.</summary>
        public string ProcessName { get; }

        /// <summary>Gets the process's command line as it was found.</summary>
        public string CommandLine { get; }

        /// <summary>Gets the working directory it had inside the worktree.</summary>
        public string WorkingDirectory { get; }

        /// <summary>Gets a value indicating whether it had a controlling terminal (then it was left running).</summary>
        public bool HasTerminal { get; }

        /// <summary>Gets how the stop ended.</summary>
        public WtProcessStopOutcome Outcome { get; }

        /// <summary>Gets a value indicating whether the process is gone now (Terminated, Killed or AlreadyGone).</summary>
        public bool Stopped => Outcome == WtProcessStopOutcome.Terminated || Outcome == WtProcessStopOutcome.Killed || Outcome == WtProcessStopOutcome.AlreadyGone;

        /// <summary>Gets how long after the start of the stop the outcome was settled.</summary>
        public TimeSpan Elapsed { get; }

        /// <summary>Gets a sentence describing what happened.</summary>
        public string Message { get; }

        /// <inheritdoc/>
        public override string ToString() => Id.ToString(CultureInfo.InvariantCulture) + " " + ProcessName + ": " + Outcome;
    }
}
