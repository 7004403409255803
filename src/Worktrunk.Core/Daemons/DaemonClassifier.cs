// Contract: the one function that decides whether an fsmonitor daemon may be reaped.
// A daemon is Orphaned only when it provably serves no live worktree:
//   * OrphanedGitDirGone: the directory that held its socket no longer exists (macOS lsof then
//     prints only the bare socket name; on Linux the kernel keeps the full original path, so the
//     directory is tested, never the name's shape).
//   * OrphanedWorktreeRemoved: its git dir still exists, is its repository's common dir or a
//     `<common>/worktrees/<id>` registration, `git worktree list` for that repository succeeded,
//     every live worktree's git dir could be resolved, and the git dir belongs to none of them
//     (nor to a locked worktree).
//   * Live: its git dir is the git dir of a live worktree: registered, not prunable, directory
//     present. A socket outside any git dir (fsmonitor.socketDir, ~/.git-fsmonitor-<sha1>) is Live
//     only when git's own naming rule (SHA-1 of the worktree path) ties it to a live worktree.
//   * Unknown: everything else, including a failed listing, a git dir nested deeper (a
//     submodule's modules/<name> is its own repository), a locked worktree whose directory is
//     missing, and unattributable socketDir sockets. Never reaped.
// Attribution by what the daemon watches (Linux, DaemonInventory.Describe + ClassifyByWatches):
// when the path rule above does not say Live and the daemon's inotify watches are readable
// (/proc/<pid>/fdinfo of its inotify descriptor: wd:1 its worktree root, wd:2 its git dir, as
// device and inode), a daemon whose watched root is the directory of a live worktree of the
// repository asked about (or of its socket's own repository) is Live, whatever its socket path
// says: a moved repository's daemon, which serves its worktree from the new place until it
// notices its socket path is gone (up to a minute), is not called OrphanedGitDirGone. This can
// only make a daemon Live, never an orphan. Residual where the watches cannot be read (macOS,
// Windows, another user's daemon, no /proc, or the root watch already dropped): the path rule
// stands, so a moved repository's daemon is listed as OrphanedGitDirGone (and may be stopped)
// during the minute before it exits by itself; git starts a new one on its next command.
// Paths are canonicalized on both sides (socket parent and every listed worktree / git dir), so a
// repository reached through a symlink never makes its live daemons look orphaned.
// Known residuals: (safe direction) a git dir deleted and re-created at the same path (a new
// worktree with the old name) makes the old daemon look Live; it is then never reaped. (Unsafe
// direction, narrow) a socket bound through a symlink that was later removed, while the real git dir
// lives on, looks exactly like a deleted git dir: the kernel kept only the aliased path. git binds
// the path it resolved from its working directory (getcwd is already real), so this needs GIT_DIR
// or core.worktree set through a symlink and the symlink removed; the daemon is then reaped and git
// starts a new one on the next command.
// Purity: depends only on its arguments; the filesystem and the listings come in through
// interfaces so property tests can drive it with a model.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Worktrunk.IO;

namespace Worktrunk.Daemons
{
    /// <summary>One entry of `git worktree list`, as classification needs it.</summary>
    internal sealed class WorktreeFact
    {
        internal WorktreeFact(string path, string? gitDir, bool isBare, bool isPrunable, bool isLocked)
        {
            Path = path;
            GitDir = gitDir;
            IsBare = isBare;
            IsPrunable = isPrunable;
            IsLocked = isLocked;
        }

        /// <summary>The worktree directory as git printed it.</summary>
        internal string Path { get; }

        /// <summary>Its git dir (the common dir for the main worktree), or null when it could not be resolved.</summary>
        internal string? GitDir { get; }

        internal bool IsBare { get; }

        internal bool IsPrunable { get; }

        internal bool IsLocked { get; }
    }

