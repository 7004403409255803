using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Worktrunk.Daemons;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.Processes;
using Worktrunk.StandIn;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>
    /// Discovery from the sockets, with real Unix sockets and real stand-in daemons. Every
    /// discovery here is scoped to the test's own directories (socketFilter), so no test looks at
    /// another run's daemons; every process is registered with TestProcesses and killed by PID.
    /// </summary>
    public sealed class SocketDiscoveryTests
    {
        internal static Func<string, bool> Under(string root) => p => p.StartsWith(root + "/", StringComparison.Ordinal);

        [Fact]
        public void Socket_attribution_finds_exactly_the_stand_in_daemons()
        {
            using var bed = new DaemonTestBed();
            var a = DaemonTestBed.GitDirOf(bed.Sandbox.AddWorktree("a"));
            var b = DaemonTestBed.GitDirOf(bed.Sandbox.AddWorktree("b"));
            var daemons = new[] { bed.StartDaemon(bed.CommonDir), bed.StartDaemon(a), bed.StartDaemon(b) };

            // A daemon-looking process without a socket is no daemon.
            StandInLauncher.Start(bed.Procs, null, StandInMode.NoSocket);

            var scans = DaemonDiscovery.ProcessScansOnThisThread;
            var found = DaemonDiscovery.Discover(bed.Sink, DiscoveryMethod.ProcFs, default, Under(bed.Sandbox.Root));
            Assert.Equal(daemons.Select(d => d.Pid).OrderBy(p => p), found.Select(f => f.Pid).OrderBy(p => p));
            foreach (var d in daemons)
            {
                var f = found.Single(x => x.Pid == d.Pid);
                Assert.Equal(DiscoveredBy.SocketPeer, f.By);
                Assert.Equal(d.SocketPath, f.SocketPath);
                Assert.Equal(ProcessIdentities.Capture(d.Pid), f.Identity);
                Assert.Equal(new[] { "git", "fsmonitor--daemon", "run" }, f.Argv);
            }

            // Every socket was attributed by its listener: the process scan never ran.
            Assert.Equal(scans, DaemonDiscovery.ProcessScansOnThisThread);

            // And the stand-ins still serve: each accepts a connection after being asked.
            Assert.All(daemons, d => Assert.True(d.IsAlive));
            Assert.All(daemons, d => Assert.Equal(PeerStatus.Found, AskAndClose(d.SocketPath!, out _)));
        }

        [Fact]
        public void A_socket_whose_path_is_gone_falls_back_to_the_scan_and_still_attributes()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("gone");
            var gitDir = DaemonTestBed.GitDirOf(wt);
            var live = bed.StartDaemon(bed.CommonDir);
            var orphan = bed.StartDaemon(gitDir);
            TestFiles.DeleteTree(wt);
            TestFiles.DeleteTree(gitDir);
            Assert.Equal(PeerStatus.PathGone, AskAndClose(orphan.SocketPath!, out _));

            var scans = DaemonDiscovery.ProcessScansOnThisThread;
            var found = DaemonDiscovery.Discover(bed.Sink, DiscoveryMethod.ProcFs, default, Under(bed.Sandbox.Root));
            Assert.Equal(scans + 1, DaemonDiscovery.ProcessScansOnThisThread);
            Assert.Equal(2, found.Count);
            Assert.Equal(DiscoveredBy.SocketPeer, found.Single(f => f.Pid == live.Pid).By);
            var o = found.Single(f => f.Pid == orphan.Pid);
            Assert.Equal(DiscoveredBy.ProcessScan, o.By);
            Assert.Equal(orphan.SocketPath, o.SocketPath);

            var inventory = DaemonInventory.Take(bed.Location, bed.Git, false, DiscoveryMethod.ProcFs, found);
            Assert.Equal(WtDaemonState.OrphanedGitDirGone, inventory.Single(d => d.ProcessId == orphan.Pid).State);
            Assert.Equal(WtDaemonState.Live, inventory.Single(d => d.ProcessId == live.Pid).State);
        }

        [Fact]
        public void A_replaced_socket_file_attributes_each_listener_to_its_own_socket()
        {
            // Two listening sockets bound to one path (the first one's file unlinked, a second
            // daemon bound there): a connection reaches only the second; the first must still be
            // found, by the scan, and neither may be given the other's socket.
            using var bed = new DaemonTestBed();
            var first = bed.StartDaemon(bed.CommonDir);
            File.Delete(first.SocketPath!);
            var second = bed.StartDaemon(bed.CommonDir);
            Assert.True(AskAndClose(second.SocketPath!, out var peer) == PeerStatus.Found && peer == second.Pid);

            var found = DaemonDiscovery.Discover(bed.Sink, DiscoveryMethod.ProcFs, default, Under(bed.Sandbox.Root));
            Assert.Equal(2, found.Count);
            Assert.Equal(DiscoveredBy.SocketPeer, found.Single(f => f.Pid == second.Pid).By);
            Assert.Equal(DiscoveredBy.ProcessScan, found.Single(f => f.Pid == first.Pid).By);
        }

        [Fact]
        public void A_socket_path_that_now_leads_elsewhere_through_a_symlink_is_not_believed()
        {
            // Daemon A bound x/.git/fsmonitor--daemon.ipc; x was then renamed and replaced by a
            // symlink to z, where daemon B listens. Connecting to A's listed path reaches B: B must
            // not be given A's path, and A must still be found (by the scan) with its own.
            using var bed = new DaemonTestBed();
            var root = bed.Sandbox.Root;
            var x = Directory.CreateDirectory(Path.Combine(root, "x", ".git")).FullName;
            var z = Directory.CreateDirectory(Path.Combine(root, "z", ".git")).FullName;
            var a = bed.StartDaemon(x);
            var b = bed.StartDaemon(z);
            Directory.Move(Path.Combine(root, "x"), Path.Combine(root, "x-moved"));
            File.CreateSymbolicLink(Path.Combine(root, "x"), Path.Combine(root, "z"));
            Assert.True(AskAndClose(a.SocketPath!, out var peer) == PeerStatus.Found && peer == b.Pid);
            Assert.Equal(PeerStatus.Found, SocketPeers.Ask(a.SocketPath!, out _, out var pidfd, out var bound));
            Interop.Libc.close(pidfd);
            Assert.False(bound);

            var found = DaemonDiscovery.Discover(bed.Sink, DiscoveryMethod.ProcFs, default, Under(root));
            Assert.Equal(2, found.Count);
            var fa = found.Single(f => f.Pid == a.Pid);
            var fb = found.Single(f => f.Pid == b.Pid);
            Assert.Equal(a.SocketPath, fa.SocketPath);
            Assert.Equal(DiscoveredBy.ProcessScan, fa.By);
            Assert.Equal(b.SocketPath, fb.SocketPath);
            Assert.Equal(DiscoveredBy.SocketPeer, fb.By);
        }

        [Theory]
        [InlineData("git", "fsmonitor--daemon", "status")]
        [InlineData("gitx", "fsmonitor--daemon", "run")]
        [InlineData("python3", "git", "fsmonitor--daemon", "run")]
        public void A_non_daemon_listening_on_an_fsmonitor_socket_is_never_reported(string argv0, params string[] args)
        {
            using var bed = new DaemonTestBed();
            var decoy = StandInLauncher.Start(bed.Procs, Path.Combine(bed.CommonDir, FsmonitorSocket.FileName), argv0: argv0, args: args);
            var daemon = bed.StartDaemon(DaemonTestBed.GitDirOf(bed.Sandbox.AddWorktree("real")));

            // The socket names the decoy as its listener; its argv rules it out (and the scan, run for its socket, does too).
            Assert.True(AskAndClose(decoy.SocketPath!, out var peer) == PeerStatus.Found && peer == decoy.Pid);
            var found = DaemonDiscovery.Discover(bed.Sink, DiscoveryMethod.ProcFs, default, Under(bed.Sandbox.Root));
            Assert.Equal(new[] { daemon.Pid }, found.Select(f => f.Pid));
            Assert.True(decoy.IsAlive);
        }

        [Fact]
        public void Asking_a_path_never_blocks_and_says_what_is_there()
        {
            using var bed = new DaemonTestBed();
            var root = bed.Sandbox.Root;
            Assert.Equal(PeerStatus.PathGone, AskAndClose(Path.Combine(root, "nothing", FsmonitorSocket.FileName), out _));

            var file = Path.Combine(root, "plain");
            File.WriteAllText(file, "x");
            Assert.Equal(PeerStatus.Failed, AskAndClose(file, out _));

            // A FIFO is never opened (an open would block until a writer came).
            var fifo = Path.Combine(root, "fifo");
            Assert.Equal(0, mkfifo(fifo, 0x180));
            Assert.Equal(PeerStatus.Failed, AskAndClose(fifo, out _));

            Assert.Equal(PeerStatus.Failed, AskAndClose("/" + new string('x', 120), out _));

            var d = bed.StartDaemon(bed.CommonDir);
            Assert.Equal(PeerStatus.Found, SocketPeers.Ask(d.SocketPath!, out var pid, out var pidfd));
            try
            {
                Assert.Equal(d.Pid, pid);

                // Kernel 6.5+ hands a pidfd of the listener, still open (not exited).
                if (pidfd >= 0)
                {
                    Assert.False(ProcFs.PidfdExited(pidfd));
                }
            }
            finally
            {
                if (pidfd >= 0)
                {
                    Interop.Libc.close(pidfd);
                }
            }
        }

        [Fact]
        public void A_full_backlog_answers_busy_at_once_instead_of_waiting()
        {
            // A listener that never accepts (this test's own socket, backlog 1): once its queue is
            // full, asking must come back Busy at once (discovery then scans for that socket).
            using var bed = new DaemonTestBed();
            var path = Path.Combine(bed.Sandbox.Root, FsmonitorSocket.FileName);
            using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
            listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            var status = PeerStatus.Found;
            for (var i = 0; i < 16 && status == PeerStatus.Found; i++)
            {
                // Each connection that got in stays queued (closing the client does not dequeue it).
                status = AskAndClose(path, out var pid);
                Assert.True(status != PeerStatus.Found || pid == Environment.ProcessId);
            }

            Assert.Equal(PeerStatus.Busy, status);
        }

        [Fact]
        public void Get_WtOrphanDaemon_lists_worktrees_from_git_files_without_running_git()
        {
            using var bed = new DaemonTestBed();
            bed.Sandbox.AddWorktree("one");
            var locked = bed.Sandbox.AddWorktree("locked");
            bed.Sandbox.Git(bed.Sandbox.RepoPath, "worktree", "lock", locked);
            var removed = bed.Sandbox.AddWorktree("removed");
            TestFiles.DeleteTree(removed);

            var git = new GitWorktreeListings(bed.Git, bed.Location, false);
            var files = new FileWorktreeListings(git, bed.CommonDir, false);
            var fromFiles = files.For(bed.CommonDir);
            Assert.Equal(1, files.ReadFromFiles);
            Assert.Equal(0, git.GitCalls);

            // The same facts `git worktree list` gives.
            var fromGit = new GitWorktreeListings(bed.Git, bed.Location, false).For(bed.CommonDir);
            Assert.Equal(Describe(fromGit), Describe(fromFiles));
            Assert.Equal(4, fromFiles.Entries!.Count);

            // A shape the reader declines goes to git.
            bed.Sandbox.Git(bed.Sandbox.RepoPath, "config", "extensions.worktreeConfig", "true");
            var git2 = new GitWorktreeListings(bed.Git, bed.Location, false);
            var files2 = new FileWorktreeListings(git2, bed.CommonDir, false);
            Assert.Equal(Describe(fromGit), Describe(files2.For(bed.CommonDir)));
            Assert.Equal(0, files2.ReadFromFiles);
            Assert.Equal(1, git2.GitCalls);

            // Another repository is not listed unless allowed, from files or otherwise.
            Assert.Null(new FileWorktreeListings(git2, bed.CommonDir, false).For("/nonexistent/.git").Entries);
        }

        [Fact]
        public void Inventory_of_a_stand_in_takes_the_listing_from_files()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("inv");
            var d = bed.StartDaemon(DaemonTestBed.GitDirOf(wt));
            TestFiles.DeleteTree(wt);

            var found = DaemonDiscovery.Discover(bed.Sink, DiscoveryMethod.ProcFs, default, Under(bed.Sandbox.Root));
            var verbose = bed.Sink.Verbose.Count;
            var inv = DaemonInventory.Take(bed.Location, bed.Git, false, DiscoveryMethod.ProcFs, found, readGitFiles: true).Single(x => x.ProcessId == d.Pid);
            Assert.Equal(WtDaemonState.OrphanedWorktreeRemoved, inv.State);

            // No command ran (each would be reported to the sink as verbose).
            Assert.Equal(verbose, bed.Sink.Verbose.Count);
        }

        [Fact]
        public void Watches_of_a_live_worktree_root_make_a_daemon_live_whatever_its_socket_says()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("watched");
            var gitDir = DaemonTestBed.GitDirOf(wt);
            var d = bed.StartDaemon(bed.CommonDir);
            var found = DaemonDiscovery.Discover(bed.Sink, DiscoveryMethod.ProcFs, default, Under(bed.Sandbox.Root)).Single(x => x.Pid == d.Pid);

            // The socket's path says: a git dir that no longer exists.
            var moved = new DiscoveredDaemon(found.Identity, found.Argv, Path.Combine(bed.Sandbox.Root, "old", ".git", FsmonitorSocket.FileName));
            var listings = new FileWorktreeListings(new GitWorktreeListings(bed.Git, bed.Location, false), bed.CommonDir, false);

            var byPath = DaemonInventory.Describe(moved, bed.CommonDir, listings, null, _ => null);
            Assert.Equal(WtDaemonState.OrphanedGitDirGone, byPath.State);

            var watchingLive = new DaemonWatches(FileIdentity.Of(wt), FileIdentity.Of(gitDir));
            var live = DaemonInventory.Describe(moved, bed.CommonDir, listings, null, _ => watchingLive);
            Assert.Equal(WtDaemonState.Live, live.State);
            Assert.Equal(wt, live.WorktreePath);
            Assert.Equal(PathUtil.Canonicalize(gitDir), live.GitDir);
            Assert.Contains("and its git dir", live.Reason, StringComparison.Ordinal);

            // Watching something that is no live worktree's root changes nothing.
            var other = DaemonInventory.Describe(moved, bed.CommonDir, listings, null, _ => new DaemonWatches(FileIdentity.Of(bed.Sandbox.Root), null));
            Assert.Equal(WtDaemonState.OrphanedGitDirGone, other.State);

            // Nor does a worktree's root when that worktree is gone (its registration prunable).
            var removedWt = bed.Sandbox.AddWorktree("removed");
            var removedId = FileIdentity.Of(removedWt);
            TestFiles.DeleteTree(removedWt);
            var removedListings = new FileWorktreeListings(new GitWorktreeListings(bed.Git, bed.Location, false), bed.CommonDir, false);
            Assert.Equal(WtDaemonState.OrphanedGitDirGone, DaemonInventory.Describe(moved, bed.CommonDir, removedListings, null, _ => new DaemonWatches(removedId, null)).State);
        }

        [Fact]
        public void Inotify_fdinfo_parses_into_the_stat_device_and_inode()
        {
            const string Text = "pos:\t0\nflags:\t04000\nmnt_id:\t17\nino:\t1038\n" +
                "inotify wd:6 ino:b1e794 sdev:fe00000 mask:fc6 ignored_mask:0 fhandle-bytes:8 fhandle-type:1 f_handle:94e7b1006940ec20\n" +
                "inotify wd:2 ino:b1e720 sdev:fe00000 mask:fc6 ignored_mask:0 fhandle-bytes:8 fhandle-type:1 f_handle:20e7b100f67f1109\n" +
                "inotify wd:1 ino:b1e731 sdev:10300005 mask:fc6 ignored_mask:0 fhandle-bytes:8 fhandle-type:1 f_handle:31e7b1007dc39de8\n";
            var w = InotifyWatches.Parse(Text)!.Value;
            Assert.Equal(new FileIdentity(0xfe00, 0xb1e720), w.GitDir);

            // major 259, minor 5 (an NVMe partition): glibc makedev(259, 5).
            Assert.Equal(new FileIdentity((259UL << 8) | 5, 0xb1e731), w.Root);
            Assert.Null(InotifyWatches.Parse("pos:\t0\ninotify wd:3 ino:1 sdev:0 mask:0\n"));
            Assert.Null(InotifyWatches.Parse("inotify wd:1 ino:zz sdev:0\n"));

            // Large minors and majors (the split encodings).
            Assert.Equal(0xabc12345UL, InotifyWatches.UserDevice((0x123UL << 20) | 0xabc45));

            // And stat agrees with itself through another spelling of the same directory.
            Assert.NotNull(FileIdentity.Of("/"));
            Assert.Equal(FileIdentity.Of("/"), FileIdentity.Of("/."));
            Assert.Null(FileIdentity.Of("/nonexistent-" + Guid.NewGuid().ToString("N")));
        }

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        private static extern int mkfifo(string path, int mode);

        internal static PeerStatus AskAndClose(string path, out int pid)
        {
            var status = SocketPeers.Ask(path, out pid, out var pidfd);
            if (pidfd >= 0)
            {
                Interop.Libc.close(pidfd);
            }

            return status;
        }

        private static string Describe(WorktreeListing listing) =>
            string.Join("\n", listing.Entries!.Select(e => e.Path + "|" + e.GitDir + "|" + e.IsBare + "|" + e.IsPrunable + "|" + e.IsLocked));
    }

}
