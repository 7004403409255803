using System.IO;
using Worktrunk.Interop;

namespace Worktrunk.Processes
{
    /// <summary>Finds a program the way a shell would: a name with a separator is a path, otherwise PATH is searched.</summary>
    internal static class ExecutableLocator
    {
        /// <summary>The full path to run, or null when nothing executable matches.</summary>
        internal static string? Resolve(string fileName, string? pathVariable, string? workingDirectory)
        {
            if (fileName.IndexOf('/') >= 0 || (Platform.IsWindows && fileName.IndexOf('\\') >= 0))
            {
                var full = Path.IsPathRooted(fileName) ? fileName : Path.GetFullPath(Path.Combine(workingDirectory ?? Directory.GetCurrentDirectory(), fileName));
                return File.Exists(full) ? full : null;
            }

            foreach (var dir in (pathVariable ?? string.Empty).Split(Path.PathSeparator))
            {
                if (dir.Length == 0)
                {
                    continue;
                }

                var candidate = Path.Combine(dir, fileName);
                if (File.Exists(candidate))
                {
                    return candidate;
                }

                if (Platform.IsWindows && File.Exists(candidate + ".exe"))
                {
                    return candidate + ".exe";
                }
            }

            return null;
        }
    }
}
