using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Worktrunk.Core.Tests.Daemons;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Operations;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Worktrunk.Trash;
using Xunit;

namespace Worktrunk.Core.Tests.Operations
{
    /// <summary>One sweep of one repository (Invoke-WtFsmonitorSweep and the removal's closing sweep) through the recording host.</summary>
    public sealed class RepositorySweepTests
    {
        private static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(1500);

        /// <summary>A repository with one orphaned daemon (its worktree deleted), one live daemon and one stale trash entry.</summary>
        private static (DaemonTestBed Bed, Worktrunk.StandIn.StandInProcess Orphan, Worktrunk.StandIn.StandInProcess Live, string Stale) Fixture()
        {
            var bed = new DaemonTestBed();
            var gone = bed.Sandbox.AddWorktree("gone");
            var keep = bed.Sandbox.AddWorktree("keep");
            var orphan = bed.StartDaemon(DaemonTestBed.GitDirOf(gone));
            var live = bed.StartDaemon(DaemonTestBed.GitDirOf(keep));
            TestFiles.DeleteTree(gone);
            var stale = Path.Combine(TrashPaths.TrashDir(bed.CommonDir), "old-" + DateTimeOffset.UtcNow.AddDays(-2).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(Path.Combine(stale, "payload"));
            File.WriteAllText(Path.Combine(stale, "payload", "f.txt"), "x");
            return (bed, orphan, live, stale);
        }

        [Fact]
        public void Invoke_asks_once_per_orphan_and_per_stale_entry_then_reaps_and_deletes_and_writes_one_summary()
        {
            var (bed, orphan, live, stale) = Fixture();
            using var _ = bed;
            var host = new RecordingOperationHost(bed.Sandbox.RepoPath);

            RepositorySweep.Invoke(bed.Sandbox.RepoPath, Deadline, host);

            Assert.Contains(("PID " + orphan.Pid.ToString(CultureInfo.InvariantCulture) + " (" + orphan.SocketPath + ")", DaemonStop.Action), host.Questions);
            Assert.Contains((stale, RepositorySweep.TrashAction), host.Questions);
            Assert.DoesNotContain(host.Questions, q => q.Target.StartsWith("PID " + live.Pid.ToString(CultureInfo.InvariantCulture) + " ", StringComparison.Ordinal));
            var summary = Assert.IsType<WtSweepSummary>(Assert.Single(host.Outputs));
            Assert.False(summary.WhatIf);
            Assert.Contains(summary.Results, r => r.ProcessId == orphan.Pid && r.Stopped);
            Assert.Equal(new[] { stale }, summary.StaleTrash);
            Assert.Equal(1, summary.TrashEntriesRemoved);
            Assert.False(orphan.IsAlive);
            Assert.True(live.IsAlive);
            Assert.True(TestProcesses.WaitUntil(() => !Directory.Exists(stale), TimeSpan.FromSeconds(300)), "the stale entry was not deleted");
            Assert.Empty(host.Errors);
        }

        [Fact]
        public void WhatIf_asks_the_same_questions_and_changes_nothing()
        {
            var (bed, orphan, live, stale) = Fixture();
            using var _ = bed;
            var host = new RecordingOperationHost(bed.Sandbox.RepoPath, whatIf: true);

            RepositorySweep.Invoke(bed.Sandbox.RepoPath, Deadline, host);

            Assert.Contains((stale, RepositorySweep.TrashAction), host.Questions);
            Assert.Contains(host.Questions, q => q.Target.StartsWith("PID " + orphan.Pid.ToString(CultureInfo.InvariantCulture) + " ", StringComparison.Ordinal));
            var summary = Assert.IsType<WtSweepSummary>(Assert.Single(host.Outputs));
            Assert.True(summary.WhatIf);
            Assert.Contains(summary.Orphans, o => o.ProcessId == orphan.Pid);
            Assert.Empty(summary.Results);
            Assert.Equal(0, summary.TrashEntriesRemoved);
            Assert.True(orphan.IsAlive);
            Assert.True(live.IsAlive);
            Assert.True(Directory.Exists(stale));
        }

        [Fact]
        public void Declined_items_are_left_alone()
        {
            var (bed, orphan, _, stale) = Fixture();
            using var __ = bed;
            var host = new RecordingOperationHost(bed.Sandbox.RepoPath) { Approve = (_, _) => false };

            RepositorySweep.Invoke(bed.Sandbox.RepoPath, Deadline, host);

            Assert.Contains((stale, RepositorySweep.TrashAction), host.Questions);
            var summary = Assert.IsType<WtSweepSummary>(Assert.Single(host.Outputs));
            Assert.DoesNotContain(summary.Results, r => r.ProcessId == orphan.Pid);
            Assert.Equal(0, summary.TrashEntriesRemoved);
            Assert.True(orphan.IsAlive);
            Assert.True(Directory.Exists(stale));
        }

        [Fact]
        public void The_closing_sweep_asks_nothing_and_sweeps_both_halves()
        {
            var (bed, orphan, live, stale) = Fixture();
            using var _ = bed;
            var sink = new RecordingSink();

            RemovalSweep.Run(bed.Location, bed.Git, sink, DateTimeOffset.UtcNow);

            Assert.False(orphan.IsAlive);
            Assert.True(live.IsAlive);
            Assert.True(TestProcesses.WaitUntil(() => !Directory.Exists(stale), TimeSpan.FromSeconds(300)), "the stale entry was not deleted");
        }

        [Fact]
        public void Ctrl_C_writes_no_summary_and_signals_nothing()
        {
            var (bed, orphan, _, stale) = Fixture();
            using var __ = bed;
            var host = new RecordingOperationHost(bed.Sandbox.RepoPath);
            host.Cancel();

            RepositorySweep.Invoke(bed.Sandbox.RepoPath, Deadline, host);

            Assert.Empty(host.Outputs);
            Assert.True(orphan.IsAlive);
            Assert.True(Directory.Exists(stale));
        }

        [Fact]
        public void A_directory_outside_any_repository_is_a_NotARepository_error_and_nothing_is_asked()
        {
            using var sb = GitSandbox.Create();
            var plain = Path.Combine(sb.Root, "plain");
            Directory.CreateDirectory(plain);
            var host = new RecordingOperationHost(plain);

            var e = Assert.Throws<WorktrunkException>(() => RepositorySweep.Invoke(plain, Deadline, host));

            Assert.Equal(ErrorIds.NotARepository, e.ErrorId);
            Assert.Empty(host.Questions);
            Assert.Empty(host.Outputs);
        }

        [Fact]
        public void The_one_scope_rule_keeps_a_nested_repository_out_and_this_repositorys_orphans_in()
        {
            const string Common = "/r/.git";
            var nested = new DaemonVerdict(WtDaemonState.OrphanedWorktreeRemoved, string.Empty, Common + "/modules/sub", Common + "/modules/sub", null);
            Assert.False(DaemonClassifier.InRepository(nested, Common));
            Assert.False(DaemonClassifier.InSweepScope(nested, Common + "/modules/sub/" + FsmonitorSocket.FileName, Common));
            Assert.False(DaemonClassifier.InDefaultView(nested, Common));

            var removed = new DaemonVerdict(WtDaemonState.OrphanedWorktreeRemoved, string.Empty, Common + "/worktrees/y", Common, null);
            Assert.True(DaemonClassifier.InRepository(removed, Common));
            Assert.True(DaemonClassifier.InSweepScope(removed, Common + "/worktrees/y/" + FsmonitorSocket.FileName, Common));
            Assert.True(DaemonClassifier.InDefaultView(removed, Common));
            Assert.False(DaemonClassifier.InRepository(removed, null));
            Assert.False(DaemonClassifier.InDefaultView(removed, null));

            var gone = new DaemonVerdict(WtDaemonState.OrphanedGitDirGone, string.Empty, Common + "/worktrees/x", Common, null);
            Assert.True(DaemonClassifier.InRepository(gone, Common));
            Assert.True(DaemonClassifier.InSweepScope(gone, Common + "/worktrees/x/" + FsmonitorSocket.FileName, Common));
            Assert.False(DaemonClassifier.InSweepScope(gone, Common + "/worktrees/x/" + FsmonitorSocket.FileName, "/other/.git"));

            var live = new DaemonVerdict(WtDaemonState.Live, string.Empty, Common + "/worktrees/z", Common, "/r-z");
            Assert.True(DaemonClassifier.InRepository(live, Common));
            Assert.False(DaemonClassifier.InSweepScope(live, Common + "/worktrees/z/" + FsmonitorSocket.FileName, Common));
            Assert.False(DaemonClassifier.InDefaultView(live, Common));
        }

        [Fact]
        public void A_trash_failure_is_one_warning_in_the_summary_and_on_the_host()
        {
            using var sb = GitSandbox.Create();
            var wt = Path.Combine(sb.CommonDir, "wt");
            Directory.CreateDirectory(Path.GetDirectoryName(wt)!);
            var elsewhere = Path.Combine(sb.Root, "elsewhere");
            Directory.CreateDirectory(Path.Combine(elsewhere, "trash"));
            File.CreateSymbolicLink(wt, elsewhere);
            var host = new RecordingOperationHost(sb.RepoPath);

            RepositorySweep.Invoke(sb.RepoPath, Deadline, host);

            var summary = Assert.IsType<WtSweepSummary>(Assert.Single(host.Outputs));
            var warning = Assert.Single(summary.Warnings, w => w.StartsWith("Removing stale trash of ", StringComparison.Ordinal));
            Assert.Contains(warning, host.Warnings);
            Assert.Equal(0, summary.TrashEntriesRemoved);
        }
    }
}
