using System;
using System.Collections.Generic;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.Processes;

namespace Worktrunk.Daemons
{
    /// <summary>Discovery plus classification: what Get-WtOrphanDaemon lists and the sweep reaps from. Read-only.</summary>
    internal static class DaemonInventory
    {
        private static readonly Lazy<bool> s_procFs = new Lazy<bool>(() => ProcFs.Available);

        /// <summary>
        /// Discovers every daemon and classifies each against its own repository (the one its
        /// socket's git dir belongs to). <paramref name="scope"/> is the repository asked about.
        /// <paramref name="readGitFiles"/>: list worktrees from git's registration files where they
        /// can be read exactly (<see cref="FileWorktreeListings"/>; Get-WtOrphanDaemon), else with git.
        /// </summary>
        internal static List<WtFsmonitorDaemon> Take(
            RepositoryLocation? scope,
            GitRunner git,
            bool listOtherRepositories,
            DiscoveryMethod method = DiscoveryMethod.Auto,
            IReadOnlyList<DiscoveredDaemon>? discovered = null,
            IWorktreeListings? listings = null,
            bool readGitFiles = false)
        {
            var classified = TakeClassified(scope, git, listOtherRepositories, method, discovered, listings, readGitFiles);
            var result = new List<WtFsmonitorDaemon>(classified.Count);
            foreach (var c in classified)
            {
                result.Add(c.Daemon);
            }

            return result;
        }

        /// <summary>As <see cref="Take"/>, each daemon with the verdict it was built from (for the scope rules, without rebuilding it).</summary>
        internal static List<ClassifiedDaemon> TakeClassified(
            RepositoryLocation? scope,
            GitRunner git,
            bool listOtherRepositories,
            DiscoveryMethod method = DiscoveryMethod.Auto,
            IReadOnlyList<DiscoveredDaemon>? discovered = null,
            IWorktreeListings? listings = null,
            bool readGitFiles = false)
        {
            var found = discovered ?? DaemonDiscovery.Discover(git.Sink, method, git.Cancellation);
            var result = new List<ClassifiedDaemon>(found.Count);
            if (found.Count == 0)
            {
                return result;
            }

            listings ??= new GitWorktreeListings(git, scope, listOtherRepositories);
            if (readGitFiles)
            {
                // git's own files where they can be read exactly (no git process), git for the rest.
                listings = new FileWorktreeListings(listings, scope?.CommonDir, listOtherRepositories);
            }

            // By socket path first (one thread: the listings and the filesystem cache are shared);
            // then what each daemon not called Live watches, read from /proc on two threads (pure
            // reads, each followed by its own identity check); then the verdicts, in order.
            var fs = new CachingFileSystemView();
            var bySocket = new List<DaemonVerdict>(found.Count);
            var unsettled = new List<int>();
            for (var i = 0; i < found.Count; i++)
            {
                git.Cancellation.ThrowIfCancellationRequested();
                var verdict = DaemonClassifier.Classify(found[i].SocketPath, scope?.CommonDir, fs, listings);
                bySocket.Add(verdict);
                if (verdict.State != WtDaemonState.Live)
                {
                    unsettled.Add(i);
                }
            }

            var read = new List<(int Index, DaemonWatches? Watches)>(unsettled.Count);
            DaemonDiscovery.ForChunks(unsettled, unsettled.Count >= 16, (chunk, into) =>
            {
                foreach (var i in chunk)
                {
                    into.Add((i, ReadWatches(found[i])));
                }
            }, read);
            var watches = new DaemonWatches?[found.Count];
            foreach (var (index, w) in read)
            {
                watches[index] = w;
            }

            for (var i = 0; i < found.Count; i++)
            {
                result.Add(Finish(found[i], bySocket[i], watches[i], scope?.CommonDir, listings, fs));
            }

            return result;
        }

        /// <summary>
        /// What Get-WtOrphanDaemon lists: every daemon with <paramref name="includeLive"/> (other
        /// repositories' too), else the default view (DaemonClassifier.InDefaultView); sorted by
        /// state, then PID. Worktrees are read from git's files where exact.
        /// </summary>
        internal static List<WtFsmonitorDaemon> View(RepositoryLocation? scope, GitRunner git, bool includeLive)
        {
            var shown = new List<WtFsmonitorDaemon>();
            foreach (var c in TakeClassified(scope, git, listOtherRepositories: includeLive, readGitFiles: true))
            {
                if (includeLive || DaemonClassifier.InDefaultView(c.Verdict, scope?.CommonDir))
                {
                    shown.Add(c.Daemon);
                }
            }

            shown.Sort((a, b) => a.State != b.State ? a.State.CompareTo(b.State) : a.ProcessId.CompareTo(b.ProcessId));
            return shown;
        }

