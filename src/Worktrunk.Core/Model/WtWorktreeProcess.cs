using System;
using System.Globalization;
using Worktrunk.Daemons;

namespace Worktrunk
{
    /// <summary>
    /// A process whose working directory is inside a worktree, as Get-WtWorktreeProcess emits it
    /// (type name Worktrunk.WtWorktreeProcess). <see cref="Id"/> binds to Stop-Process -Id by
    /// property name.
    /// </summary>
    public sealed class WtWorktreeProcess
    {
        internal WtWorktreeProcess(
            int id,
            string processName,
            string commandLine,
            string workingDirectory,
            bool workingDirectoryDeleted,
            DateTime? startTime,
            bool hasTerminal,
            string worktree,
            int parentId,
            ulong startTicks,
            bool hasIdentity)
        {
            Id = id;
            ProcessName = processName;
            CommandLine = commandLine;
            WorkingDirectory = workingDirectory;
            WorkingDirectoryDeleted = workingDirectoryDeleted;
            StartTime = startTime;
            HasTerminal = hasTerminal;
            Worktree = worktree;
            ParentId = parentId;
            StartTicks = startTicks;
            HasIdentity = hasIdentity;
        }

        /// <summary>Gets the process id (binds to Stop-Process -Id by property name).</summary>
        public int Id { get; }

        /// <summary>Gets the process's name (the kernel's command name; the file name of argv[0] when the kernel cut it at 15 characters).</summary>
        public string ProcessName { get; }

        /// <summary>Gets the argument vector as one line (POSIX quoting, for reading; never run by a shell); empty when it cannot be read.</summary>
        public string CommandLine { get; }

        /// <summary>Gets the process's working directory; for a directory deleted since, the path it had (see WorkingDirectoryDeleted).</summary>
        public string WorkingDirectory { get; }

        /// <summary>Gets a value indicating whether the working directory was deleted while the process stayed in it (Linux shows it as "&lt;path&gt; (deleted)"); such a process counts as inside when the path it had was.</summary>
        public bool WorkingDirectoryDeleted { get; }

        /// <summary>Gets when the process started (local time), or null when it cannot be told.</summary>
        public DateTime? StartTime { get; }

        /// <summary>Gets a value indicating whether the process has a controlling terminal (a shell, an editor): Remove-WtWorktree -StopProcess leaves such a process alone.</summary>
        public bool HasTerminal { get; }

        /// <summary>Gets the root of the worktree the working directory is in (canonical).</summary>
        public string Worktree { get; }

        /// <summary>Gets the parent process id, or 0 when unknown.</summary>
        public int ParentId { get; }

        /// <summary>The start-time stamp captured with the process (ProcessIdentity units); meaningful only when <see cref="HasIdentity"/>.</summary>
        internal ulong StartTicks { get; }

        internal bool HasIdentity { get; }

        /// <summary>The PID plus start time captured at discovery, re-checked before any signal; null when the platform could not tell the start time (never signalled then).</summary>
        internal ProcessIdentity? Identity => HasIdentity ? new ProcessIdentity(Id, StartTicks) : (ProcessIdentity?)null;

        /// <inheritdoc/>
        public override string ToString() => Id.ToString(CultureInfo.InvariantCulture) + " " + ProcessName;
    }
}
