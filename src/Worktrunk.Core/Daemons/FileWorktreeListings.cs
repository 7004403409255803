using System;
using System.Collections.Generic;
using Worktrunk.Git;
using Worktrunk.IO;

namespace Worktrunk.Daemons
{
    /// <summary>
    /// The worktree listings classification needs, read from git's own registration files
    /// (<see cref="WorktreeFiles"/>, the reader the removal path uses) without starting git; the
    /// repositories it declines (any shape it cannot read exactly) go to the given listings
    /// (`git worktree list`). Same scope rule as GitWorktreeListings: the repository asked about is
    /// always listed, others only when allowed. Classification reads no HEAD, so a branch tip is
    /// never looked up: every branch is given a placeholder tip, which only lets the reader accept
    /// an unborn branch it would otherwise hand to git (git lists that worktree all the same).
    /// </summary>
    internal sealed class FileWorktreeListings : IWorktreeListings
    {
        private const string AnyTip = "0000000000000000000000000000000000000000";

        private readonly Dictionary<string, WorktreeListing> _cache;
        private readonly IWorktreeListings _git;
        private readonly string? _scopeCommonDir;
        private readonly bool _allowOthers;

        internal FileWorktreeListings(IWorktreeListings git, string? scopeCommonDir, bool allowOtherRepositories)
        {
            _git = git;
            _scopeCommonDir = scopeCommonDir;
            _allowOthers = allowOtherRepositories;
            _cache = new Dictionary<string, WorktreeListing>(PathUtil.Comparison == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        }

        /// <summary>Gets how many repositories were listed from their files (tests).</summary>
        internal int ReadFromFiles { get; private set; }

        public WorktreeListing For(string canonicalCommonDir)
        {
            if (_cache.TryGetValue(canonicalCommonDir, out var cached))
            {
                return cached;
            }

            var isScope = _scopeCommonDir != null && string.Equals(_scopeCommonDir, canonicalCommonDir, PathUtil.Comparison);
            WorktreeListing? listing = null;
            if (isScope || _allowOthers)
            {
                var records = WorktreeFiles.TryRead(canonicalCommonDir, ConfigLookup.ReadRepositoryConfig(canonicalCommonDir), _ => AnyTip, out var registrations);
                if (records != null)
                {
                    ReadFromFiles++;
                    listing = WorktreeListing.Of(canonicalCommonDir, GitWorktreeListings.ToFacts(WorktreeLister.Build(records, canonicalCommonDir, null, registrations), canonicalCommonDir));
                }
            }

            listing ??= _git.For(canonicalCommonDir);
            _cache[canonicalCommonDir] = listing;
            return listing;
        }
    }
}
