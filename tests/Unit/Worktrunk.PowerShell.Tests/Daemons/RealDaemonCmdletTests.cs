using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Daemons
{
    /// <summary>
    /// The cmdlets against git 2.55's real Linux fsmonitor daemon (<see cref="RealGit"/>; skipped,
    /// saying how to enable them, where there is none). The module runs the git on PATH, so each
    /// test puts git 2.55 first on PATH for its duration (this assembly runs one test at a time)
    /// and restores it. Every daemon is started by the test in its own sandbox and tracked by PID;
    /// assertions look only at the test's own daemons.
    /// </summary>
    public sealed class RealDaemonCmdletTests
    {
        [RealGitFact]
        public void A_plain_removal_of_a_clean_worktree_with_a_wedged_daemon_completes_the_daemon_dead_and_siblings_untouched()
        {
            using var path = RealGitFirstOnPath();
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var victimWt = sb.AddWorktree("victim");
            var siblingWt = sb.AddWorktree("sibling");
            var quietWt = sb.AddWorktree("quiet");
            var victim = RealDaemon.Start(victimWt, procs);
            var sibling = RealDaemon.Start(siblingWt, procs);
            var main = RealDaemon.Start(sb.RepoPath, procs);
            victim.Wedge();

            // Any git honouring the config from here on would wait on the wedged daemon, and start
            // daemons where none ran.
            RealGit.Git(sb.RepoPath, "config", "core.fsmonitor", "true");
            using var ps = new PowerShellSession(sb.RepoPath);

            var clock = Stopwatch.StartNew();
            var r = ps.Invoke("Remove-WtWorktree victim -Wait -PassThru");
            clock.Stop();

            // Before the fix: CommandTimedOut after 60 s, from the removal's own `git status`.
            Assert.Empty(r.Errors);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the removal took " + clock.Elapsed);
            var result = r.Single<WtRemovalResult>();
            Assert.Equal(victim.Pid, result.Daemon!.ProcessId);
            Assert.Equal(WtDaemonStopOutcome.Terminated, result.Daemon.Outcome);
            Assert.Equal("Terminated", result.DaemonOutcome);
            Assert.False(victim.IsAlive);
            Assert.False(Directory.Exists(victimWt));

            Assert.True(sibling.IsAlive && !sibling.IsStopped);
            Assert.True(main.IsAlive && !main.IsStopped);
            Assert.Equal(sibling.Pid, RealDaemon.ListenerOf(sibling.SocketPath));
            Assert.Equal(main.Pid, RealDaemon.ListenerOf(main.SocketPath));

            // The removal's git calls started no daemon.
            Assert.Null(RealDaemon.ListenerOf(Path.Combine(sb.CommonDir, "worktrees", "wt-quiet", "fsmonitor--daemon.ipc")));
            Assert.True(Directory.Exists(quietWt));
        }

        [RealGitFact]
        public void A_removal_of_a_worktree_without_a_daemon_reports_none_and_starts_none()
        {
            using var path = RealGitFirstOnPath();
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            sb.AddWorktree("plain");
            RealGit.Git(sb.RepoPath, "config", "core.fsmonitor", "true");
            using var ps = new PowerShellSession(sb.RepoPath);

            var r = ps.Invoke("Remove-WtWorktree plain -Wait -PassThru -Verbose");
            Assert.Empty(r.Errors);
            var result = r.Single<WtRemovalResult>();
            Assert.Null(result.Daemon);
            Assert.Equal("None", result.DaemonOutcome);
            Assert.Null(RealDaemon.ListenerOf(Path.Combine(sb.CommonDir, "fsmonitor--daemon.ipc")));
        }

        [RealGitFact]
        public void Removing_the_worktree_the_session_stands_in_sweeps_this_repositorys_orphans_without_a_warning()
        {
            using var path = RealGitFirstOnPath();
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var here = sb.AddWorktree("here");
            var moved = sb.AddWorktree("moved");
            var kept = sb.AddWorktree("kept");
            var orphan = RealDaemon.Start(moved, procs);
            var sibling = RealDaemon.Start(kept, procs);
            Directory.Move(moved, moved + "-elsewhere");
            using var ps = new PowerShellSession(here);

            var r = ps.Invoke("Remove-WtWorktree -Path $args[0] -Wait -PassThru", here);

            Assert.Empty(r.Errors);
            Assert.Empty(r.Warnings);
            Assert.False(Directory.Exists(here));
            Assert.True(TestProcesses.WaitUntil(() => !orphan.IsAlive, TimeSpan.FromSeconds(10)));
            Assert.True(sibling.IsAlive);
        }

        [RealGitFact]
        public void Stop_WtDaemon_ends_a_wedged_live_daemon_with_Force_and_leaves_the_others()
        {
            using var path = RealGitFirstOnPath();
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var wedgedWt = sb.AddWorktree("wedged");
            var otherWt = sb.AddWorktree("other");
            var wedged = RealDaemon.Start(wedgedWt, procs);
            var other = RealDaemon.Start(otherWt, procs);
            wedged.Wedge();
            using var ps = new PowerShellSession(sb.RepoPath);

            var r = ps.Invoke("Stop-WtDaemon -ProcessId $args[0] -Force", wedged.Pid);

            Assert.Empty(r.Errors);
            var result = r.Single<WtDaemonStopResult>();
            Assert.Equal(WtDaemonStopOutcome.Terminated, result.Outcome);
            Assert.Equal(WtDaemonState.Live, result.State);
            Assert.False(wedged.IsAlive);
            Assert.True(other.IsAlive);

            // A healthy live daemon: git's IPC stop ends it, and the result says so.
            var healthy = ps.Invoke("Stop-WtDaemon -ProcessId $args[0] -Force", other.Pid);
            Assert.Empty(healthy.Errors);
            Assert.Equal(WtDaemonStopOutcome.StoppedByIpc, healthy.Single<WtDaemonStopResult>().Outcome);
            Assert.False(other.IsAlive);
        }

        /// <summary>Puts git 2.55 first on this process's PATH until disposed.</summary>
        private static IDisposable RealGitFirstOnPath() => new PathScope(RealGit.BinDirectory!);

        private sealed class PathScope : IDisposable
        {
            private readonly string? _saved = Environment.GetEnvironmentVariable("PATH");

            internal PathScope(string first)
            {
                Environment.SetEnvironmentVariable("PATH", first + Path.PathSeparator + _saved);
            }

            public void Dispose() => Environment.SetEnvironmentVariable("PATH", _saved);
        }
    }
}
