using System;
using System.Collections.Generic;
using System.Linq;
using Worktrunk.Daemons;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>
    /// An in-memory filesystem of directories and symlinks with git-dir facts, for driving the pure
    /// classification function. Canonicalize has PathUtil's semantics: symlinks resolved for the
    /// longest existing prefix, the rest appended lexically.
    /// </summary>
    internal sealed class ModelFileSystem : IFileSystemView
    {
        private readonly HashSet<string> _dirs = new HashSet<string>(StringComparer.Ordinal) { "/" };
        private readonly Dictionary<string, string> _links = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _gitDirs = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>Creates a directory and its parents.</summary>
        internal void Mkdir(string path)
        {
            var cur = string.Empty;
            foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                cur += "/" + part;
                _dirs.Add(cur);
            }
        }

        internal void Symlink(string link, string target) => _links[link] = target;

        internal void RemoveLink(string link) => _links.Remove(link);

        /// <summary>Deletes a directory tree (and git-dir facts under it).</summary>
        internal void RemoveTree(string path)
        {
            _dirs.RemoveWhere(d => d == path || d.StartsWith(path + "/", StringComparison.Ordinal));
            foreach (var g in _gitDirs.Keys.Where(g => g == path || g.StartsWith(path + "/", StringComparison.Ordinal)).ToList())
            {
                _gitDirs.Remove(g);
            }
        }

        /// <summary>Declares an existing directory a git dir of <paramref name="commonDir"/> (real paths).</summary>
        internal void GitDir(string gitDir, string commonDir)
        {
            Mkdir(gitDir);
            _gitDirs[gitDir] = commonDir;
        }

        public string Canonicalize(string path)
        {
            var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (var n = parts.Length; n >= 0; n--)
            {
                var prefix = "/" + string.Join("/", parts.Take(n));
                var real = Resolve(prefix, 0);
                if (real != null)
                {
                    var rest = parts.Skip(n).ToArray();
                    return rest.Length == 0 ? real : (real == "/" ? string.Empty : real) + "/" + string.Join("/", rest);
                }
            }

            return path;
        }

        public bool DirectoryExists(string path) => Resolve(path, 0) != null;

        public string? CommonDirOf(string canonicalGitDir) => _gitDirs.TryGetValue(canonicalGitDir, out var c) ? c : null;

        /// <summary>The real path of an existing directory, or null.</summary>
        private string? Resolve(string path, int depth)
        {
            if (depth > 20)
            {
                return null;
            }

            var cur = "/";
            var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i < parts.Length; i++)
            {
                var next = (cur == "/" ? string.Empty : cur) + "/" + parts[i];
                if (_links.TryGetValue(next, out var target))
                {
                    var resolved = Resolve(target, depth + 1);
                    if (resolved == null)
                    {
                        return null;
                    }

                    cur = resolved;
                }
                else if (_dirs.Contains(next))
                {
                    cur = next;
                }
                else
                {
                    return null;
                }
            }

            return cur;
        }
    }

    /// <summary>Listings by common dir, as a model.</summary>
    internal sealed class ModelListings : IWorktreeListings
    {
        internal Dictionary<string, WorktreeListing> ByCommonDir { get; } = new Dictionary<string, WorktreeListing>(StringComparer.Ordinal);

        public WorktreeListing For(string canonicalCommonDir) =>
            ByCommonDir.TryGetValue(canonicalCommonDir, out var l) ? l : WorktreeListing.Failed(canonicalCommonDir, "no such repository in the model");
    }
}
