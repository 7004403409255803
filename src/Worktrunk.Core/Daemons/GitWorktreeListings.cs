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
