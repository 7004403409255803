using System;
using System.Collections.Generic;
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
    /// </summary>
    internal sealed class CachingFileSystemView : IFileSystemView
    {
        private readonly Dictionary<string, string> _canonical = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly Dictionary<string, bool> _isDir = new Dictionary<string, bool>(StringComparer.Ordinal);
        private readonly Dictionary<string, string?> _common = new Dictionary<string, string?>(StringComparer.Ordinal);

        public string Canonicalize(string path)
        {
            var full = PathUtil.TrimEnd(Path.GetFullPath(path));
            return CanonicalizeFull(full);
        }

        public bool DirectoryExists(string path)
        {
            if (!_isDir.TryGetValue(path, out var exists))
            {
                exists = Directory.Exists(path);
                _isDir[path] = exists;
            }

            return exists;
        }

        public string? CommonDirOf(string canonicalGitDir)
        {
            if (!_common.TryGetValue(canonicalGitDir, out var common))
            {
                common = null;
                if (RepositoryLocator.IsGitDir(canonicalGitDir))
                {
                    var file = Path.Combine(canonicalGitDir, "commondir");
                    string? rel = null;
                    try
                    {
                        rel = File.Exists(file) ? File.ReadAllText(file).Trim() : null;
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                    }

                    common = string.IsNullOrEmpty(rel) ? canonicalGitDir : Canonicalize(Path.Combine(canonicalGitDir, rel!));
                }

                _common[canonicalGitDir] = common;
            }

            return common;
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
                FileAttributes? attributes = null;
                try
                {
                    if (Directory.Exists(full) || File.Exists(full))
                    {
                        attributes = File.GetAttributes(full);
                    }
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                }

                if (attributes.HasValue && (attributes.Value & FileAttributes.ReparsePoint) != 0)
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
