using System;
using System.Collections.Generic;
using Worktrunk.Diagnostics;
using Worktrunk.Processes;

namespace Worktrunk.Tether
{
    /// <summary>
    /// Pure helpers that turn a program and an argument vector into what CreateProcessW needs,
    /// without a shell. Windows finds programs through PATH and PATHEXT, and runs .cmd/.bat files
    /// (npm.cmd, yarn.cmd) only through cmd.exe, whose quoting rules differ from every other
    /// program's; so batch files get only arguments cmd.exe cannot misread, and anything else is
    /// refused with a clear error (the "BatBadBut" class of injection).
    /// </summary>
    internal static class WindowsCommand
    {
        private static readonly char[] s_batchUnsafe = { '"', '%', '!', '&', '|', '<', '>', '^', '\r', '\n', '(', ')' };

        /// <summary>Finds the file to run: a name with a separator is a path; otherwise each PATH directory is tried; names without a PATHEXT extension get each extension in turn.</summary>
        internal static string? Resolve(string fileName, string? pathVariable, string? pathExt, string workingDirectory, Func<string, bool> exists)
        {
            var extensions = new List<string>();
            foreach (var e in (string.IsNullOrEmpty(pathExt) ? ".COM;.EXE;.BAT;.CMD" : pathExt!).Split(';'))
            {
                if (e.Trim().Length > 0)
                {
                    extensions.Add(e.Trim());
                }
            }

            IEnumerable<string> Candidates(string basePath)
            {
                if (HasExtension(basePath, extensions))
                {
                    yield return basePath;
                    yield break;
                }

                foreach (var e in extensions)
                {
                    yield return basePath + e;
                }

                yield return basePath;
            }

            if (fileName.IndexOf('\\') >= 0 || fileName.IndexOf('/') >= 0)
            {
                var full = IsRooted(fileName) ? fileName : Join(workingDirectory, fileName);
                foreach (var c in Candidates(full))
                {
                    if (exists(c))
                    {
                        return c;
                    }
                }

                return null;
            }

            foreach (var dir in (pathVariable ?? string.Empty).Split(';'))
            {
                if (dir.Trim().Length == 0)
                {
                    continue;
                }

                foreach (var c in Candidates(Join(dir.Trim().Trim('"'), fileName)))
                {
                    if (exists(c))
                    {
                        return c;
                    }
                }
            }

            return null;
        }

        /// <summary>
        /// The application name and command line for CreateProcessW. Executables get
        /// CommandLineToArgvW quoting. Batch files run as `cmd.exe /d /s /c "&lt;line&gt;"`; an argument
        /// holding a character cmd.exe would interpret (quotes, %, !, &amp;, |, &lt;, &gt;, ^, parentheses,
        /// newlines) is refused.
        /// </summary>
        internal static void Build(string resolvedPath, IReadOnlyList<string> arguments, string comSpec, out string applicationName, out string commandLine)
        {
            var ext = Extension(resolvedPath);
            var isBatch = string.Equals(ext, ".cmd", StringComparison.OrdinalIgnoreCase) || string.Equals(ext, ".bat", StringComparison.OrdinalIgnoreCase);
            var all = new List<string> { resolvedPath };
            all.AddRange(arguments);
            if (!isBatch)
            {
                applicationName = resolvedPath;
                commandLine = WindowsArguments.Join(all);
                return;
            }

            foreach (var a in all)
            {
                if (a.IndexOfAny(s_batchUnsafe) >= 0)
                {
                    throw new WorktrunkException(
                        ErrorIds.SpawnFailed,
                        ErrorKind.InvalidArgument,
                        $"Cannot pass {Printable.Quote(a)} to the batch file {Printable.Quote(resolvedPath)} safely: cmd.exe would interpret its special characters.",
                        resolvedPath,
                        "Run the program behind the batch file directly (for npm: node with npm-cli.js), or avoid \" % ! & | < > ^ ( ) in its arguments.");
                }
            }

            applicationName = comSpec;
            commandLine = "\"" + comSpec + "\" /d /s /c \"" + WindowsArguments.Join(all) + "\"";
        }

        /// <summary>Windows path rules, whatever platform this runs on (the logic is unit-tested on Linux).</summary>
        private static bool IsRooted(string path) =>
            path.StartsWith("\\", StringComparison.Ordinal) || path.StartsWith("/", StringComparison.Ordinal) ||
            (path.Length >= 2 && path[1] == ':' && char.IsLetter(path[0]));

        private static string Join(string directory, string name) =>
            directory.Length == 0 ? name : directory.TrimEnd('\\', '/') + "\\" + name;

        private static string Extension(string path)
        {
            var dot = path.LastIndexOf('.');
            var separator = path.LastIndexOfAny(new[] { '\\', '/' });
            return dot > separator ? path.Substring(dot) : string.Empty;
        }

        private static bool HasExtension(string path, List<string> extensions)
        {
            var ext = Extension(path);
            foreach (var e in extensions)
            {
                if (string.Equals(e, ext, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
