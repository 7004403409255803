using System;
using System.Collections.Generic;

namespace Worktrunk.Processes
{
    /// <summary>Everything needed to start one child process. Arguments are an array, never a shell string.</summary>
    internal sealed class SpawnOptions
    {
        internal SpawnOptions(string fileName, IReadOnlyList<string> arguments)
        {
            FileName = fileName ?? throw new ArgumentNullException(nameof(fileName));
            Arguments = arguments ?? throw new ArgumentNullException(nameof(arguments));
        }

        /// <summary>Program name (looked up on PATH) or a path.</summary>
        internal string FileName { get; }

        internal IReadOnlyList<string> Arguments { get; }

        /// <summary>argv[0] as the child sees it; defaults to <see cref="FileName"/>.</summary>
        internal string? Argv0 { get; set; }

        /// <summary>The child's working directory; null inherits the caller's.</summary>
        internal string? WorkingDirectory { get; set; }

        /// <summary>
        /// When zero or more, the child's working directory is this open directory descriptor of
        /// ours (posix_spawn fchdir action; the caller keeps and closes it), and
        /// <see cref="WorkingDirectory"/> is ignored. Nothing is resolved by path, so a directory
        /// reached without following symlinks stays the one the child runs in.
        /// </summary>
        internal int WorkingDirectoryDescriptor { get; set; } = -1;

        /// <summary>Environment changes: a null value removes the variable.</summary>
        internal IDictionary<string, string?> Environment { get; } = new Dictionary<string, string?>(StringComparer.Ordinal);

        /// <summary>Start the child as the leader of a new process group (pgid = its PID).</summary>
        internal bool NewProcessGroup { get; set; } = true;

        /// <summary>Start the child in a new session (implies a new group; immune to the terminal's hang-up).</summary>
        internal bool NewSession { get; set; }

        internal StdioMode Stdin { get; set; } = StdioMode.Null;

        /// <summary>
        /// When zero or more, the child's stdin is a copy of this descriptor of ours (which stays
        /// open here; the caller closes it) and <see cref="Stdin"/> is ignored. Used for the read
        /// end of a pipe, such as the tether guardian's.
        /// </summary>
        internal int StdinDescriptor { get; set; } = -1;

        /// <summary>
        /// When set, the child reads these bytes on stdin and then end-of-file (<see cref="Stdin"/>
        /// and <see cref="StdinDescriptor"/> are ignored). Written whole before the child starts, so
        /// it is limited to <see cref="MaxStdinBytes"/> (a pipe buffer holds at least that much on
        /// Linux and macOS). Used for `git update-ref --stdin` transactions.
        /// </summary>
        internal byte[]? StdinBytes { get; set; }

        /// <summary>How -Verbose shows <see cref="StdinBytes"/> after the command line (null: not shown).</summary>
        internal string? StdinDisplay { get; set; }

        /// <summary>The most <see cref="StdinBytes"/> may hold.</summary>
        internal const int MaxStdinBytes = 4096;

        internal StdioMode Stdout { get; set; } = StdioMode.Pipe;

        internal StdioMode Stderr { get; set; } = StdioMode.Pipe;

        /// <summary>
        /// When zero or more, the child's stdout and stderr are copies of this descriptor of ours (a
        /// log file the caller opened safely and closes), and <see cref="Stdout"/>/<see cref="Stderr"/> are ignored.
        /// </summary>
        internal int OutputDescriptor { get; set; } = -1;

        /// <summary>The file that <see cref="StdioMode.LogFile"/> streams append to.</summary>
        internal string? LogFile { get; set; }

        /// <summary>The command line as a person would type it, for -Verbose and error messages.</summary>
        internal string Display => CommandLine.Format(FileName, Arguments);
    }
}
