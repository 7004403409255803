using System;

namespace Worktrunk.Processes
{
    /// <summary>How a captured command ended.</summary>
    internal sealed class CommandResult
    {
        internal CommandResult(string commandLine, int exitCode, int signal, string stdout, string stderr, TimeSpan elapsed)
        {
            CommandLine = commandLine;
            ExitCode = exitCode;
            Signal = signal;
            Stdout = stdout;
            Stderr = stderr;
            Elapsed = elapsed;
        }

        internal string CommandLine { get; }

        /// <summary>The exit status; -1 when the command died from a signal.</summary>
        internal int ExitCode { get; }

        /// <summary>The signal that ended the command, or 0.</summary>
        internal int Signal { get; }

        internal string Stdout { get; }

        internal string Stderr { get; }

        internal TimeSpan Elapsed { get; }

        internal bool Succeeded => ExitCode == 0;
    }
}
