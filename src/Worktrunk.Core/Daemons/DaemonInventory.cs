using System;
using System.Collections.Generic;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;

namespace Worktrunk.Daemons
{
    /// <summary>Discovery plus classification: what Get-WtOrphanDaemon lists and the sweep reaps from. Read-only.</summary>
    internal static class DaemonInventory
    {
        /// <summary>
        /// Discovers every daemon and classifies each against its own repository (the one its
        /// socket's git dir belongs to). <paramref name="scope"/> is the repository asked about.
        /// </summary>
        internal static List<WtFsmonitorDaemon> Take(
            RepositoryLocation? scope,
            GitRunner git,
            bool listOtherRepositories,
            DiscoveryMethod method = DiscoveryMethod.Auto,
            IReadOnlyList<DiscoveredDaemon>? discovered = null,
            IWorktreeListings? listings = null)
        {
            var found = discovered ?? DaemonDiscovery.Discover(git.Sink, method, git.Cancellation);
            var result = new List<WtFsmonitorDaemon>(found.Count);
            if (found.Count == 0)
            {
                return result;
            }

            listings ??= new GitWorktreeListings(git, scope, listOtherRepositories);
            var fs = new CachingFileSystemView();
            foreach (var d in found)
            {
                git.Cancellation.ThrowIfCancellationRequested();
                result.Add(Describe(d, scope?.CommonDir, listings, fs));
            }

            return result;
        }

        /// <summary>Classifies one discovered daemon and builds the output object.</summary>
        internal static WtFsmonitorDaemon Describe(DiscoveredDaemon d, string? scopeCommonDir, IWorktreeListings listings, IFileSystemView? fs = null)
        {
            var verdict = DaemonClassifier.Classify(d.SocketPath, scopeCommonDir, fs ?? RealFileSystemView.Instance, listings);
            var inRepo = scopeCommonDir != null && (
                (verdict.CommonDir != null && string.Equals(verdict.CommonDir, scopeCommonDir, PathUtil.Comparison)) ||
                (verdict.GitDir != null && PathUtil.IsAtOrUnder(verdict.GitDir, scopeCommonDir)));
            return new WtFsmonitorDaemon(
                d.Pid,
                d.Identity.StartTicks,
                ProcessIdentities.ToDateTime(d.Identity.StartTicks),
                d.SocketPath,
                verdict.GitDir,
                verdict.WorktreePath,
                verdict.CommonDir,
                verdict.State,
                verdict.Reason,
                d.CommandLine,
                inRepo);
        }

        /// <summary>The daemons the sweep of <paramref name="scopeCommonDir"/> may reap.</summary>
        internal static bool InSweepScope(WtFsmonitorDaemon d, string scopeCommonDir) =>
            DaemonClassifier.InSweepScope(new DaemonVerdict(d.State, d.Reason, d.GitDir, d.CommonDir, d.WorktreePath), d.SocketPath, scopeCommonDir);
    }
}
