using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Worktrunk.Daemons;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.StandIn;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>Real repositories, real stand-in daemons on real sockets: every state and scope rule of the sweep.</summary>
    public sealed class FsmonitorSweepTests
    {
        private static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(1500);

        [Fact]
        public void Live_daemons_of_the_main_and_a_linked_worktree_are_classified_live_and_never_reaped()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("feature");
            var main = bed.StartDaemon(bed.CommonDir);
            var linked = bed.StartDaemon(DaemonTestBed.GitDirOf(wt));

            var inv = bed.Inventory(true, main, linked);
            Assert.All(inv, d => Assert.Equal(WtDaemonState.Live, d.State));
            Assert.Equal(PathUtil.Canonicalize(wt), PathUtil.Canonicalize(inv.Single(d => d.ProcessId == linked.Pid).WorktreePath!));
            Assert.Equal(bed.CommonDir, inv.Single(d => d.ProcessId == main.Pid).GitDir);

            var summary = FsmonitorSweep.Run(bed.Location, bed.Git, whatIf: false, Deadline);
            Assert.DoesNotContain(summary.Orphans, o => o.ProcessId == main.Pid || o.ProcessId == linked.Pid);
            Assert.True(main.IsAlive);
            Assert.True(linked.IsAlive);
        }

        [Fact]
        public void A_removed_worktree_whose_git_dir_lingers_is_reaped_with_sigterm()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("gone");
            var keep = bed.Sandbox.AddWorktree("keep");
            var gitDir = DaemonTestBed.GitDirOf(wt);
            var orphan = bed.StartDaemon(gitDir);
            var live = bed.StartDaemon(DaemonTestBed.GitDirOf(keep));
            TestFiles.DeleteTree(wt);

            var d = bed.Inventory(true, orphan).Single();
            Assert.Equal(WtDaemonState.OrphanedWorktreeRemoved, d.State);
            Assert.Equal(gitDir, d.GitDir);
            Assert.Equal(bed.CommonDir, d.CommonDir);

            var summary = FsmonitorSweep.Run(bed.Location, bed.Git, whatIf: false, Deadline);
            var result = summary.Results.Single(r => r.ProcessId == orphan.Pid);
            Assert.Equal(WtDaemonStopOutcome.Terminated, result.Outcome);
            Assert.False(orphan.IsAlive);
            Assert.True(live.IsAlive);
            Assert.True(summary.LiveSetKnown);
        }

        [Fact]
        public void A_git_dir_deleted_under_a_running_daemon_is_orphaned_git_dir_gone_and_reaped()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("deleted");
            var gitDir = DaemonTestBed.GitDirOf(wt);
            var orphan = bed.StartDaemon(gitDir);
            TestFiles.DeleteTree(wt);
            TestFiles.DeleteTree(gitDir);

            // The kernel still reports the full original path; the directory is what is tested.
            var d = bed.Inventory(true, orphan).Single();
            Assert.Equal(Path.Combine(gitDir, FsmonitorSocket.FileName), d.SocketPath);
            Assert.Equal(WtDaemonState.OrphanedGitDirGone, d.State);

            var summary = FsmonitorSweep.Run(bed.Location, bed.Git, whatIf: false, Deadline);
            Assert.Equal(WtDaemonStopOutcome.Terminated, summary.Results.Single(r => r.ProcessId == orphan.Pid).Outcome);
            Assert.False(orphan.IsAlive);
        }

        [Fact]
        public void A_process_that_names_the_daemon_but_holds_no_socket_is_never_signalled()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("decoy");
            var gitDir = DaemonTestBed.GitDirOf(wt);
            var noSocket = StandInLauncher.Start(bed.Procs, null, StandInMode.NoSocket);

            // A wrapper (gdb --args git fsmonitor--daemon run) that even holds the orphan's socket.
            var wrapper = StandInLauncher.Start(bed.Procs, Path.Combine(gitDir, FsmonitorSocket.FileName), argv0: "gdb", args: new[] { "--args", "git", "fsmonitor--daemon", "run" });
            TestFiles.DeleteTree(wt);

            var discovered = DaemonDiscovery.Discover(bed.Sink).Select(d => d.Pid).ToList();
            Assert.DoesNotContain(noSocket.Pid, discovered);
            Assert.DoesNotContain(wrapper.Pid, discovered);

            var summary = FsmonitorSweep.Run(bed.Location, bed.Git, whatIf: false, TimeSpan.FromMilliseconds(300));
            Assert.DoesNotContain(summary.Results, r => r.ProcessId == noSocket.Pid || r.ProcessId == wrapper.Pid);
            Assert.True(noSocket.IsAlive);
            Assert.True(wrapper.IsAlive);
            Assert.Null(DaemonStopper.StopForWorktree(bed.Sandbox.RepoPath, gitDir, bed.Git, TimeSpan.FromMilliseconds(300)));
            Assert.True(wrapper.IsAlive);
        }

        [Fact]
        public void Another_repositorys_orphans_are_untouched_by_this_repositorys_sweep()
        {
            using var mine = new DaemonTestBed("mine");
            using var other = new DaemonTestBed("other");
            var removed = other.Sandbox.AddWorktree("removed");
            var gone = other.Sandbox.AddWorktree("gone");
            var removedDaemon = other.StartDaemon(DaemonTestBed.GitDirOf(removed));
            var goneGitDir = DaemonTestBed.GitDirOf(gone);
            var goneDaemon = other.StartDaemon(goneGitDir);
            TestFiles.DeleteTree(removed);
            TestFiles.DeleteTree(gone);
            TestFiles.DeleteTree(goneGitDir);

            var summary = FsmonitorSweep.Run(mine.Location, mine.Git, whatIf: false, Deadline);
            Assert.DoesNotContain(summary.Orphans, o => o.ProcessId == removedDaemon.Pid || o.ProcessId == goneDaemon.Pid);
            Assert.True(removedDaemon.IsAlive);
            Assert.True(goneDaemon.IsAlive);

            // Its own repository's sweep reaps both.
            var theirs = FsmonitorSweep.Run(other.Location, other.Git, whatIf: false, Deadline);
            Assert.Contains(theirs.Results, r => r.ProcessId == removedDaemon.Pid && r.Stopped);
            Assert.Contains(theirs.Results, r => r.ProcessId == goneDaemon.Pid && r.Stopped);
        }

        [Fact]
        public void A_repository_reached_through_a_symlink_keeps_its_daemons_live()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("linked");
            var link = Path.Combine(bed.Sandbox.Root, "alias");
            File.CreateSymbolicLink(link, bed.Sandbox.RepoPath);
            var wtLink = Path.Combine(bed.Sandbox.Root, "alias-wt");
            File.CreateSymbolicLink(wtLink, bed.Sandbox.Root);

            // The sockets are bound through the symlinks, so the kernel reports the aliased paths.
            var main = StandInLauncher.Start(bed.Procs, Path.Combine(link, ".git", FsmonitorSocket.FileName));
            var linkedGitDir = DaemonTestBed.GitDirOf(wt);
            var aliasedLinkedGitDir = Path.Combine(wtLink, Path.GetRelativePath(bed.Sandbox.Root, linkedGitDir));
            var linked = StandInLauncher.Start(bed.Procs, Path.Combine(aliasedLinkedGitDir, FsmonitorSocket.FileName));

            var found = DaemonDiscovery.Discover(bed.Sink);
            Assert.Equal(Path.Combine(link, ".git", FsmonitorSocket.FileName), found.Single(d => d.Pid == main.Pid).SocketPath);

            foreach (var start in new[] { bed.Sandbox.RepoPath, link })
            {
                var location = RepositoryLocator.Locate(start, bed.Git);
                var inv = DaemonInventory.Take(location, bed.Git, true).Where(d => d.ProcessId == main.Pid || d.ProcessId == linked.Pid).ToList();
                Assert.Equal(2, inv.Count);
                Assert.All(inv, d => Assert.Equal(WtDaemonState.Live, d.State));

                var summary = FsmonitorSweep.Run(location, bed.Git, whatIf: false, Deadline);
                Assert.DoesNotContain(summary.Orphans, o => o.ProcessId == main.Pid || o.ProcessId == linked.Pid);
            }

            Assert.True(main.IsAlive);
            Assert.True(linked.IsAlive);
        }

        [Fact]
        public void An_orphan_that_ignores_sigterm_is_killed_after_the_deadline()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("stubborn");
            var orphan = bed.StartDaemon(DaemonTestBed.GitDirOf(wt), StandInMode.IgnoreTerm);
            TestFiles.DeleteTree(wt);

            var deadline = TimeSpan.FromMilliseconds(500);
            var clock = Stopwatch.StartNew();
            var summary = FsmonitorSweep.Run(bed.Location, bed.Git, whatIf: false, deadline);
            var r = summary.Results.Single(x => x.ProcessId == orphan.Pid);
            Assert.Equal(WtDaemonStopOutcome.Killed, r.Outcome);
            Assert.True(r.Elapsed >= deadline);
            Assert.False(orphan.IsAlive);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20));
        }

        [Fact]
        public void A_daemon_that_exits_between_discovery_and_signal_is_already_gone()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("racer");
            var orphan = bed.StartDaemon(DaemonTestBed.GitDirOf(wt));
            TestFiles.DeleteTree(wt);

            var calls = 0;
            var summary = FsmonitorSweep.Run(bed.Location, bed.Git, whatIf: false, Deadline, d =>
            {
                if (d.ProcessId == orphan.Pid)
                {
                    // Between classification and the signal, the daemon goes away by itself (IPC quit).
                    calls++;
                    StandInLauncher.SendQuit(orphan.SocketPath!);
                    Assert.True(StandInLauncher.WaitExited(orphan.Pid, TimeSpan.FromSeconds(20)));
                }

                return true;
            });

            Assert.Equal(1, calls);
            Assert.Equal(WtDaemonStopOutcome.AlreadyGone, summary.Results.Single(r => r.ProcessId == orphan.Pid).Outcome);
        }

        [Fact]
        public void WhatIf_classifies_but_signals_nothing()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("whatif");
            var orphan = bed.StartDaemon(DaemonTestBed.GitDirOf(wt));
            TestFiles.DeleteTree(wt);

            var asked = 0;
            var summary = FsmonitorSweep.Run(bed.Location, bed.Git, whatIf: true, Deadline, d => { asked += d.ProcessId == orphan.Pid ? 1 : 0; return true; });
            Assert.True(summary.WhatIf);
            Assert.Contains(summary.Orphans, o => o.ProcessId == orphan.Pid);
            Assert.Empty(summary.Results);
            Assert.Equal(1, asked);
            Assert.True(orphan.IsAlive);
        }

        [Fact]
        public void A_declined_daemon_is_not_signalled()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("declined");
            var orphan = bed.StartDaemon(DaemonTestBed.GitDirOf(wt));
            TestFiles.DeleteTree(wt);

            var summary = FsmonitorSweep.Run(bed.Location, bed.Git, whatIf: false, Deadline, d => d.ProcessId != orphan.Pid);
            Assert.DoesNotContain(summary.Results, r => r.ProcessId == orphan.Pid);
            Assert.True(orphan.IsAlive);
        }

        [Fact]
        public void When_git_worktree_list_fails_the_worktree_removed_class_is_off_but_git_dir_gone_is_still_reaped()
        {
            using var bed = new DaemonTestBed();
            var removed = bed.Sandbox.AddWorktree("removed");
            var gone = bed.Sandbox.AddWorktree("gone");
            var removedDaemon = bed.StartDaemon(DaemonTestBed.GitDirOf(removed));
            var goneGitDir = DaemonTestBed.GitDirOf(gone);
            var goneDaemon = bed.StartDaemon(goneGitDir);
            var liveDaemon = bed.StartDaemon(bed.CommonDir);
            TestFiles.DeleteTree(removed);
            TestFiles.DeleteTree(gone);
            TestFiles.DeleteTree(goneGitDir);

            var location = bed.Location;
            var failingGit = Path.Combine(bed.Sandbox.Root, "git-without-worktree-list");
            File.WriteAllText(failingGit, "#!/bin/sh\ncase \"$*\" in *'worktree list'*) echo 'fatal: simulated failure' >&2; exit 128;; esac\nexec git \"$@\"\n");
            File.SetUnixFileMode(failingGit, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var git = new GitRunner(bed.Sink) { GitExecutable = failingGit };

            var inv = DaemonInventory.Take(location, git, true).Where(d => d.ProcessId == removedDaemon.Pid || d.ProcessId == liveDaemon.Pid).ToList();
            Assert.All(inv, d => Assert.Equal(WtDaemonState.Unknown, d.State));

            var summary = FsmonitorSweep.Run(location, git, whatIf: false, Deadline);
            Assert.False(summary.LiveSetKnown);
            Assert.Contains(summary.Warnings, w => w.Contains("git worktree list failed", StringComparison.Ordinal));
            Assert.Contains(summary.Results, r => r.ProcessId == goneDaemon.Pid && r.Stopped);
            Assert.DoesNotContain(summary.Results, r => r.ProcessId == removedDaemon.Pid || r.ProcessId == liveDaemon.Pid);
            Assert.True(removedDaemon.IsAlive);
            Assert.True(liveDaemon.IsAlive);
        }

        [Fact]
        public void A_locked_worktree_whose_directory_is_missing_keeps_its_daemon()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("usb");
            bed.Sandbox.Git(bed.Sandbox.RepoPath, "worktree", "lock", "--reason", "on a USB disk", wt);
            var daemon = bed.StartDaemon(DaemonTestBed.GitDirOf(wt));
            TestFiles.DeleteTree(wt);

            Assert.Equal(WtDaemonState.Unknown, bed.Inventory(true, daemon).Single().State);
            var summary = FsmonitorSweep.Run(bed.Location, bed.Git, whatIf: false, Deadline);
            Assert.DoesNotContain(summary.Orphans, o => o.ProcessId == daemon.Pid);
            Assert.True(daemon.IsAlive);
        }

        [Fact]
        public void Sockets_outside_the_git_dir_are_live_when_git_s_name_ties_them_to_a_worktree_and_unknown_otherwise()
        {
            using var bed = new DaemonTestBed();
            var socketDir = Path.Combine(bed.Sandbox.Root, "socketdir");
            Directory.CreateDirectory(socketDir);
            var hash = LiveSet.Sha1Hex(PathUtil.Canonicalize(bed.Sandbox.RepoPath));
            var attributed = StandInLauncher.Start(bed.Procs, Path.Combine(socketDir, ".git-fsmonitor-" + hash));
            var stranger = StandInLauncher.Start(bed.Procs, Path.Combine(socketDir, ".git-fsmonitor-" + new string('0', 40)));

            var inv = bed.Inventory(false, attributed, stranger);
            Assert.Equal(WtDaemonState.Live, inv.Single(d => d.ProcessId == attributed.Pid).State);
            Assert.Equal(WtDaemonState.Unknown, inv.Single(d => d.ProcessId == stranger.Pid).State);

            // Even with the directory gone, a socket outside any git dir is never an orphan.
            TestFiles.DeleteTree(socketDir);
            var summary = FsmonitorSweep.Run(bed.Location, bed.Git, whatIf: false, Deadline);
            Assert.DoesNotContain(summary.Orphans, o => o.ProcessId == attributed.Pid || o.ProcessId == stranger.Pid);
            Assert.True(attributed.IsAlive);
            Assert.True(stranger.IsAlive);
        }

        [Fact]
        public void A_sweep_with_no_daemons_in_scope_lists_nothing_and_runs_no_git_when_no_daemon_exists_anywhere()
        {
            using var bed = new DaemonTestBed();
            var summary = FsmonitorSweep.Run(bed.Location, bed.Git, whatIf: false, Deadline);
            Assert.Empty(summary.Orphans);
            Assert.Empty(summary.Results);
            Assert.Empty(summary.Warnings);
            Assert.Equal(bed.CommonDir, summary.Repository);
        }
    }
}
