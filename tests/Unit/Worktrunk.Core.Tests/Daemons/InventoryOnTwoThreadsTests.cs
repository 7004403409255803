using System.Collections.Generic;
using System.IO;
using System.Linq;
using Worktrunk.Daemons;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>
    /// DaemonInventory classifies many daemons on two threads (one filesystem cache, listings asked
    /// one caller at a time): the verdicts must be exactly those of classifying each daemon alone,
    /// in discovery order, with every repository listed once.
    /// </summary>
    public sealed class InventoryOnTwoThreadsTests
    {
        [Fact]
        public void Many_daemons_get_the_verdicts_of_one_at_a_time_in_order_and_one_listing()
        {
            using var bed = new DaemonTestBed();
            var sb = bed.Sandbox;

            // 48 linked worktrees: 24 live, 16 `rm -rf`ed (registration kept), 8 with the git dir gone too.
            var gitDirs = new List<string>();
            for (var i = 0; i < 48; i++)
            {
                var dir = Path.Combine(sb.Root, "w" + i);
                sb.Git(sb.RepoPath, "worktree", "add", "-q", "--no-checkout", "--detach", dir);
                gitDirs.Add(DaemonTestBed.GitDirOf(dir));
                if (i >= 24)
                {
                    TestFiles.DeleteTree(dir);
                }

                if (i >= 40)
                {
                    TestFiles.DeleteTree(gitDirs[i]);
                }
            }

            // The main worktree's socket, one in a directory that is no git dir, and the linked ones,
            // interleaved so both threads meet every kind. argv null: no /proc is read for them.
            var notGit = Path.Combine(sb.Root, "not-a-git-dir");
            Directory.CreateDirectory(notGit);
            var sockets = new List<string> { Path.Combine(bed.CommonDir, FsmonitorSocket.FileName), Path.Combine(notGit, FsmonitorSocket.FileName) };
            for (var i = 0; i < 48; i++)
            {
                sockets.Add(Path.Combine(gitDirs[(i * 7) % 48], FsmonitorSocket.FileName));
            }

            var discovered = sockets.Select((s, i) => new DiscoveredDaemon(new ProcessIdentity(4_000_000 + i, 1000UL + (ulong)i), null, s, DiscoveredBy.SocketPeer)).ToList();

            // One at a time: a fresh view per daemon, the same kind of listings.
            var alone = discovered.Select(d => DaemonInventory.Describe(d, bed.CommonDir, Files(bed, out _))).ToList();

            for (var round = 0; round < 10; round++)
            {
                var listings = Files(bed, out var git);
                var both = DaemonInventory.Take(bed.Location, bed.Git, false, DiscoveryMethod.ProcFs, discovered, listings);
                Assert.Equal(alone.Select(Key), both.Select(Key));
                Assert.Equal(1, listings.ReadFromFiles);
                Assert.Equal(0, git.GitCalls);
            }

            Assert.Equal(25, alone.Count(d => d.State == WtDaemonState.Live));
            Assert.Equal(16, alone.Count(d => d.State == WtDaemonState.OrphanedWorktreeRemoved));
            Assert.Equal(8, alone.Count(d => d.State == WtDaemonState.OrphanedGitDirGone));
            Assert.Equal(1, alone.Count(d => d.State == WtDaemonState.Unknown));
        }

        private static FileWorktreeListings Files(DaemonTestBed bed, out GitWorktreeListings git)
        {
            git = new GitWorktreeListings(bed.Git, bed.Location, false);
            return new FileWorktreeListings(git, bed.CommonDir, false);
        }

        private static string Key(WtFsmonitorDaemon d) =>
            string.Join("|", d.ProcessId, d.State, d.Reason, d.GitDir, d.CommonDir, d.WorktreePath, d.InRepository);
    }
}
