using System;
using System.IO;
using Worktrunk.Diagnostics;
using Worktrunk.IO;

namespace Worktrunk.Git
{
    /// <summary>
    /// Finds the repository holding a directory. It walks up the way git does (a `.git`
    /// directory, a `.git` file naming a linked worktree's git dir, or a bare repository),
    /// reading files instead of spawning git, so Get-WtWorktree costs one git call. When that walk
    /// finds nothing it asks git itself before saying "not a repository".
    /// </summary>
    internal static class RepositoryLocator
    {
        /// <summary>Locates the repository for an existing directory; throws NotARepository or PathNotFound.</summary>
        internal static RepositoryLocation Locate(string directory, GitRunner git)
        {
            if (!Directory.Exists(directory))
            {
                throw new WorktrunkException(ErrorIds.PathNotFound, ErrorKind.ObjectNotFound, $"Cannot find directory '{directory}'.", directory);
            }

            var start = PathUtil.Canonicalize(directory);
            return Walk(start) ?? AskGit(start, git);
        }

        /// <summary>The in-process walk; null when no repository shape is found.</summary>
        internal static RepositoryLocation? Walk(string start)
        {
            for (var dir = start; !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir)!)
            {
                var dotGit = Path.Combine(dir, ".git");
                if (Directory.Exists(dotGit) && IsGitDir(dotGit))
                {
                    var gitDir = PathUtil.Canonicalize(dotGit);
                    return new RepositoryLocation(CommonDirOf(gitDir), gitDir, dir, dir);
                }

                if (File.Exists(dotGit))
                {
                    var target = ReadGitFile(dotGit, dir);
                    if (target != null && Directory.Exists(target) && IsGitDir(target))
                    {
                        var gitDir = PathUtil.Canonicalize(target);
                        return new RepositoryLocation(CommonDirOf(gitDir), gitDir, dir, dir);
                    }

                    return null;
                }

                if (IsGitDir(dir))
                {
                    // A bare repository, or the inside of a git directory.
                    return new RepositoryLocation(CommonDirOf(dir), dir, null, dir);
                }
            }

            return null;
        }

        /// <summary>A git directory has HEAD and either objects/ and refs/ (a common dir) or a commondir file (a linked worktree's git dir).</summary>
        internal static bool IsGitDir(string dir)
        {
            if (!File.Exists(Path.Combine(dir, "HEAD")))
            {
                return false;
            }

            return File.Exists(Path.Combine(dir, "commondir")) ||
                (Directory.Exists(Path.Combine(dir, "objects")) && Directory.Exists(Path.Combine(dir, "refs")));
        }

        /// <summary>Reads the `gitdir: &lt;path&gt;` line of a `.git` file; relative paths resolve against the file's directory.</summary>
        internal static string? ReadGitFile(string file, string baseDir)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }

            const string Prefix = "gitdir:";
            text = text.Trim();
            if (!text.StartsWith(Prefix, StringComparison.Ordinal))
            {
                return null;
            }

            var path = text.Substring(Prefix.Length).Trim();
            return path.Length == 0 ? null : Path.GetFullPath(Path.Combine(baseDir, path));
        }

        /// <summary>The common dir of a git dir: its `commondir` file when present (linked worktree), else itself.</summary>
        internal static string CommonDirOf(string gitDir)
        {
            var file = Path.Combine(gitDir, "commondir");
            if (File.Exists(file))
            {
                try
                {
                    var rel = File.ReadAllText(file).Trim();
                    if (rel.Length > 0)
                    {
                        return PathUtil.Canonicalize(Path.Combine(gitDir, rel));
                    }
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                }
            }

            return PathUtil.Canonicalize(gitDir);
        }

        private static RepositoryLocation AskGit(string start, GitRunner git)
        {
            var result = git.Run(start, GitAccess.ReadOnly, new[] { "rev-parse", "--path-format=absolute", "--git-common-dir", "--absolute-git-dir", "--is-bare-repository" });
            if (!result.Succeeded)
            {
                var detail = result.Stderr.Trim();
                throw new WorktrunkException(
                    ErrorIds.NotARepository,
                    ErrorKind.ObjectNotFound,
                    $"'{start}' is not inside a git repository." + (detail.Length > 0 ? " git says: " + detail : string.Empty),
                    start,
                    "Pass -Repository with a path inside a repository, or Set-Location into one.");
            }

            var lines = result.Stdout.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length < 3)
            {
                throw new WorktrunkException(ErrorIds.GitOutputUnreadable, ErrorKind.ReadError, $"Unexpected output from {result.CommandLine}: {result.Stdout}", start);
            }

            var common = PathUtil.Canonicalize(lines[0]);
            var gitDir = PathUtil.Canonicalize(lines[1]);
            var bare = lines[2].Trim() == "true";
            var top = bare ? null : git.Run(start, GitAccess.ReadOnly, new[] { "rev-parse", "--show-toplevel" });
            var root = top != null && top.Succeeded ? PathUtil.Canonicalize(top.Stdout.Trim()) : null;
            return new RepositoryLocation(common, gitDir, root, start);
        }
    }
}
