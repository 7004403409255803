using System;

namespace Worktrunk
{
    /// <summary>
    /// A detached tether started by Start-WtTether -Detach (type name Worktrunk.WtTether): a
    /// supervisor process, in its own session, that keeps the teardown rules for the command's
    /// process tree after the PowerShell session that started it has gone.
    /// </summary>
    public sealed class WtTether
    {
        internal WtTether(int supervisorId, int processId, int processGroupId, string commandLine, string worktree, string logPath, DateTimeOffset startTime)
        {
            SupervisorId = supervisorId;
            ProcessId = processId;
            ProcessGroupId = processGroupId;
            CommandLine = commandLine;
            Worktree = worktree;
            LogPath = logPath;
            StartTime = startTime;
        }

        /// <summary>Gets the process id of the supervisor (a PowerShell host running the same module). Stopping it with SIGTERM, or killing it outright, tears the tree down.</summary>
        public int SupervisorId { get; }

        /// <summary>Gets the process id of the command.</summary>
        public int ProcessId { get; }

        /// <summary>Gets the process group the command leads (its process id on Unix).</summary>
        public int ProcessGroupId { get; }

        /// <summary>Gets the command as it is run (POSIX quoting, for people; it never went through a shell).</summary>
        public string CommandLine { get; }

        /// <summary>Gets the watched path: when it disappears, the tree is torn down.</summary>
        public string Worktree { get; }

        /// <summary>Gets the log receiving the command's output and the supervisor's own lines.</summary>
        public string LogPath { get; }

        /// <summary>Gets when the command was started.</summary>
        public DateTimeOffset StartTime { get; }

        /// <inheritdoc/>
        public override string ToString() => CommandLine;
    }
}
