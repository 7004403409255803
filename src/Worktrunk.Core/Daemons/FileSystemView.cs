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
}
