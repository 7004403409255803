using System.IO;

namespace Worktrunk.PowerShell.Internal
{
    /// <summary>
    /// Where a path given to find "its worktree" lives: a directory is itself; a file is the directory
    /// that holds its entry (the worktree holding a file is the one holding that directory). Read-only
    /// resolution: nothing is opened, moved or deleted through it.
    /// </summary>
    internal static class ContainingDirectory
    {
        /// <summary>The directory itself, a file's parent directory, or the path unchanged when it is neither (the caller reports it).</summary>
        internal static string Of(string path)
        {
            if (Directory.Exists(path) || !File.Exists(path))
            {
                return path;
            }

            return Path.GetDirectoryName(Path.GetFullPath(path)) ?? path;
        }
    }
}
