// Contract: the checks a tethered command passes before anything is started. A C argv and a C
// path end at the first NUL, so a NUL in the program, an argument or the working directory
// would silently run something other than what was asked (`rm` with "-rf\0/keep" gets "-rf"):
// it is refused with InvalidPath (program, working directory) or InvalidCommandArgument (an
// argument), naming the position, and nothing starts. A program that names a directory is
// refused with CommandIsDirectory instead of the misleading "cannot find it on PATH".
// Pure apart from one Directory.Exists; used by Start-WtTether before -WhatIf or -Detach, and by
// TetherSupervisor.Start (so a detached supervisor checks again).

using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Worktrunk.Diagnostics;

namespace Worktrunk.Tether
{
    /// <summary>Validation of what a tether is asked to run.</summary>
    internal static class TetherInput
    {
        /// <summary>Throws WorktrunkException when <paramref name="spec"/> cannot be run as given; returns otherwise.</summary>
        internal static void Check(TetherSpec spec)
        {
            CheckText(spec.FileName, spec.Arguments);
            CheckProgram(spec.FileName, spec.WorkingDirectory);
            if (spec.WorkingDirectory.IndexOf('\0') >= 0)
            {
                throw new WorktrunkException(ErrorIds.InvalidPath, ErrorKind.InvalidArgument, $"The working directory {Printable.Quote(spec.WorkingDirectory)} contains a NUL character, which no path can contain.", spec.WorkingDirectory);
            }
        }

        /// <summary>Pure: no NUL in the program (InvalidPath) or in an argument (InvalidCommandArgument).</summary>
        internal static void CheckText(string fileName, IReadOnlyList<string> arguments)
        {
            if (fileName.IndexOf('\0') >= 0)
            {
                throw new WorktrunkException(
                    ErrorIds.InvalidPath,
                    ErrorKind.InvalidArgument,
                    $"The program {Printable.Quote(fileName)} contains a NUL character, which no path or program name can contain; nothing was started.",
                    fileName);
            }

            CheckArguments(arguments);
        }

        /// <summary>The program is not a directory (resolved against <paramref name="workingDirectory"/> when relative).</summary>
        internal static void CheckProgram(string fileName, string workingDirectory)
        {
            var directory = DirectoryNamed(fileName, workingDirectory);
            if (directory != null)
            {
                throw new WorktrunkException(
                    ErrorIds.CommandIsDirectory,
                    ErrorKind.InvalidArgument,
                    $"The program {Printable.Quote(fileName)} is a directory ({Printable.Quote(directory)}), not something that can be run; nothing was started.",
                    fileName,
                    "Name the program to run: Start-WtTether -FilePath <program> -WorkingDirectory <directory>, or Start-WtTether -WorkingDirectory <directory> -- <program> <arguments>.");
            }
        }

        /// <summary>No argument holds a NUL.</summary>
        internal static void CheckArguments(IReadOnlyList<string> arguments)
        {
            for (var i = 0; i < arguments.Count; i++)
            {
                if (arguments[i].IndexOf('\0') >= 0)
                {
                    throw new WorktrunkException(
                        ErrorIds.InvalidCommandArgument,
                        ErrorKind.InvalidArgument,
                        $"Argument {(i + 1).ToString(CultureInfo.InvariantCulture)} ({Printable.Quote(arguments[i])}) contains a NUL character; a program's arguments cannot carry one (it would be cut there), so nothing was started.",
                        arguments[i]);
                }
            }
        }

        /// <summary>
        /// The directory <paramref name="fileName"/> names, or null. A name with a directory
        /// separator is a path (relative to <paramref name="workingDirectory"/>); a bare name is
        /// looked up on PATH, never in the working directory, so it names a directory only when
        /// a directory of that name stands in the working directory (the likely mistake).
        /// </summary>
        internal static string? DirectoryNamed(string fileName, string workingDirectory)
        {
            string full;
            try
            {
                full = Path.GetFullPath(Path.IsPathRooted(fileName) ? fileName : Path.Combine(workingDirectory, fileName));
            }
            catch (System.ArgumentException)
            {
                return null;
            }

            var hasSeparator = fileName.IndexOf('/') >= 0 || fileName.IndexOf(Path.DirectorySeparatorChar) >= 0;
            if (!Directory.Exists(full))
            {
                return null;
            }

            if (hasSeparator)
            {
                return full;
            }

            // A bare name: only when nothing on PATH runs by that name.
            return Processes.ExecutableLocator.Resolve(fileName, System.Environment.GetEnvironmentVariable("PATH"), workingDirectory) == null ? full : null;
        }
    }
}
