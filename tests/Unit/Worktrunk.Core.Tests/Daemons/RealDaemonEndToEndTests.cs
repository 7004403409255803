using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Worktrunk.Daemons;
using Worktrunk.Git;
using Worktrunk.Removal;
using Worktrunk.StandIn;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>
    /// End to end against git 2.55's real Linux fsmonitor daemon (<see cref="RealGit"/>; skipped,
    /// saying how to enable them, where there is none). The module runs that git explicitly
    /// (GitRunner.GitExecutable), so these run with the real daemon whichever git is on PATH.
    /// Isolation: every daemon is started by the test in its own sandbox and tracked by PID
    /// (killed at the end); every assertion looks only at daemons whose sockets lie in the test's
    /// own directories; the code under test signals only daemons of the test's repository (the
    /// sweep's scope) or holding the test's worktree socket (the removal's stop), so a concurrent
    /// run's daemons are never seen as ours nor signalled.
    /// </summary>
    public sealed class RealDaemonEndToEndTests
    {
        [RealGitFact]
        public void Live_daemons_of_the_main_and_a_linked_worktree_are_found_and_classified_live()
        {
            using var bed = RealBed();
            var linked = bed.Sandbox.AddWorktree("live");
            var main = RealDaemon.Start(bed.Sandbox.RepoPath, bed.Procs);
            var wt = RealDaemon.Start(linked, bed.Procs);

            var mine = Mine(bed, main, wt);
            Assert.Equal(2, mine.Count);
            var m = mine.Single(d => d.ProcessId == main.Pid);
            var l = mine.Single(d => d.ProcessId == wt.Pid);
            Assert.Equal(WtDaemonState.Live, m.State);
            Assert.Equal(WtDaemonState.Live, l.State);
            Assert.Equal(bed.CommonDir, m.GitDir);
            Assert.Equal(wt.GitDir, l.GitDir);
            Assert.Equal(linked, l.WorktreePath);
            Assert.Contains("fsmonitor--daemon run", l.CommandLine, StringComparison.Ordinal);

            // Neither is in the sweep's scope: the sweep signals neither.
            var summary = FsmonitorSweep.Run(bed.Location, bed.Git, whatIf: false, TimeSpan.FromSeconds(1.5));
            Assert.DoesNotContain(summary.Results, r => r.ProcessId == main.Pid || r.ProcessId == wt.Pid);
            Assert.True(main.IsAlive && wt.IsAlive);
        }

        [RealGitFact]
        public void The_daemon_of_an_rm_rf_linked_worktree_is_an_orphan_listed_and_reaped_by_the_sweep_and_nothing_else_is_signalled()
        {
            using var bed = RealBed();
            var gone = bed.Sandbox.AddWorktree("gone");
            var kept = bed.Sandbox.AddWorktree("kept");
            var main = RealDaemon.Start(bed.Sandbox.RepoPath, bed.Procs);
            var orphan = RealDaemon.Start(gone, bed.Procs);
            var sibling = RealDaemon.Start(kept, bed.Procs);

            // Not daemons: a process with the daemon's argv that holds no socket, and a plain one.
            var lookalike = bed.StartDaemon(DaemonTestBed.GitDirOf(gone), StandInMode.NoSocket);
            var plain = StandInLauncher.Start(bed.Procs, null, StandInMode.NoSocket, argv0: "sleep", args: new[] { "600" });

            TestFiles.DeleteTree(gone);

            // The real daemon never exits by itself here: the orphan the sweep exists for.
            var listed = Mine(bed, main, orphan, sibling).Single(d => d.ProcessId == orphan.Pid);
            Assert.Equal(WtDaemonState.OrphanedWorktreeRemoved, listed.State);
            Assert.True(listed.IsOrphaned);

            var summary = FsmonitorSweep.Run(bed.Location, bed.Git, whatIf: false, TimeSpan.FromSeconds(1.5));
            var reaped = Assert.Single(summary.Results, r => r.ProcessId == orphan.Pid);
            Assert.Equal(WtDaemonStopOutcome.Terminated, reaped.Outcome);
            Assert.Equal(WtDaemonState.OrphanedWorktreeRemoved, reaped.State);
            Assert.False(orphan.IsAlive);
            Assert.Empty(summary.Warnings);

            Assert.True(main.IsAlive && sibling.IsAlive);
            Assert.True(lookalike.IsAlive);
            Assert.True(plain.IsAlive);
            Assert.DoesNotContain(summary.Results, r => r.ProcessId == lookalike.Pid || r.ProcessId == plain.Pid);
        }

        [RealGitFact]
        public void The_daemon_of_a_moved_linked_worktree_is_an_orphan_reaped_by_the_closing_sweep_of_a_removal()
        {
            using var bed = RealBed();
            var moved = bed.Sandbox.AddWorktree("moved");
            var kept = bed.Sandbox.AddWorktree("kept");
            var orphan = RealDaemon.Start(moved, bed.Procs);
            var sibling = RealDaemon.Start(kept, bed.Procs);
            Directory.Move(moved, moved + "-elsewhere");

            Assert.Equal(WtDaemonState.OrphanedWorktreeRemoved, Mine(bed, orphan, sibling).Single(d => d.ProcessId == orphan.Pid).State);

            // The closing sweep of a removal, run (as after removing the worktree one stands in)
            // with the location of a directory that no longer exists.
            var standIn = bed.Sandbox.AddWorktree("stood-in");
            var location = RepositoryLocator.Locate(standIn, bed.Git);
            TestFiles.DeleteTree(standIn);
            RemovalSweep.Run(location, bed.Git, bed.Sink, DateTimeOffset.UtcNow);

            Assert.True(TestProcesses.WaitUntil(() => !orphan.IsAlive, TimeSpan.FromSeconds(10)));
            Assert.True(sibling.IsAlive);
            Assert.Empty(bed.Sink.Warnings);
        }

        [RealGitFact]
        public void A_moved_worktree_repaired_with_git_worktree_repair_keeps_its_daemon()
        {
            using var bed = RealBed();
            var wt = bed.Sandbox.AddWorktree("repaired");
            var daemon = RealDaemon.Start(wt, bed.Procs);
            var target = wt + "-moved";
            Directory.Move(wt, target);
            RealGit.Git(bed.Sandbox.RepoPath, "worktree", "repair", target);

            var found = Mine(bed, daemon).Single();
            Assert.Equal(WtDaemonState.Live, found.State);
            Assert.Equal(target, found.WorktreePath);

            var summary = FsmonitorSweep.Run(bed.Location, bed.Git, whatIf: false, TimeSpan.FromSeconds(1.5));
            Assert.DoesNotContain(summary.Results, r => r.ProcessId == daemon.Pid);
            Assert.True(daemon.IsAlive);
        }

        [RealGitFact]
        public void A_wedged_daemon_blocks_no_git_call_of_the_module_and_is_ended_by_the_removals_stop()
        {
            using var bed = RealBed();
            var wedgedWt = bed.Sandbox.AddWorktree("wedged");
            var quietWt = bed.Sandbox.AddWorktree("quiet");
            var siblingWt = bed.Sandbox.AddWorktree("sibling");
            var wedged = RealDaemon.Start(wedgedWt, bed.Procs);
            var sibling = RealDaemon.Start(siblingWt, bed.Procs);
            wedged.Wedge();

            // From here on, any git that honours the repository's config would use (and start) daemons.
            RealGit.Git(bed.Sandbox.RepoPath, "config", "core.fsmonitor", "true");

            // git status in the wedged worktree, as the dirty gate runs it: answers (a plain
            // `git status` would wait on the daemon until the runner's timeout).
            var status = bed.Git.Run(wedgedWt, GitAccess.ReadOnly, new[] { "status", "--porcelain" }, TimeSpan.FromSeconds(60));
            Assert.True(status.Succeeded, status.Stderr);

            // ... and starts no daemon where none ran (core.fsmonitor=true would start one).
            bed.Git.Run(quietWt, GitAccess.ReadOnly, new[] { "status", "--porcelain" });
            Assert.Null(RealDaemon.ListenerOf(Path.Combine(DaemonTestBed.GitDirOf(quietWt), FsmonitorSocket.FileName)));

            // The removal's stop: no IPC stop for a stopped daemon; SIGTERM + SIGCONT end it.
            var r = RemovalDaemons.Stop(wedgedWt, wedged.GitDir, bed.Git);
            Assert.NotNull(r);
            Assert.Equal(wedged.Pid, r!.ProcessId);
            Assert.Equal(WtDaemonStopOutcome.Terminated, r.Outcome);
            Assert.Equal(WtDaemonState.Live, r.State);
            Assert.False(wedged.IsAlive);
            Assert.True(sibling.IsAlive);

            // A healthy real daemon: git's IPC stop ends it, reported as such.
            var healthy = RemovalDaemons.Stop(siblingWt, sibling.GitDir, bed.Git);
            Assert.Equal(WtDaemonStopOutcome.StoppedByIpc, healthy!.Outcome);
            Assert.False(sibling.IsAlive);

            // Nothing listens any more: the next stop runs nothing at all.
            var before = bed.Sink.Verbose.Count;
            Assert.Null(RemovalDaemons.Stop(siblingWt, sibling.GitDir, bed.Git));
            Assert.DoesNotContain(bed.Sink.Verbose.Skip(before), v => v.StartsWith("git ", StringComparison.Ordinal));
        }

        [RealGitFact]
        public void Git_255_ipc_stop_and_status_work_with_core_fsmonitor_false()
        {
            using var bed = RealBed();
            var wt = bed.Sandbox.AddWorktree("ipc");
            var daemon = RealDaemon.Start(wt, bed.Procs);

            var status = bed.Git.Run(wt, GitAccess.ReadOnly, new[] { "fsmonitor--daemon", "status" });
            Assert.True(status.Succeeded, status.Stderr);
            Assert.Contains("is watching", status.Stdout, StringComparison.Ordinal);
            Assert.Contains(bed.Sink.Verbose, v => v.Contains("-c core.fsmonitor=false fsmonitor--daemon status", StringComparison.Ordinal));

            Assert.True(DaemonStopper.IpcStop(wt, bed.Git));
            Assert.True(TestProcesses.WaitUntil(() => !daemon.IsAlive, TimeSpan.FromSeconds(10)));
        }

        /// <summary>A test bed whose module-side git is the real 2.55 (not the git on PATH).</summary>
        internal static DaemonTestBed RealBed()
        {
            var bed = new DaemonTestBed();
            bed.Git.GitExecutable = RealGit.Executable!;
            return bed;
        }

        /// <summary>The inventory, restricted to the daemons this test started.</summary>
        private static List<WtFsmonitorDaemon> Mine(DaemonTestBed bed, params RealDaemon[] mine)
        {
            var pids = new HashSet<int>(mine.Select(m => m.Pid));
            return DaemonInventory.Take(bed.Location, bed.Git, true).Where(d => pids.Contains(d.ProcessId)).ToList();
        }
    }
}
