using System;

namespace Worktrunk.HelpGen
{
    /// <summary>A help page that does not follow the schema; carries the file and 1-based line.</summary>
    internal sealed class HelpFormatException : Exception
    {
        internal HelpFormatException(string file, int line, string message)
            : base(message)
        {
            File = file;
            Line = line;
        }

        internal string File { get; }

        internal int Line { get; }

        /// <summary>The canonical form MSBuild turns into a build error: `file(line,1): error WTHELP: message`.</summary>
        internal string ToMSBuildError() => $"{File}({Line},1): error WTHELP: {Message}";
    }
}