    /// <summary>What `git worktree list` said about one repository, or why it could not be asked.</summary>
    internal sealed class WorktreeListing
    {
        private readonly object _gate = new object();
        private LiveSet? _live;
        private IFileSystemView? _liveFs;

        private WorktreeListing(string commonDir, IReadOnlyList<WorktreeFact>? entries, string? failure)
        {
            CommonDir = commonDir;
            Entries = entries;
            Failure = failure;
        }

        internal string CommonDir { get; }

        /// <summary>The entries; null when the live set is unknowable.</summary>
        internal IReadOnlyList<WorktreeFact>? Entries { get; }

        /// <summary>Why the listing is missing.</summary>
        internal string? Failure { get; }

        internal static WorktreeListing Of(string commonDir, IReadOnlyList<WorktreeFact> entries) => new WorktreeListing(commonDir, entries, null);

        internal static WorktreeListing Failed(string commonDir, string reason) => new WorktreeListing(commonDir, null, reason);

        /// <summary>The live set as seen through <paramref name="fs"/>, built once per view; null when unknowable. Thread-safe (a second caller waits for the first build).</summary>
        internal LiveSet? LiveSetFor(IFileSystemView fs)
        {
            if (Entries == null)
            {
                return null;
            }

            lock (_gate)
            {
                if (_live == null || !ReferenceEquals(_liveFs, fs))
                {
                    _live = LiveSet.Build(Entries, fs);
                    _liveFs = fs;
                }

                return _live;
            }
        }
    }

    /// <summary>Supplies the listing of a repository, by canonical common dir.</summary>
    internal interface IWorktreeListings
    {
        WorktreeListing For(string canonicalCommonDir);
    }

    /// <summary>
    /// The canonical git dirs of a repository's worktrees, sorted by what they protect. Read-only
    /// once built; its two lookup maps are built on first use, under a lock (classification runs on two threads).
    /// </summary>
    internal sealed class LiveSet
    {
        private readonly object _gate = new object();
        private readonly List<KeyValuePair<string, string>> _liveCanonicalPaths = new List<KeyValuePair<string, string>>();
        private Dictionary<string, string>? _bySocketHash;
        private Dictionary<FileIdentity, KeyValuePair<string, string>>? _byRoot;

        private LiveSet()
        {
        }

        /// <summary>Live worktrees: canonical git dir → worktree path.</summary>
        internal Dictionary<string, string> Live { get; } = new Dictionary<string, string>(PathComparer);

        /// <summary>Locked worktrees whose directory is missing (removable media): canonical git dir → path. Never reaped.</summary>
        internal Dictionary<string, string> LockedMissing { get; } = new Dictionary<string, string>(PathComparer);

        /// <summary>Other registrations (prunable): canonical git dir → worktree path, to name what a daemon served.</summary>
        internal Dictionary<string, string> Removed { get; } = new Dictionary<string, string>(PathComparer);

        /// <summary>SHA-1 (hex) of each live worktree's canonical path: git's name for a socket outside the git dir (computed on first use).</summary>
        internal Dictionary<string, string> LiveBySocketHash
        {
            get
            {
                lock (_gate)
                {
                    return _bySocketHash ??= BuildBySocketHash();
                }
            }
        }

        private Dictionary<string, string> BuildBySocketHash()
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in _liveCanonicalPaths)
            {
                map[Sha1Hex(p.Key)] = p.Value;
            }

