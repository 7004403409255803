using System;
using System.Collections.Concurrent;
using System.IO;
using Worktrunk.Git;
using Worktrunk.IO;

namespace Worktrunk.Daemons
{
    /// <summary>
    /// The filesystem facts classification needs. Production uses <see cref="RealFileSystemView"/>;
    /// property tests supply a model filesystem (directories and symlinks) so the one
    /// classification function can be checked exhaustively without touching disk.
    /// </summary>
    internal interface IFileSystemView
    {
        /// <summary>Canonical form (symlinks resolved for the longest existing ancestor, the rest lexical), as <see cref="PathUtil.Canonicalize"/>.</summary>
        string Canonicalize(string path);

        /// <summary>True when a directory exists at the path (following symlinks).</summary>
        bool DirectoryExists(string path);

        /// <summary>The canonical common dir of a canonical git dir, or null when the directory is not a git dir.</summary>
        string? CommonDirOf(string canonicalGitDir);
    }

    /// <summary>The real filesystem.</summary>
    internal sealed class RealFileSystemView : IFileSystemView
    {
        internal static readonly RealFileSystemView Instance = new RealFileSystemView();

        private RealFileSystemView()
        {
        }

        public string Canonicalize(string path) => PathUtil.Canonicalize(path);

        public bool DirectoryExists(string path) => Directory.Exists(path);

        public string? CommonDirOf(string canonicalGitDir) =>
            RepositoryLocator.IsGitDir(canonicalGitDir) ? RepositoryLocator.CommonDirOf(canonicalGitDir) : null;
    }

    /// <summary>
    /// Memoizes the real filesystem for one classification pass (milliseconds long), so 100
    /// daemons in one repository share the work of resolving their common parents. Canonicalize
    /// keeps PathUtil's semantics: an entry that is not a symlink is its canonical parent plus its
    /// name; a symlink is resolved with realpath; a missing entry keeps its name lexically.
    /// Safe to share between threads (DaemonInventory classifies on two): two threads asking for
    /// the same entry at once may both look at it, and either answer is kept.
    /// </summary>
    internal sealed class CachingFileSystemView : IFileSystemView
    {
        private readonly ConcurrentDictionary<string, string> _canonical = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, bool> _isDir = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, string?> _common = new ConcurrentDictionary<string, string?>(StringComparer.Ordinal);

        [ThreadStatic]
        private static byte[]? t_buffer;

        public string Canonicalize(string path)
        {
            var full = PathUtil.TrimEnd(Path.GetFullPath(path));
            return CanonicalizeFull(full);
        }

        public bool DirectoryExists(string path)
        {
            // Canonicalizing looks at the entry once and remembers whether it is a directory.
            var full = PathUtil.TrimEnd(Path.GetFullPath(path));
            CanonicalizeFull(full);
            if (!_isDir.TryGetValue(full, out var exists))
            {
                exists = Directory.Exists(full);
                _isDir[full] = exists;
            }

            return exists;
        }

        public string? CommonDirOf(string canonicalGitDir)
        {
            if (!_common.TryGetValue(canonicalGitDir, out var common))
            {
                common = Interop.Platform.IsWindows ? RealFileSystemView.Instance.CommonDirOf(canonicalGitDir) : ReadCommonDir(canonicalGitDir);
                _common[canonicalGitDir] = common;
            }

            return common;
        }

        /// <summary>RepositoryLocator's rule (HEAD plus commondir, or HEAD plus objects and refs) with one read for a linked worktree's git dir.</summary>
        private string? ReadCommonDir(string gitDir)
        {
            var buffer = t_buffer ??= new byte[4096];
            var n = FileBytes.TryReadFile(Path.Combine(gitDir, "commondir"), buffer);
            if (n >= 0)
            {
                if (!File.Exists(Path.Combine(gitDir, "HEAD")))
                {
                    return null;
                }

                var rel = System.Text.Encoding.UTF8.GetString(buffer, 0, n).Trim();
                return rel.Length == 0 ? Canonicalize(gitDir) : Canonicalize(Path.Combine(gitDir, rel));
            }

            return File.Exists(Path.Combine(gitDir, "HEAD")) && Directory.Exists(Path.Combine(gitDir, "objects")) && Directory.Exists(Path.Combine(gitDir, "refs"))
                ? Canonicalize(gitDir)
                : null;
        }

        private string CanonicalizeFull(string full)
        {
            if (_canonical.TryGetValue(full, out var cached))
            {
                return cached;
            }

            string result;
            var parent = Path.GetDirectoryName(full);
            if (string.IsNullOrEmpty(parent) || Interop.Platform.IsWindows)
            {
                result = PathUtil.Canonicalize(full);
            }
            else
            {
                var name = Path.GetFileName(full);
                var canonicalParent = CanonicalizeFull(parent!);

                // One lstat (plus a stat for a symlink): whether it is a symlink, and whether it is a directory.
                var info = new DirectoryInfo(full);
                var attributes = info.Attributes;
                _isDir[full] = info.Exists;
                if ((int)attributes != -1 && (attributes & FileAttributes.ReparsePoint) != 0)
                {
                    result = PathUtil.Canonicalize(full);
                }
                else
                {
                    result = canonicalParent == "/" ? "/" + name : canonicalParent + "/" + name;
                }
            }

            _canonical[full] = result;
            return result;
        }
    }
}
