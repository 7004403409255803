using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
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

            return ClassifyAll(found, scope, git, new CachingFileSystemView(), found.Count >= 16 ? new SerializedListings(listings) : listings, null);
        }

        /// <summary>
        /// The daemons a caller that shows or reaps only some of them can want (the sweep: its
        /// repository's orphans; Get-WtOrphanDaemon's default view), classified as
        /// <see cref="TakeClassified"/> does. <paramref name="wanted"/> is the caller's own test of a
        /// verdict and socket path; it must reject Live (neither view lists a live daemon). On Linux
        /// with /proc every listening fsmonitor socket is first classified by its path alone, and
        /// only the sockets whose path verdict is wanted are asked who listens on them: what a
        /// daemon watches can only make it Live, so a daemon whose path verdict is not wanted can
        /// never be wanted, and it is never connected to (a healthy daemon is not disturbed) or
        /// read. Elsewhere every daemon is discovered and classified. Returns only the daemons whose
        /// final verdict (after the watches, which may make one Live) is wanted.
        /// <paramref name="examined"/>: how many daemons were looked at (on Linux, one per
        /// listening fsmonitor socket, most of them by their path alone).
        /// </summary>
        internal static List<ClassifiedDaemon> TakeWanted(
            RepositoryLocation? scope,
            GitRunner git,
            IWorktreeListings listings,
            Func<DaemonVerdict, string?, bool> wanted,
            out int examined,
            DiscoveryMethod method = DiscoveryMethod.Auto)
        {
            bool IsWanted(ClassifiedDaemon c) => c.Verdict.State != WtDaemonState.Live && wanted(c.Verdict, c.Daemon.SocketPath);
            if ((method == DiscoveryMethod.Auto ? DaemonDiscovery.AutoMethod : method) != DiscoveryMethod.ProcFs)
            {
                var all = TakeClassified(scope, git, false, method, null, listings);
                examined = all.Count;
                return all.FindAll(IsWanted);
            }

            // The filter runs on discovery's two threads: one concurrent filesystem cache, the
            // listings one caller at a time; each path's verdict is kept for the classification after.
            var fs = new CachingFileSystemView();
            var shared = new SerializedListings(listings);
            var byPath = new ConcurrentDictionary<string, DaemonVerdict>(StringComparer.Ordinal);
            var looked = 0;

            // The repository's own live git dirs, listed on first need: a socket in one of them is
            // left out at once (InLiveGitDir: Live or Unknown, never wanted).
            var scopeLive = new Lazy<LiveSet?>(() => scope == null ? null : shared.For(scope.CommonDir).LiveSetFor(fs), LazyThreadSafetyMode.ExecutionAndPublication);
            var found = DaemonDiscovery.Discover(git.Sink, DiscoveryMethod.ProcFs, git.Cancellation, path =>
            {
                Interlocked.Increment(ref looked);
                if (scope != null && PathUtil.IsAtOrUnder(path, scope.CommonDir) && scopeLive.Value is LiveSet live && DaemonClassifier.InLiveGitDir(path, fs, live))
                {
                    return false;
                }

                var verdict = DaemonClassifier.Classify(path, scope?.CommonDir, fs, shared);
                byPath[path] = verdict;
                return verdict.State != WtDaemonState.Live && wanted(verdict, path);
            });

            // Without /proc/net/unix discovery scanned every process and the filter never ran.
            examined = Math.Max(looked, found.Count);
            return found.Count == 0 ? new List<ClassifiedDaemon>() : ClassifyAll(found, scope, git, fs, shared, byPath).FindAll(IsWanted);
        }

        /// <summary>
        /// Each daemon by its socket path (or the verdict <paramref name="byPath"/> already holds for
        /// it), then, when that does not say Live, by what it watches (read from /proc, followed by
        /// its own identity check). Many daemons are classified on two threads: the filesystem
        /// cache is concurrent and <paramref name="listings"/> must be safe to share (a
        /// SerializedListings); the verdicts come back in discovery order.
        /// </summary>
        private static List<ClassifiedDaemon> ClassifyAll(IReadOnlyList<DiscoveredDaemon> found, RepositoryLocation? scope, GitRunner git, CachingFileSystemView fs, IWorktreeListings listings, IReadOnlyDictionary<string, DaemonVerdict>? byPath)
        {
            var result = new List<ClassifiedDaemon>(found.Count);
            var indexes = new List<int>(found.Count);
            for (var i = 0; i < found.Count; i++)
            {
                indexes.Add(i);
            }

            var cancellation = git.Cancellation;
            DaemonDiscovery.ForChunks(indexes, found.Count >= 16, (chunk, into) =>
            {
                foreach (var i in chunk)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var d = found[i];
                    var verdict = byPath != null && d.SocketPath != null && byPath.TryGetValue(d.SocketPath, out var known)
                        ? known
                        : DaemonClassifier.Classify(d.SocketPath, scope?.CommonDir, fs, listings);
                    into.Add(Finish(d, verdict, verdict.State != WtDaemonState.Live ? ReadWatches(d) : null, scope?.CommonDir, listings, fs));
                }
            }, result);

            return result;
        }

        /// <summary>
        /// What Get-WtOrphanDaemon lists: every daemon with <paramref name="includeLive"/> (other
        /// repositories' too), else the default view (DaemonClassifier.InDefaultView); sorted by
        /// state, then PID. Worktrees are read from git's files where exact.
        /// </summary>
        internal static List<WtFsmonitorDaemon> View(RepositoryLocation? scope, GitRunner git, bool includeLive)
        {
            var classified = includeLive
                ? TakeClassified(scope, git, listOtherRepositories: true, readGitFiles: true)
                : TakeWanted(scope, git, new FileWorktreeListings(new GitWorktreeListings(git, scope, false), scope?.CommonDir, false), (v, _) => DaemonClassifier.InDefaultView(v, scope?.CommonDir), out _);
            var shown = classified.ConvertAll(c => c.Daemon);

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

    /// <summary>
    /// Hands out another set of listings to one caller at a time, for classification on two
    /// threads: a repository is listed (from its files or by git) once, by whichever thread asks
    /// first, while the other waits for the same answer.
    /// </summary>
    internal sealed class SerializedListings : IWorktreeListings
    {
        private readonly IWorktreeListings _inner;
        private readonly object _gate = new object();

        internal SerializedListings(IWorktreeListings inner)
        {
            _inner = inner;
        }

        public WorktreeListing For(string canonicalCommonDir)
        {
            lock (_gate)
            {
                return _inner.For(canonicalCommonDir);
            }
        }
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