        /// <summary>
        /// Classifies one discovered daemon and builds the output object: by its socket path
        /// (DaemonClassifier.Classify), then, when that does not say Live, by what it watches
        /// (<see cref="InotifyWatches"/>, Linux, read only for those daemons) against the live
        /// worktrees of the repository asked about and of its socket's own repository.
        /// <paramref name="watchesOf"/> replaces the /proc reader (tests); the default reads them
        /// only where discovery read /proc and proves the PID still names the same process after.
        /// </summary>
        internal static WtFsmonitorDaemon Describe(DiscoveredDaemon d, string? scopeCommonDir, IWorktreeListings listings, IFileSystemView? fs = null, Func<DiscoveredDaemon, DaemonWatches?>? watchesOf = null) =>
            Classify(d, scopeCommonDir, listings, fs, watchesOf).Daemon;

        /// <summary>As <see cref="Describe"/>, with the verdict.</summary>
        internal static ClassifiedDaemon Classify(DiscoveredDaemon d, string? scopeCommonDir, IWorktreeListings listings, IFileSystemView? fs = null, Func<DiscoveredDaemon, DaemonWatches?>? watchesOf = null)
        {
            fs ??= RealFileSystemView.Instance;
            var verdict = DaemonClassifier.Classify(d.SocketPath, scopeCommonDir, fs, listings);
            return Finish(d, verdict, verdict.State != WtDaemonState.Live ? (watchesOf ?? ReadWatches)(d) : null, scopeCommonDir, listings, fs);
        }

        /// <summary>The verdict by socket path, overruled by what the daemon watches where that was read (<see cref="Classify"/>), and the output object.</summary>
        private static ClassifiedDaemon Finish(DiscoveredDaemon d, DaemonVerdict verdict, DaemonWatches? watches, string? scopeCommonDir, IWorktreeListings listings, IFileSystemView fs)
        {
            if (verdict.State != WtDaemonState.Live && watches.HasValue)
            {
                var commons = new List<string>(2);
                if (scopeCommonDir != null)
                {
                    commons.Add(scopeCommonDir);
                }

                // The socket's own repository, when classification already listed it (a gone git dir's is only a lexical guess).
                if (verdict.State != WtDaemonState.OrphanedGitDirGone && verdict.CommonDir != null && !commons.Contains(verdict.CommonDir))
                {
                    commons.Add(verdict.CommonDir);
                }

                verdict = DaemonClassifier.ClassifyByWatches(watches.Value, commons, fs, listings, FileIdentity.Of) ?? verdict;
            }

            return new ClassifiedDaemon(verdict, new WtFsmonitorDaemon(
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
                DaemonClassifier.InRepository(verdict, scopeCommonDir)));
        }

        /// <summary>The daemon's inotify watches when /proc shows them and the PID still names the discovered process; else null.</summary>
        private static DaemonWatches? ReadWatches(DiscoveredDaemon d)
        {
            if (!s_procFs.Value || d.Argv == null)
            {
                return null;
            }

            var watches = InotifyWatches.Read(d.Pid, d.InotifyFd);
            return watches.HasValue && ProcessIdentities.Check(d.Identity) == IdentityStatus.Same ? watches : null;
        }

        /// <summary>
        /// The daemons the sweep of <paramref name="scopeCommonDir"/> may reap, for a caller that
        /// holds only the output object (the benchmarks); the sweep itself keeps each verdict
        /// (<see cref="TakeClassified"/>).
        /// </summary>
        internal static bool InSweepScope(WtFsmonitorDaemon d, string scopeCommonDir) =>
            DaemonClassifier.InSweepScope(new DaemonVerdict(d.State, d.Reason, d.GitDir, d.CommonDir, d.WorktreePath), d.SocketPath, scopeCommonDir);
    }

    /// <summary>One daemon as listed, with the verdict it was built from.</summary>
    internal sealed class ClassifiedDaemon
    {
        internal ClassifiedDaemon(DaemonVerdict verdict, WtFsmonitorDaemon daemon)
        {
            Verdict = verdict;
            Daemon = daemon;
        }

        internal DaemonVerdict Verdict { get; }

        internal WtFsmonitorDaemon Daemon { get; }
    }
}
