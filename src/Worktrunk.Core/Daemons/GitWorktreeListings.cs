using System;
using System.Collections.Generic;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;

namespace Worktrunk.Daemons
{
    /// <summary>
    /// Runs `git worktree list` at most once per repository and remembers the answer (or the
    /// failure: a listing that fails makes the live set unknowable, never empty). The repository
    /// asked about is always listed; other repositories only when <c>allowOtherRepositories</c>.
    /// git runs in the location's directory while it exists, else in the common dir.
    /// </summary>
    internal sealed class GitWorktreeListings : IWorktreeListings
    {
        private readonly Dictionary<string, WorktreeListing> _cache;
        private readonly GitRunner _git;
        private readonly RepositoryLocation? _scope;
        private readonly bool _allowOthers;

        internal GitWorktreeListings(GitRunner git, RepositoryLocation? scope, bool allowOtherRepositories)
        {
            _git = git;
            _scope = scope;
            _allowOthers = allowOtherRepositories;
            _cache = new Dictionary<string, WorktreeListing>(PathUtil.Comparison == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        }

        /// <summary>Gets how many git calls were made (for tests and diagnostics).</summary>
        internal int GitCalls { get; private set; }

        public WorktreeListing For(string canonicalCommonDir)
        {
            if (_cache.TryGetValue(canonicalCommonDir, out var cached))
            {
                return cached;
            }

            WorktreeListing listing;
            var isScope = _scope != null && string.Equals(_scope.CommonDir, canonicalCommonDir, PathUtil.Comparison);
            if (!isScope && !_allowOthers)
            {
                listing = WorktreeListing.Failed(canonicalCommonDir, "not listed: it is another repository");
            }
            else
            {
                listing = List(isScope ? _scope! : null, canonicalCommonDir);
            }

            _cache[canonicalCommonDir] = listing;
            return listing;
        }

        /// <summary>
        /// Hands on the worktree list of the repository asked about, read earlier in the same
        /// operation (Remove-WtWorktree's planning read), so that <see cref="For"/> runs no
        /// `git worktree list` for it. The list is taken only while it still names every
        /// registration under &lt;common&gt;/worktrees (each by its git dir, with its `gitdir` file
        /// still pointing at the listed worktree): one registered since it was read (a concurrent
        /// `git worktree add`, a reused id) would otherwise look like a removed worktree's and its
        /// daemon like an orphan. Registrations gone since (the ones the operation removed) are
        /// fine: classification re-tests every listed directory. Returns false when the list was
        /// not taken (git lists the repository as usual).
        /// </summary>
        internal bool TrySeed(IReadOnlyList<WtWorktree> listed)
        {
            if (_scope == null || !StillCovers(listed, _scope.CommonDir))
            {
                return false;
            }

            _cache[_scope.CommonDir] = WorktreeListing.Of(_scope.CommonDir, ToFacts(listed, _scope.CommonDir));
            return true;
        }

        /// <summary>True when every registration directory of <paramref name="commonDir"/> is a listed worktree's git dir and still names that worktree.</summary>
        internal static bool StillCovers(IReadOnlyList<WtWorktree> listed, string commonDir)
        {
            var known = new Dictionary<string, string>(PathUtil.Comparison == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
            foreach (var w in listed)
            {
                if (!w.IsMain && !w.IsBare && w.GitDir != null)
                {
                    known[PathUtil.Canonicalize(w.GitDir)] = w.Path;
                }
            }

            try
            {
                var registrations = System.IO.Path.Combine(commonDir, "worktrees");
                if (!System.IO.Directory.Exists(registrations))
                {
                    // No registration left (git drops the folder with the last one): nothing unlisted.
                    return true;
                }

                foreach (var registration in System.IO.Directory.EnumerateFileSystemEntries(registrations))
                {
                    if (!known.TryGetValue(PathUtil.Canonicalize(registration), out var path))
                    {
                        return false;
                    }

                    var pointer = System.IO.File.ReadAllText(System.IO.Path.Combine(registration, "gitdir")).Trim();
                    var named = System.IO.Path.IsPathRooted(pointer) ? System.IO.Path.GetDirectoryName(pointer) : null;
                    if (named == null || !string.Equals(PathUtil.Canonicalize(named), PathUtil.Canonicalize(path), PathUtil.Comparison))
                    {
                        return false;
                    }
                }

                return true;
            }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                return false;
            }
        }

        /// <summary>Converts Get-WtWorktree's objects to facts: the first non-bare entry is the main worktree, whose git dir is the common dir.</summary>
        internal static List<WorktreeFact> ToFacts(IReadOnlyList<WtWorktree> worktrees, string commonDir)
        {
            var facts = new List<WorktreeFact>(worktrees.Count);
            for (var i = 0; i < worktrees.Count; i++)
            {
                var w = worktrees[i];
                var gitDir = !w.IsBare && i == 0 ? commonDir : w.GitDir;
                facts.Add(new WorktreeFact(w.Path, gitDir, w.IsBare, w.IsPrunable, w.IsLocked));
            }

            return facts;
        }

        private WorktreeListing List(RepositoryLocation? location, string commonDir)
        {
            try
            {
                GitCalls++;
                location ??= RepositoryLocator.Locate(commonDir, _git);
                if (!System.IO.Directory.Exists(location.RunDirectory))
                {
                    // The directory the caller stood in is gone (the closing sweep after removing the
                    // worktree the session stands in): git runs from the common dir instead, which
                    // lists the same worktrees.
                    location = new RepositoryLocation(location.CommonDir, location.CommonDir, null, location.CommonDir);
                }

                var worktrees = WorktreeLister.List(location, _git, null);
                return WorktreeListing.Of(commonDir, ToFacts(worktrees, location.CommonDir));
            }
            catch (WorktrunkException e) when (e.ErrorId != ErrorIds.CommandStopped)
            {
                _git.Sink.Verbose("git worktree list failed for " + commonDir + ": " + e.Message);
                return WorktreeListing.Failed(commonDir, e.Message);
            }
        }
    }
}
