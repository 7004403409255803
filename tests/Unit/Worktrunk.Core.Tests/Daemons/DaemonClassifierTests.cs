using System;
using System.Collections.Generic;
using Worktrunk.Daemons;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>The classification function, rule by rule, on a model filesystem.</summary>
    public sealed class DaemonClassifierTests
    {
        private const string Common = "/src/repo/.git";
        private readonly ModelFileSystem _fs = new ModelFileSystem();
        private readonly ModelListings _listings = new ModelListings();

        public DaemonClassifierTests()
        {
            _fs.Mkdir("/src/repo");
            _fs.GitDir(Common, Common);
            _fs.Mkdir("/src/repo-a");
            _fs.GitDir(Common + "/worktrees/a", Common);
            _fs.GitDir(Common + "/worktrees/gone", Common);
            _fs.GitDir(Common + "/worktrees/locked", Common);
            _fs.GitDir(Common + "/worktrees/stray", Common);
            _fs.Mkdir("/other/repo");
            _fs.GitDir("/other/repo/.git", "/other/repo/.git");
            _fs.GitDir("/other/repo/.git/worktrees/x", "/other/repo/.git");
            _fs.GitDir(Common + "/modules/sub", Common + "/modules/sub");
            _fs.Symlink("/alias", "/src");
            Listing(Common, Entries());
            Listing("/other/repo/.git", new List<WorktreeFact> { new WorktreeFact("/other/repo", "/other/repo/.git", false, false, false) });
        }

        private static List<WorktreeFact> Entries() => new List<WorktreeFact>
        {
            new WorktreeFact("/src/repo", Common, false, false, false),
            new WorktreeFact("/src/repo-a", Common + "/worktrees/a", false, false, false),
            new WorktreeFact("/src/repo-gone", Common + "/worktrees/gone", false, true, false),
            new WorktreeFact("/media/usb/repo-locked", Common + "/worktrees/locked", false, false, true),
        };

        private void Listing(string common, List<WorktreeFact>? entries) =>
            _listings.ByCommonDir[common] = entries == null ? WorktreeListing.Failed(common, "simulated failure") : WorktreeListing.Of(common, entries);

        private DaemonVerdict Classify(string? socket, string? scope = Common) => DaemonClassifier.Classify(socket, scope, _fs, _listings);

        private static string Sock(string dir) => dir + "/" + FsmonitorSocket.FileName;

        [Fact]
        public void Main_and_linked_worktree_sockets_are_live()
        {
            var main = Classify(Sock(Common));
            Assert.Equal(WtDaemonState.Live, main.State);
            Assert.Equal("/src/repo", main.WorktreePath);
            Assert.Equal(WtDaemonState.Live, Classify(Sock(Common + "/worktrees/a")).State);
        }

        [Fact]
        public void A_symlinked_socket_path_is_canonicalized_before_comparing()
        {
            var v = Classify(Sock("/alias/repo/.git/worktrees/a"));
            Assert.Equal(WtDaemonState.Live, v.State);
            Assert.Equal(Common + "/worktrees/a", v.GitDir);
        }

        [Fact]
        public void Listed_paths_through_symlinks_are_canonicalized_too()
        {
            Listing(Common, new List<WorktreeFact>
            {
                new WorktreeFact("/alias/repo", "/alias/repo/.git", false, false, false),
                new WorktreeFact("/alias/repo-a", "/alias/repo/.git/worktrees/a", false, false, false),
            });
            Assert.Equal(WtDaemonState.Live, Classify(Sock(Common + "/worktrees/a")).State);
            Assert.Equal(WtDaemonState.Live, Classify(Sock(Common)).State);
        }

        [Fact]
        public void A_prunable_registration_is_orphaned_worktree_removed()
        {
            var v = Classify(Sock(Common + "/worktrees/gone"));
            Assert.Equal(WtDaemonState.OrphanedWorktreeRemoved, v.State);
            Assert.Equal("/src/repo-gone", v.WorktreePath);
            Assert.Equal(Common, v.CommonDir);
            Assert.True(DaemonClassifier.InSweepScope(v, Sock(Common + "/worktrees/gone"), Common));
        }

        [Fact]
        public void A_registration_no_worktree_names_is_orphaned_worktree_removed()
        {
            Assert.Equal(WtDaemonState.OrphanedWorktreeRemoved, Classify(Sock(Common + "/worktrees/stray")).State);
        }

        [Fact]
        public void A_worktree_whose_directory_is_missing_but_not_yet_prunable_is_not_live()
        {
            // Listed as not prunable, but its directory is gone: not live, so the daemon is an orphan.
            Listing(Common, new List<WorktreeFact>
            {
                new WorktreeFact("/src/repo", Common, false, false, false),
                new WorktreeFact("/src/repo-vanished", Common + "/worktrees/gone", false, false, false),
            });
            Assert.Equal(WtDaemonState.OrphanedWorktreeRemoved, Classify(Sock(Common + "/worktrees/gone")).State);
        }

        [Fact]
        public void A_deleted_git_dir_is_orphaned_git_dir_gone_even_with_the_full_path_reported()
        {
            var v = Classify(Sock(Common + "/worktrees/deleted"));
            Assert.Equal(WtDaemonState.OrphanedGitDirGone, v.State);
            Assert.Equal(Common, v.CommonDir);
            Assert.True(DaemonClassifier.InSweepScope(v, Sock(Common + "/worktrees/deleted"), Common));
            Assert.False(DaemonClassifier.InSweepScope(v, Sock(Common + "/worktrees/deleted"), "/other/repo/.git"));
        }

        [Fact]
        public void A_deleted_git_dir_reached_through_a_symlink_is_scoped_to_the_real_repository()
        {
            var socket = Sock("/alias/repo/.git/worktrees/deleted");
            var v = Classify(socket);
            Assert.Equal(WtDaemonState.OrphanedGitDirGone, v.State);
            Assert.Equal(Common + "/worktrees/deleted", v.GitDir);
            Assert.True(DaemonClassifier.InSweepScope(v, socket, Common));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("fsmonitor--daemon.ipc")]
        public void A_bare_socket_name_is_git_dir_gone_and_in_every_repositorys_scope(string? socket)
        {
            var v = Classify(socket);
            Assert.Equal(WtDaemonState.OrphanedGitDirGone, v.State);
            Assert.True(DaemonClassifier.InSweepScope(v, socket, Common));
            Assert.True(DaemonClassifier.InSweepScope(v, socket, "/other/repo/.git"));
        }

        [Fact]
        public void A_failed_listing_disables_worktree_removed_entirely()
        {
            Listing(Common, null);
            Assert.Equal(WtDaemonState.Unknown, Classify(Sock(Common + "/worktrees/gone")).State);
            Assert.Equal(WtDaemonState.Unknown, Classify(Sock(Common + "/worktrees/a")).State);

            // Git-dir-gone needs no listing.
            Assert.Equal(WtDaemonState.OrphanedGitDirGone, Classify(Sock(Common + "/worktrees/deleted")).State);
        }

        [Fact]
        public void An_empty_listing_is_not_a_failed_one()
        {
            Listing(Common, new List<WorktreeFact>());
            Assert.Equal(WtDaemonState.OrphanedWorktreeRemoved, Classify(Sock(Common + "/worktrees/gone")).State);
        }

        [Fact]
        public void A_live_worktree_with_an_unresolved_git_dir_makes_the_repository_unprovable()
        {
            var entries = Entries();
            entries.Add(new WorktreeFact("/src/repo-a", null, false, false, false));
            Listing(Common, entries);
            Assert.Equal(WtDaemonState.Unknown, Classify(Sock(Common + "/worktrees/gone")).State);
            Assert.Equal(WtDaemonState.Live, Classify(Sock(Common + "/worktrees/a")).State);
        }

        [Fact]
        public void A_locked_worktree_with_a_missing_directory_is_unknown()
        {
            Assert.Equal(WtDaemonState.Unknown, Classify(Sock(Common + "/worktrees/locked")).State);
        }

        [Fact]
        public void Another_repositorys_daemon_is_classified_against_its_own_repository_and_never_in_this_scope()
        {
            var v = Classify(Sock("/other/repo/.git/worktrees/x"));
            Assert.Equal(WtDaemonState.OrphanedWorktreeRemoved, v.State);
            Assert.Equal("/other/repo/.git", v.CommonDir);
            Assert.False(DaemonClassifier.InSweepScope(v, Sock("/other/repo/.git/worktrees/x"), Common));
            Assert.False(DaemonClassifier.InDefaultView(v, Common));
            Assert.Equal(WtDaemonState.Live, Classify(Sock("/other/repo/.git")).State);
        }

        [Fact]
        public void A_nested_git_dir_under_the_common_dir_is_its_own_repository_not_an_orphan_of_this_one()
        {
            // A submodule's git dir lives at <common>/modules/<name>: it must not be mistaken for a removed worktree.
            var v = Classify(Sock(Common + "/modules/sub"));
            Assert.NotEqual(WtDaemonState.OrphanedWorktreeRemoved, v.State);
            Assert.False(DaemonClassifier.InSweepScope(v, Sock(Common + "/modules/sub"), Common));

            _fs.Mkdir(Common + "/worktrees/a/nested");
            Assert.Equal(WtDaemonState.Unknown, Classify(Sock(Common + "/worktrees/a/nested")).State);
        }

        [Fact]
        public void A_directory_that_is_not_a_git_dir_is_unknown()
        {
            _fs.Mkdir("/tmp/random");
            Assert.Equal(WtDaemonState.Unknown, Classify(Sock("/tmp/random")).State);
        }

        [Fact]
        public void Socket_dir_sockets_are_live_when_attributable_and_unknown_otherwise_even_when_their_directory_is_gone()
        {
            var hash = LiveSet.Sha1Hex("/src/repo-a");
            Assert.Equal(WtDaemonState.Live, Classify("/home/me/.git-fsmonitor-" + hash).State);
            Assert.Equal(WtDaemonState.Unknown, Classify("/home/me/.git-fsmonitor-" + new string('a', 40)).State);
            Assert.Equal(WtDaemonState.Unknown, Classify("/home/me/.git-fsmonitor-" + hash, scope: null).State);
            Listing(Common, null);
            Assert.Equal(WtDaemonState.Unknown, Classify("/home/me/.git-fsmonitor-" + hash).State);
        }

        [Fact]
        public void Relative_or_foreign_socket_names_are_unknown()
        {
            Assert.Equal(WtDaemonState.Unknown, Classify("repo/.git/fsmonitor--daemon.ipc").State);
            Assert.Equal(WtDaemonState.Unknown, Classify("/src/repo/.git/other.sock").State);
        }

        [Fact]
        public void Only_orphans_are_in_scope_and_the_default_view()
        {
            foreach (var state in new[] { WtDaemonState.Live, WtDaemonState.Unknown })
            {
                var v = new DaemonVerdict(state, "r", Common + "/worktrees/gone", Common, null);
                Assert.False(DaemonClassifier.InSweepScope(v, Sock(Common + "/worktrees/gone"), Common));
                Assert.False(DaemonClassifier.InDefaultView(v, Common));
            }
        }
    
        [Fact]
        public void Windows_pipe_paths_classify_with_backslashes()
        {
            // On Windows discovery maps \\.\pipe\C_\src\repo\.git\worktrees\x\fsmonitor--daemon.ipc back to a path.
            var fs = new WindowsView();
            var listings = new ModelListings();
            const string Common = @"C:\src\repo\.git";
            listings.ByCommonDir[Common] = WorktreeListing.Of(Common, new List<WorktreeFact>
            {
                new WorktreeFact(@"C:\src\repo", Common, false, false, false),
                new WorktreeFact(@"C:\src\repo-gone", Common + @"\worktrees\gone", false, true, false),
            });

            var live = DaemonClassifier.Classify(Common + @"\fsmonitor--daemon.ipc", Common, fs, listings);
            Assert.Equal(WtDaemonState.Live, live.State);
            var removed = DaemonClassifier.Classify(Common + @"\worktrees\gone\fsmonitor--daemon.ipc", Common, fs, listings);
            Assert.Equal(WtDaemonState.OrphanedWorktreeRemoved, removed.State);
            var gone = DaemonClassifier.Classify(Common + @"\worktrees\deleted\fsmonitor--daemon.ipc", Common, fs, listings);
            Assert.Equal(WtDaemonState.OrphanedGitDirGone, gone.State);
            Assert.Equal(Common, gone.CommonDir);
            Assert.Equal(WtDaemonState.Unknown, DaemonClassifier.Classify(@"src\repo\.git\fsmonitor--daemon.ipc", Common, fs, listings).State);
        }

        /// <summary>A fixed Windows-shaped filesystem: C:\src\repo\.git with one lingering registration.</summary>
        private sealed class WindowsView : IFileSystemView
        {
            private static readonly HashSet<string> Dirs = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
            {
                @"C:\src\repo", @"C:\src\repo\.git", @"C:\src\repo\.git\worktrees", @"C:\src\repo\.git\worktrees\gone",
            };

            public string Canonicalize(string path) => path.TrimEnd('\\');

            public bool DirectoryExists(string path) => Dirs.Contains(path);

            public string? CommonDirOf(string canonicalGitDir) =>
                canonicalGitDir.StartsWith(@"C:\src\repo\.git", StringComparison.OrdinalIgnoreCase) && Dirs.Contains(canonicalGitDir) && !canonicalGitDir.EndsWith("worktrees", StringComparison.OrdinalIgnoreCase) ? @"C:\src\repo\.git" : null;
        }
    }
}
