using System.IO;
using Worktrunk.StandIn;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Removal
{
    /// <summary>
    /// The fsmonitor side of a removal, with stand-in daemons (real processes whose argv is
    /// `git fsmonitor--daemon run`, listening on a Unix socket in a worktree's git dir). Every
    /// stand-in is registered with TestProcesses and killed by PID at the end.
    /// </summary>
    public sealed class RemoveDaemonTests
    {
        private static string Socket(GitSandbox sb, string worktreeDirName) =>
            Path.Combine(sb.CommonDir, "worktrees", worktreeDirName, "fsmonitor--daemon.ipc");

        [Fact]
        public void The_removed_worktrees_daemon_is_stopped_and_sibling_daemons_are_untouched()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            sb.AddWorktree("victim");
            sb.AddWorktree("sibling");
            var victim = StandInLauncher.Start(procs, Socket(sb, "wt-victim"));
            var sibling = StandInLauncher.Start(procs, Socket(sb, "wt-sibling"));
            var main = StandInLauncher.Start(procs, Path.Combine(sb.CommonDir, "fsmonitor--daemon.ipc"));
            using var ps = new PowerShellSession(sb.RepoPath);

            var r = ps.Invoke("Remove-WtWorktree victim -Wait -PassThru");
            Assert.Empty(r.Errors);
            var result = r.Single<WtRemovalResult>();
            Assert.NotNull(result.Daemon);
            Assert.Equal(victim.Pid, result.Daemon!.ProcessId);
            Assert.True(result.Daemon.Stopped, result.Daemon.Message);
            Assert.Equal(PathGit.HealthyStopOutcome, result.Daemon.Outcome);
            Assert.Equal(PathGit.HealthyStopOutcome.ToString(), result.DaemonOutcome);
            Assert.True(TestProcesses.WaitUntil(() => !victim.IsAlive, System.TimeSpan.FromSeconds(5)));
            Assert.True(sibling.IsAlive);
            Assert.True(main.IsAlive);
            Assert.True(StandInLauncher.Accepts(sibling.SocketPath!));
        }

        [Fact]
        public void A_wedged_daemon_that_ignores_SIGTERM_is_killed_and_the_removal_still_succeeds()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("victim");
            var victim = StandInLauncher.Start(procs, Socket(sb, "wt-victim"), StandInMode.Wedged | StandInMode.IgnoreTerm);
            using var ps = new PowerShellSession(sb.RepoPath);

            var r = ps.Invoke("Remove-WtWorktree victim -Wait -PassThru");
            Assert.Empty(r.Errors);
            var result = r.Single<WtRemovalResult>();
            Assert.Equal(WtDaemonStopOutcome.Killed, result.Daemon!.Outcome);
            Assert.False(victim.IsAlive);
            Assert.False(Directory.Exists(wt));
        }

        [Fact]
        public void No_daemon_means_a_null_outcome()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("victim");
            using var ps = new PowerShellSession(sb.RepoPath);
            var result = ps.Invoke("Remove-WtWorktree victim -Wait -PassThru").Single<WtRemovalResult>();
            Assert.Null(result.Daemon);
            Assert.Equal("None", result.DaemonOutcome);
        }

        [Fact]
        public void The_sweep_after_a_removal_reaps_this_repositorys_orphans_and_spares_live_daemons()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var orphaned = sb.AddWorktree("orphaned");
            sb.AddWorktree("victim");
            sb.AddWorktree("live");
            var orphan = StandInLauncher.Start(procs, Socket(sb, "wt-orphaned"));
            var live = StandInLauncher.Start(procs, Socket(sb, "wt-live"));

            // Removed behind Worktrunk's back: the daemon outlives its worktree.
            sb.Git(sb.RepoPath, "worktree", "remove", "--force", orphaned);
            Assert.True(orphan.IsAlive);

            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("Remove-WtWorktree victim -Wait -PassThru");
            Assert.Empty(r.Errors);
            Assert.Null(r.Single<WtRemovalResult>().Daemon);
            Assert.True(TestProcesses.WaitUntil(() => !orphan.IsAlive, System.TimeSpan.FromSeconds(5)), "the orphaned daemon was not reaped");
            Assert.True(live.IsAlive);
        }

        [Fact]
        public void WhatIf_signals_nothing_neither_the_target_daemon_nor_orphans()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var orphaned = sb.AddWorktree("orphaned");
            sb.AddWorktree("victim");
            var orphan = StandInLauncher.Start(procs, Socket(sb, "wt-orphaned"));
            var victim = StandInLauncher.Start(procs, Socket(sb, "wt-victim"));
            sb.Git(sb.RepoPath, "worktree", "remove", "--force", orphaned);
            using var ps = new PowerShellSession(sb.RepoPath);

            var r = ps.Invoke("Remove-WtWorktree victim -WhatIf -PassThru");
            Assert.Empty(r.Errors);
            Assert.Empty(r.Output);
            System.Threading.Thread.Sleep(300);
            Assert.True(orphan.IsAlive);
            Assert.True(victim.IsAlive);
        }
    }
}