            return map;
        }

        /// <summary>
        /// The live worktree whose directory has the file identity <paramref name="root"/> (device
        /// and inode, from <paramref name="idOf"/>, built on first use): its path and canonical git
        /// dir; false when none has.
        /// </summary>
        internal bool TryFindByRoot(FileIdentity root, Func<string, FileIdentity?> idOf, out string worktreePath, out string gitDir)
        {
            Dictionary<FileIdentity, KeyValuePair<string, string>> byRoot;
            lock (_gate)
            {
                if (_byRoot == null)
                {
                    var map = new Dictionary<FileIdentity, KeyValuePair<string, string>>();
                    foreach (var live in Live)
                    {
                        var id = idOf(live.Value);
                        if (id.HasValue && !map.ContainsKey(id.Value))
                        {
                            map[id.Value] = new KeyValuePair<string, string>(live.Value, live.Key);
                        }
                    }

                    _byRoot = map;
                }

                byRoot = _byRoot;
            }

            if (byRoot.TryGetValue(root, out var hit))
            {
                worktreePath = hit.Key;
                gitDir = hit.Value;
                return true;
            }

            worktreePath = string.Empty;
            gitDir = string.Empty;
            return false;
        }

        /// <summary>A live worktree whose git dir could not be resolved: the set is incomplete, so "worktree removed" cannot be proven.</summary>
        internal string? UnresolvedLiveWorktree { get; private set; }

        private static StringComparer PathComparer => PathUtil.Comparison == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;

        internal static LiveSet Build(IReadOnlyList<WorktreeFact> entries, IFileSystemView fs)
        {
            var set = new LiveSet();
            foreach (var e in entries)
            {
                if (e.IsBare)
                {
                    continue;
                }

                var present = fs.DirectoryExists(e.Path);
                var live = !e.IsPrunable && present;
                if (e.GitDir == null)
                {
                    if (live || e.IsLocked)
                    {
                        set.UnresolvedLiveWorktree ??= e.Path;
                    }

                    continue;
                }

                var gitDir = fs.Canonicalize(e.GitDir);
                if (live)
                {
                    set.Live[gitDir] = e.Path;
                    set._liveCanonicalPaths.Add(new KeyValuePair<string, string>(fs.Canonicalize(e.Path), e.Path));
                }
                else if (e.IsLocked)
                {
                    set.LockedMissing[gitDir] = e.Path;
                }
                else
                {
                    set.Removed[gitDir] = e.Path;
                }
            }

            return set;
        }

        internal static string Sha1Hex(string text)
        {
            using var sha = SHA1.Create();
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(text));
            var sb = new StringBuilder(40);
            foreach (var b in hash)
            {
                sb.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }

            return sb.ToString();
        }
    }

    /// <summary>The classification of one daemon and the facts behind it.</summary>
    internal sealed class DaemonVerdict
    {
        internal DaemonVerdict(WtDaemonState state, string reason, string? gitDir, string? commonDir, string? worktreePath)
        {
            State = state;
            Reason = reason;
            GitDir = gitDir;
            CommonDir = commonDir;
            WorktreePath = worktreePath;
        }

        internal WtDaemonState State { get; }

        internal string Reason { get; }

        /// <summary>The socket's directory: canonical when it exists, canonicalized as far as it exists when gone.</summary>
        internal string? GitDir { get; }

        /// <summary>The daemon's repository's common dir, when known (for a gone git dir, derived lexically).</summary>
        internal string? CommonDir { get; }

        internal string? WorktreePath { get; }
    }

    /// <summary>The classification function, and the scope rules built on it.</summary>
    internal static class DaemonClassifier
    {
        /// <summary>
        /// Classifies a daemon by its socket. <paramref name="socketPath"/> is what discovery saw:
        /// a full path, the bare file name (macOS lsof after the directory was deleted) or null
        /// (same meaning as the bare name). <paramref name="scopeCommonDir"/> is the canonical
        /// common dir of the repository asked about; it only serves to attribute sockets that
        /// live outside any git dir.
        /// </summary>
        internal static DaemonVerdict Classify(string? socketPath, string? scopeCommonDir, IFileSystemView fs, IWorktreeListings listings)
        {
            if (socketPath == null || FsmonitorSocket.IsBareName(socketPath))
            {
                return new DaemonVerdict(WtDaemonState.OrphanedGitDirGone, "lsof shows only the socket's file name, which it does once the directory holding the socket has been deleted.", null, null, null);
            }

            var slash = LastSeparator(socketPath);
            var name = slash < 0 ? socketPath : socketPath.Substring(slash + 1);
            var parent = slash <= 0 ? (slash == 0 ? "/" : null) : socketPath.Substring(0, slash);
            if (parent == null || !IsAbsolute(parent))
            {
                return new DaemonVerdict(WtDaemonState.Unknown, "The socket path '" + socketPath + "' is not absolute.", null, null, null);
            }

            if (FsmonitorSocket.IsRemoteName(name))
            {
                return ClassifyOutsideGitDir(name, scopeCommonDir, fs, listings);
            }

            if (!string.Equals(name, FsmonitorSocket.FileName, StringComparison.Ordinal))
            {
                return new DaemonVerdict(WtDaemonState.Unknown, "'" + socketPath + "' is not an fsmonitor socket.", null, null, null);
            }

            if (!fs.DirectoryExists(parent))
            {
                var goneDir = fs.Canonicalize(parent);
                return new DaemonVerdict(
                    WtDaemonState.OrphanedGitDirGone,
                    "Its git dir " + parent + " no longer exists.",
                    goneDir,
                    LexicalCommonDir(goneDir),
                    null);
            }

            var gitDir = fs.Canonicalize(parent);
            var common = fs.CommonDirOf(gitDir);
            if (common == null)
            {
                return new DaemonVerdict(WtDaemonState.Unknown, "Its socket's directory " + gitDir + " exists but is not a git dir.", gitDir, null, null);
            }

            var isMainGitDir = string.Equals(gitDir, common, PathUtil.Comparison);
            var isLinkedGitDir = !isMainGitDir && IsRegistrationDir(gitDir, common);
            if (!isMainGitDir && !isLinkedGitDir)
            {
                return new DaemonVerdict(WtDaemonState.Unknown, "Its git dir " + gitDir + " is neither the common dir of " + common + " nor one of its worktrees/<id> registrations.", gitDir, common, null);
            }

            var listing = listings.For(common);
            var live = listing.LiveSetFor(fs);
            if (live == null)
            {
                return new DaemonVerdict(WtDaemonState.Unknown, "The live worktrees of " + common + " are unknown (" + (listing.Failure ?? "git worktree list failed") + "), so it cannot be proven orphaned.", gitDir, common, null);
            }

            if (live.Live.TryGetValue(gitDir, out var livePath))
            {
                return new DaemonVerdict(WtDaemonState.Live, "Its git dir belongs to the live worktree " + livePath + ".", gitDir, common, livePath);
            }

            if (live.LockedMissing.TryGetValue(gitDir, out var lockedPath))
            {
                return new DaemonVerdict(WtDaemonState.Unknown, "Its git dir belongs to the locked worktree " + lockedPath + ", whose directory is missing (removable media?).", gitDir, common, lockedPath);
            }

            if (live.UnresolvedLiveWorktree != null)
            {
                return new DaemonVerdict(WtDaemonState.Unknown, "The git dir of the live worktree " + live.UnresolvedLiveWorktree + " could not be resolved, so no daemon of " + common + " can be proven orphaned.", gitDir, common, null);
            }

            live.Removed.TryGetValue(gitDir, out var removedPath);
            var what = removedPath != null ? " (its worktree " + removedPath + " is prunable)" : isMainGitDir ? " (the repository has no live main worktree)" : " (no worktree is registered with it)";
            return new DaemonVerdict(WtDaemonState.OrphanedWorktreeRemoved, "Its git dir " + gitDir + " belongs to no live worktree of " + common + what + ".", gitDir, common, removedPath);
        }

        /// <summary>
        /// A cheap test that a socket's daemon can be no orphan: its directory exists and is the git
        /// dir of a live worktree in <paramref name="live"/> (a repository's live set). Then
        /// <see cref="Classify"/> says Live, or Unknown when that git dir is no git dir or its own
        /// `commondir` names another repository; never an orphan. Only the commondir and HEAD reads
        /// that tell those apart are saved: a caller that wants only orphans
        /// (DaemonInventory.TakeWanted) may leave such a socket out without its verdict.
        /// </summary>
        internal static bool InLiveGitDir(string? socketPath, IFileSystemView fs, LiveSet live)
        {
            if (socketPath == null || FsmonitorSocket.IsBareName(socketPath))
            {
                return false;
            }

            var slash = LastSeparator(socketPath);
            if (slash <= 0 || !string.Equals(socketPath.Substring(slash + 1), FsmonitorSocket.FileName, StringComparison.Ordinal))
            {
                return false;
            }

            var parent = socketPath.Substring(0, slash);
            return IsAbsolute(parent) && fs.DirectoryExists(parent) && live.Live.ContainsKey(fs.Canonicalize(parent));
        }

        /// <summary>
        /// Attribution by what the daemon watches (Linux): when the worktree root it watches
        /// (inotify wd:1, as device and inode) is the directory of a live worktree of one of
        /// <paramref name="commonDirs"/>, the daemon serves that worktree and is Live, whatever its
        /// socket path says (a moved or repaired repository keeps serving from a path the kernel
        /// recorded before the move). Null when nothing matches: the path-based verdict stands.
        /// Only ever returns Live, so it can keep a daemon from being reaped, never cause it.
        /// </summary>
        internal static DaemonVerdict? ClassifyByWatches(DaemonWatches watches, IEnumerable<string> commonDirs, IFileSystemView fs, IWorktreeListings listings, Func<string, FileIdentity?> idOf)
        {
            if (!watches.Root.HasValue)
            {
                return null;
            }

            foreach (var common in commonDirs)
            {
                var live = listings.For(common).LiveSetFor(fs);
                if (live == null || !live.TryFindByRoot(watches.Root.Value, idOf, out var worktree, out var gitDir))
                {
                    continue;
                }

                var gitDirToo = watches.GitDir.HasValue && idOf(gitDir) is FileIdentity g && g.Equals(watches.GitDir.Value);
                return new DaemonVerdict(
                    WtDaemonState.Live,
                    "It watches the live worktree " + worktree + (gitDirToo ? " and its git dir" : string.Empty) + " (inotify: same device and inode), whatever its socket path says.",
                    gitDir,
                    common,
                    worktree);
            }

            return null;
        }

        /// <summary>
        /// The one scope rule: whether a daemon belongs to the repository asked about
        /// (<paramref name="scopeCommonDir"/>, canonical; null: none). Its repository is that one
        /// (same common dir); for a git dir that is gone, whose repository is only a lexical guess,
        /// the git dir lay at or under that common dir. A repository nested in another's common dir
        /// (a submodule's modules/&lt;name&gt;) is its own repository, not the outer one.
        /// </summary>
        internal static bool InRepository(DaemonVerdict verdict, string? scopeCommonDir)
        {
            if (scopeCommonDir == null)
            {
                return false;
            }

            return verdict.State == WtDaemonState.OrphanedGitDirGone
                ? verdict.GitDir != null && PathUtil.IsAtOrUnder(verdict.GitDir, scopeCommonDir)
                : verdict.CommonDir != null && string.Equals(verdict.CommonDir, scopeCommonDir, PathUtil.Comparison);
        }

        /// <summary>
        /// The sweep's scope: this repository's provable orphans (<see cref="InRepository"/>), and
        /// bare-name sockets (macOS) whose repository cannot be known. Never Live or Unknown.
        /// </summary>
        internal static bool InSweepScope(DaemonVerdict verdict, string? socketPath, string scopeCommonDir)
        {
            switch (verdict.State)
            {
                case WtDaemonState.OrphanedGitDirGone:
                    return socketPath == null || FsmonitorSocket.IsBareName(socketPath) || InRepository(verdict, scopeCommonDir);
                case WtDaemonState.OrphanedWorktreeRemoved:
                    return InRepository(verdict, scopeCommonDir);
                default:
                    return false;
            }
        }

        /// <summary>Get-WtOrphanDaemon's default view: this repository's provable orphans plus git-dir-gone orphans anywhere.</summary>
        internal static bool InDefaultView(DaemonVerdict verdict, string? scopeCommonDir) =>
            verdict.State == WtDaemonState.OrphanedGitDirGone ||
            (verdict.State == WtDaemonState.OrphanedWorktreeRemoved && InRepository(verdict, scopeCommonDir));

        /// <summary>True when <paramref name="gitDir"/> is exactly `&lt;common&gt;/worktrees/&lt;id&gt;`.</summary>
        private static bool IsRegistrationDir(string gitDir, string common)
        {
            var slash = LastSeparator(gitDir);
            if (slash <= 0)
            {
                return false;
            }

            var container = gitDir.Substring(0, slash);
            var containerSlash = LastSeparator(container);
            return containerSlash > 0
                && string.Equals(container.Substring(containerSlash + 1), "worktrees", PathUtil.Comparison)
                && string.Equals(container.Substring(0, containerSlash), common.TrimEnd('/', '\\'), PathUtil.Comparison);
        }

        /// <summary>The last path separator: '/' everywhere, and '\\' too in a Windows path (drive letter or UNC).</summary>
        private static int LastSeparator(string path) =>
            IsWindowsPath(path) ? path.LastIndexOfAny(new[] { '/', '\\' }) : path.LastIndexOf('/');

        private static bool IsWindowsPath(string path) =>
            (path.Length >= 2 && path[1] == ':' && char.IsLetter(path[0])) || path.StartsWith("\\\\", StringComparison.Ordinal);

        private static bool IsAbsolute(string path) =>
            (path.Length > 0 && path[0] == '/') || (path.Length > 2 && path[1] == ':' && (path[2] == '\\' || path[2] == '/')) || path.StartsWith("\\\\", StringComparison.Ordinal);

        /// <summary>For a deleted git dir: `X/worktrees/id` → X, otherwise the directory itself.</summary>
        private static string LexicalCommonDir(string gitDir)
        {
            var slash = LastSeparator(gitDir);
            if (slash > 0)
            {
                var container = gitDir.Substring(0, slash);
                var containerSlash = LastSeparator(container);
                if (containerSlash >= 0 && string.Equals(container.Substring(containerSlash + 1), "worktrees", StringComparison.Ordinal) && containerSlash > 0)
                {
                    return container.Substring(0, containerSlash);
                }
            }

            return gitDir;
        }

        private static DaemonVerdict ClassifyOutsideGitDir(string name, string? scopeCommonDir, IFileSystemView fs, IWorktreeListings listings)
        {
            const string Why = "Its socket is outside any git dir (fsmonitor.socketDir or ~/.git-fsmonitor-*)";
            if (scopeCommonDir == null)
            {
                return new DaemonVerdict(WtDaemonState.Unknown, Why + " and no repository was given to attribute it to.", null, null, null);
            }

            var listing = listings.For(scopeCommonDir);
            var live = listing.LiveSetFor(fs);
            if (live == null)
            {
                return new DaemonVerdict(WtDaemonState.Unknown, Why + " and the live worktrees of " + scopeCommonDir + " are unknown.", null, null, null);
            }

            var hex = name.Substring(FsmonitorSocket.RemotePrefix.Length);
            var sha1 = hex.Length >= 40 ? hex.Substring(0, 40) : hex;
            if (live.LiveBySocketHash.TryGetValue(sha1, out var worktree))
            {
                return new DaemonVerdict(WtDaemonState.Live, Why + "; git's socket name for the live worktree " + worktree + ".", null, scopeCommonDir, worktree);
            }

            return new DaemonVerdict(WtDaemonState.Unknown, Why + " and matches no live worktree of " + scopeCommonDir + "; it is never treated as an orphan.", null, null, null);
        }
    }
}
