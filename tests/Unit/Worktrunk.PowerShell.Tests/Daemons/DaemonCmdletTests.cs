using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Worktrunk.Daemons;
using Worktrunk.IO;
using Worktrunk.StandIn;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Daemons
{
    /// <summary>The three daemon cmdlets in a hosted engine, against real repositories and real stand-in daemons.</summary>
    public sealed class DaemonCmdletTests : IDisposable
    {
        private readonly GitSandbox _sb = GitSandbox.Create();
        private readonly TestProcesses _procs = new TestProcesses();

        public void Dispose()
        {
            _procs.Dispose();
            _sb.Dispose();
        }

        private string CommonDir => PathUtil.Canonicalize(_sb.CommonDir);

        private static string GitDirOf(string worktree) => PathUtil.Canonicalize(Worktrunk.Git.RepositoryLocator.ReadGitFile(Path.Combine(worktree, ".git"), worktree)!);

        private StandInProcess Daemon(string gitDir, StandInMode mode = StandInMode.Default) =>
            StandInLauncher.Start(_procs, Path.Combine(gitDir, FsmonitorSocket.FileName), mode);

        /// <summary>A daemon for a worktree that is then deleted (its registration lingers): OrphanedWorktreeRemoved.</summary>
        private StandInProcess RemovedWorktreeDaemon(string branch, StandInMode mode = StandInMode.Default)
        {
            var wt = _sb.AddWorktree(branch);
            var d = Daemon(GitDirOf(wt), mode);
            TestFiles.DeleteTree(wt);
            return d;
        }

        /// <summary>A daemon whose git dir is deleted under it: OrphanedGitDirGone.</summary>
        private StandInProcess GoneGitDirDaemon(string branch)
        {
            var wt = _sb.AddWorktree(branch);
            var gitDir = GitDirOf(wt);
            var d = Daemon(gitDir);
            TestFiles.DeleteTree(wt);
            TestFiles.DeleteTree(gitDir);
            return d;
        }

        private static List<int> Pids(InvocationResult r) => r.Output.Select(o => o.BaseObject).OfType<WtFsmonitorDaemon>().Select(d => d.ProcessId).ToList();

        [Fact]
        public void Get_lists_orphans_typed_and_hides_live_daemons_unless_IncludeLive()
        {
            var live = Daemon(CommonDir);
            var removed = RemovedWorktreeDaemon("removed");
            var gone = GoneGitDirDaemon("gone");
            using var ps = new PowerShellSession(_sb.RepoPath);

            var r = ps.Invoke("Get-WtOrphanDaemon");
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            var mine = r.Output.Where(o => o.BaseObject is WtFsmonitorDaemon d && (d.ProcessId == removed.Pid || d.ProcessId == gone.Pid || d.ProcessId == live.Pid)).ToList();
            Assert.Equal(2, mine.Count);
            Assert.Equal("Worktrunk.WtFsmonitorDaemon", mine[0].TypeNames[0]);
            var byPid = mine.Select(o => (WtFsmonitorDaemon)o.BaseObject).ToDictionary(d => d.ProcessId);
            Assert.Equal(WtDaemonState.OrphanedWorktreeRemoved, byPid[removed.Pid].State);
            Assert.Equal(WtDaemonState.OrphanedGitDirGone, byPid[gone.Pid].State);
            Assert.All(byPid.Values, d => Assert.False(string.IsNullOrEmpty(d.Reason)));
            Assert.All(byPid.Values, d => Assert.NotNull(d.StartTime));
            Assert.Equal(CommonDir, byPid[removed.Pid].CommonDir);

            var all = ps.Invoke("Get-WtOrphanDaemon -IncludeLive");
            var liveObj = all.Output.Select(o => o.BaseObject).OfType<WtFsmonitorDaemon>().Single(d => d.ProcessId == live.Pid);
            Assert.Equal(WtDaemonState.Live, liveObj.State);
            Assert.Equal(PathUtil.Canonicalize(_sb.RepoPath), PathUtil.Canonicalize(liveObj.WorktreePath!));

            // Read-only: nothing was signalled.
            Assert.True(live.IsAlive && removed.IsAlive && gone.IsAlive);
        }

        [Fact]
        public void Get_takes_the_repository_by_position_from_anywhere_and_works_outside_a_repository()
        {
            var removed = RemovedWorktreeDaemon("positional");
            var gone = GoneGitDirDaemon("gone-anywhere");
            using var ps = new PowerShellSession(_sb.Root);

            // The session is outside the repository: only git-dir-gone orphans are provable there.
            var outside = Pids(ps.Invoke("Get-WtOrphanDaemon"));
            Assert.Contains(gone.Pid, outside);
            Assert.DoesNotContain(removed.Pid, outside);

            var r = ps.Invoke("Get-WtOrphanDaemon $args[0]", _sb.RepoPath);
            Assert.Contains(removed.Pid, Pids(r));
            Assert.Contains(gone.Pid, Pids(r));

            var bad = ps.Invoke("Get-WtOrphanDaemon -Repository $args[0]", Path.Combine(_sb.Root, "nope"));
            Assert.Equal("PathNotFound,Worktrunk.PowerShell.Commands.GetWtOrphanDaemonCommand", bad.Terminating!.ErrorRecord.FullyQualifiedErrorId);
        }

        [Fact]
        public void Get_piped_to_Stop_WhatIf_signals_nothing_and_reads_naturally()
        {
            var a = RemovedWorktreeDaemon("whatif-a");
            var b = GoneGitDirDaemon("whatif-b");
            var host = new RecordingHost();
            using var runspace = host.OpenRunspace(_sb.RepoPath);
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = runspace;
            ps.AddScript("param($mine) Get-WtOrphanDaemon | Where-Object { $mine -contains $_.ProcessId } | Stop-WtDaemon -WhatIf").AddArgument(new[] { a.Pid, b.Pid });
            var output = ps.Invoke();

            Assert.Empty(output);
            Assert.Empty(ps.Streams.Error);
            Assert.True(a.IsAlive);
            Assert.True(b.IsAlive);
            var whatIf = host.Lines.Where(l => l.StartsWith("What if:", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, whatIf.Count);
            Assert.Contains($"What if: Performing the operation \"Stop fsmonitor daemon\" on target \"PID {a.Pid} ({a.SocketPath})\".", whatIf);
            Assert.Contains(whatIf, l => l.Contains($"PID {b.Pid} (", StringComparison.Ordinal));
        }

        [Fact]
        public void Confirm_asks_once_per_daemon_and_No_spares_them()
        {
            var daemons = new[] { RemovedWorktreeDaemon("confirm-a"), RemovedWorktreeDaemon("confirm-b"), GoneGitDirDaemon("confirm-c") };
            var pids = daemons.Select(d => d.Pid).ToArray();
            var host = new RecordingHost { Answer = "&No" };
            using var runspace = host.OpenRunspace(_sb.RepoPath);

            using (var ps = System.Management.Automation.PowerShell.Create())
            {
                ps.Runspace = runspace;
                ps.AddScript("param($mine) Get-WtOrphanDaemon | Where-Object { $mine -contains $_.ProcessId } | Stop-WtDaemon -Confirm").AddArgument(pids);
                Assert.Empty(ps.Invoke());
            }

            Assert.Equal(3, host.Prompts.Count);
            Assert.All(daemons, d => Assert.True(d.IsAlive));
            foreach (var d in daemons)
            {
                Assert.Contains(host.Prompts, p => p.Contains($"PID {d.Pid} (", StringComparison.Ordinal));
            }

            host.Prompts.Clear();
            host.Answer = "&Yes";
            using (var ps = System.Management.Automation.PowerShell.Create())
            {
                ps.Runspace = runspace;
                ps.AddScript("param($mine) Get-WtOrphanDaemon | Where-Object { $mine -contains $_.ProcessId } | Stop-WtDaemon -Confirm").AddArgument(pids);
                var results = ps.Invoke().Select(o => (WtDaemonStopResult)o.BaseObject).ToList();
                Assert.Equal(3, results.Count);
                Assert.All(results, r => Assert.Equal(WtDaemonStopOutcome.Terminated, r.Outcome));
            }

            Assert.Equal(3, host.Prompts.Count);
            Assert.All(daemons, d => Assert.False(d.IsAlive));
        }

        [Fact]
        public void Stop_stops_an_orphan_and_emits_a_typed_result()
        {
            var d = RemovedWorktreeDaemon("stop-me");
            using var ps = new PowerShellSession(_sb.RepoPath);
            var r = ps.Invoke("Get-WtOrphanDaemon | Where-Object ProcessId -eq $args[0] | Stop-WtDaemon", d.Pid);

            Assert.Empty(r.Errors);
            var result = r.Single<WtDaemonStopResult>();
            Assert.Equal("Worktrunk.WtDaemonStopResult", r.Output[0].TypeNames[0]);
            Assert.Equal(d.Pid, result.ProcessId);
            Assert.Equal(WtDaemonStopOutcome.Terminated, result.Outcome);
            Assert.Equal(WtDaemonState.OrphanedWorktreeRemoved, result.State);
            Assert.True(result.Stopped);
            Assert.False(d.IsAlive);
        }

        [Fact]
        public void Stop_refuses_a_live_daemon_without_Force_and_stops_it_with_Force()
        {
            var live = Daemon(CommonDir);
            using var ps = new PowerShellSession(_sb.RepoPath);

            var refused = ps.Invoke("Stop-WtDaemon -ProcessId $args[0]", live.Pid);
            Assert.Empty(refused.Output);
            var error = Assert.Single(refused.Errors);
            Assert.Equal("DaemonServesLiveWorktree,Worktrunk.PowerShell.Commands.StopWtDaemonCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
            Assert.Equal(live.Pid, ((WtFsmonitorDaemon)error.TargetObject).ProcessId);
            Assert.True(live.IsAlive);

            var forced = ps.Invoke("Stop-WtDaemon -ProcessId $args[0] -Force", live.Pid);
            Assert.Empty(forced.Errors);
            // git's IPC stop first (its worktree exists): git 2.55 ends the stand-in with it.
            Assert.Equal(PathGit.HealthyStopOutcome, forced.Single<WtDaemonStopResult>().Outcome);
            Assert.False(live.IsAlive);
        }

        [Fact]
        public void Stop_refuses_a_daemon_that_cannot_be_proven_orphaned()
        {
            // A locked worktree whose directory is missing (removable media) is Unknown.
            var wt = _sb.AddWorktree("locked");
            _sb.Git(_sb.RepoPath, "worktree", "lock", wt);
            var d = Daemon(GitDirOf(wt));
            TestFiles.DeleteTree(wt);
            using var ps = new PowerShellSession(_sb.RepoPath);

            var r = ps.Invoke("Get-WtOrphanDaemon -IncludeLive | Where-Object ProcessId -eq $args[0] | Stop-WtDaemon", d.Pid);
            Assert.Equal("DaemonNotProvablyOrphaned,Worktrunk.PowerShell.Commands.StopWtDaemonCommand", Assert.Single(r.Errors).FullyQualifiedErrorId);
            Assert.Empty(r.Output);
            Assert.True(d.IsAlive);
        }

        [Fact]
        public void Stop_binds_ProcessId_by_property_name_and_rejects_a_pid_that_is_no_daemon()
        {
            var d = GoneGitDirDaemon("by-name");
            var decoy = StandInLauncher.Start(_procs, null, StandInMode.NoSocket);
            using var ps = new PowerShellSession(_sb.RepoPath);

            var r = ps.Invoke("[pscustomobject]@{ ProcessId = $args[0] } | Stop-WtDaemon", d.Pid);
            Assert.Empty(r.Errors);
            Assert.Equal(WtDaemonStopOutcome.Terminated, r.Single<WtDaemonStopResult>().Outcome);

            var notDaemon = ps.Invoke("Stop-WtDaemon $args[0] -Force", decoy.Pid);
            var error = Assert.Single(notDaemon.Errors);
            Assert.Equal("DaemonNotFound,Worktrunk.PowerShell.Commands.StopWtDaemonCommand", error.FullyQualifiedErrorId);
            Assert.Equal(decoy.Pid, error.TargetObject);
            Assert.True(decoy.IsAlive);
        }

        [Fact]
        public void Stop_reports_a_daemon_that_exited_after_Get_as_already_gone()
        {
            var d = RemovedWorktreeDaemon("exits");
            using var ps = new PowerShellSession(_sb.RepoPath);
            var listed = ps.Invoke("$global:wtDaemons = @(Get-WtOrphanDaemon | Where-Object ProcessId -eq $args[0]); $global:wtDaemons.Count", d.Pid);
            Assert.Equal(1, (int)listed.Output.Single().BaseObject);

            StandInLauncher.SendQuit(d.SocketPath!);
            Assert.True(StandInLauncher.WaitExited(d.Pid, TimeSpan.FromSeconds(20)));

            var r = ps.Invoke("$global:wtDaemons | Stop-WtDaemon");
            Assert.Empty(r.Errors);
            Assert.Equal(WtDaemonStopOutcome.AlreadyGone, r.Single<WtDaemonStopResult>().Outcome);
        }

        [Fact]
        public void Stop_kills_an_orphan_that_ignores_sigterm_after_TimeoutSec()
        {
            var d = RemovedWorktreeDaemon("stubborn", StandInMode.IgnoreTerm);
            using var ps = new PowerShellSession(_sb.RepoPath);
            var r = ps.Invoke("Stop-WtDaemon -ProcessId $args[0] -TimeoutSec 0.3", d.Pid);
            var result = r.Single<WtDaemonStopResult>();
            Assert.Equal(WtDaemonStopOutcome.Killed, result.Outcome);
            Assert.True(result.Elapsed >= TimeSpan.FromMilliseconds(300));
            Assert.False(d.IsAlive);
        }

        [Fact]
        public void Sweep_reaps_this_repositorys_orphans_only_and_returns_one_summary()
        {
            var live = Daemon(CommonDir);
            var removed = RemovedWorktreeDaemon("sweep-removed");
            var gone = GoneGitDirDaemon("sweep-gone");
            using var other = GitSandbox.Create("other");
            var otherWt = other.AddWorktree("theirs");
            var theirs = StandInLauncher.Start(_procs, Path.Combine(GitDirOf(otherWt), FsmonitorSocket.FileName));
            TestFiles.DeleteTree(otherWt);
            using var ps = new PowerShellSession(_sb.RepoPath);

            var r = ps.Invoke("Invoke-WtFsmonitorSweep");
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            var summary = r.Single<WtSweepSummary>();
            Assert.Equal("Worktrunk.WtSweepSummary", r.Output[0].TypeNames[0]);
            Assert.Equal(CommonDir, summary.Repository);
            Assert.False(summary.WhatIf);
            Assert.True(summary.LiveSetKnown);
            Assert.Contains(summary.Results, x => x.ProcessId == removed.Pid && x.Outcome == WtDaemonStopOutcome.Terminated);
            Assert.Contains(summary.Results, x => x.ProcessId == gone.Pid && x.Outcome == WtDaemonStopOutcome.Terminated);
            Assert.DoesNotContain(summary.Results, x => x.ProcessId == live.Pid || x.ProcessId == theirs.Pid);
            Assert.False(removed.IsAlive);
            Assert.False(gone.IsAlive);
            Assert.True(live.IsAlive);
            Assert.True(theirs.IsAlive);
        }

        [Fact]
        public void Sweep_removes_stale_trash_and_keeps_fresh_entries()
        {
            var trash = Path.Combine(_sb.CommonDir, "wt", "trash");
            var old = Path.Combine(trash, "app.old-" + DateTimeOffset.UtcNow.AddDays(-2).ToUnixTimeSeconds());
            var fresh = Path.Combine(trash, "app.new-" + DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds());
            var foreign = Path.Combine(trash, "not-a-trash-entry");
            foreach (var dir in new[] { old, fresh, foreign })
            {
                Directory.CreateDirectory(Path.Combine(dir, "sub"));
                File.WriteAllText(Path.Combine(dir, "sub", "f.txt"), "x");
            }

            using var ps = new PowerShellSession(_sb.RepoPath);
            var r = ps.Invoke("Invoke-WtFsmonitorSweep");
            var summary = r.Single<WtSweepSummary>();
            Assert.Equal(new[] { PathUtil.Canonicalize(old) }, summary.StaleTrash.Select(PathUtil.Canonicalize));
            Assert.Equal(1, summary.TrashEntriesRemoved);

            // The deletion is detached and low priority: wait for it.
            Assert.True(TestProcesses.WaitUntil(() => !Directory.Exists(old), TimeSpan.FromSeconds(60)));
            Assert.True(Directory.Exists(fresh));
            Assert.True(Directory.Exists(foreign));
        }

        [Fact]
        public void Sweep_WhatIf_lists_what_it_would_do_and_changes_nothing()
        {
            var removed = RemovedWorktreeDaemon("sweep-whatif");
            var old = Path.Combine(_sb.CommonDir, "wt", "trash", "app.old-" + DateTimeOffset.UtcNow.AddDays(-3).ToUnixTimeSeconds());
            Directory.CreateDirectory(old);
            var host = new RecordingHost();
            using var runspace = host.OpenRunspace(_sb.RepoPath);
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = runspace;
            ps.AddCommand("Invoke-WtFsmonitorSweep").AddParameter("WhatIf");
            var summary = (WtSweepSummary)ps.Invoke().Single().BaseObject;

            Assert.True(summary.WhatIf);
            Assert.Contains(summary.Orphans, o => o.ProcessId == removed.Pid);
            Assert.Empty(summary.Results);
            Assert.Equal(0, summary.TrashEntriesRemoved);
            Assert.Single(summary.StaleTrash);
            Assert.Contains(host.Lines, l => l == $"What if: Performing the operation \"Stop fsmonitor daemon\" on target \"PID {removed.Pid} ({removed.SocketPath})\".");
            Assert.Contains(host.Lines, l => l.StartsWith("What if: Performing the operation \"Delete stale trash entry\"", StringComparison.Ordinal));

            System.Threading.Thread.Sleep(500);
            Assert.True(removed.IsAlive);
            Assert.True(Directory.Exists(old));
        }

        [Fact]
        public void Sweep_turns_a_failing_git_worktree_list_into_a_warning_not_a_failure()
        {
            var removed = RemovedWorktreeDaemon("broken-config");
            var live = Daemon(CommonDir);

            // A config git cannot parse: every git call in this repository fails.
            File.AppendAllText(Path.Combine(_sb.CommonDir, "config"), "\n[broken\n");
            using var ps = new PowerShellSession(_sb.RepoPath);
            var r = ps.Invoke("Invoke-WtFsmonitorSweep");

            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            var summary = r.Single<WtSweepSummary>();
            Assert.False(summary.LiveSetKnown);
            Assert.Contains(r.Warnings, w => w.Contains("git worktree list failed", StringComparison.Ordinal));
            Assert.Contains(summary.Warnings, w => w.Contains("git worktree list failed", StringComparison.Ordinal));
            Assert.DoesNotContain(summary.Results, x => x.ProcessId == removed.Pid || x.ProcessId == live.Pid);
            Assert.True(removed.IsAlive);
            Assert.True(live.IsAlive);
        }

        [Fact]
        public void Sweep_reports_progress_when_there_are_many_orphans()
        {
            var many = Enumerable.Range(0, FsmonitorSweep.ProgressThreshold).Select(i => RemovedWorktreeDaemon("many-" + i)).ToList();
            using var ps = new PowerShellSession(_sb.RepoPath);
            var r = ps.Invoke("Invoke-WtFsmonitorSweep");
            var summary = r.Single<WtSweepSummary>();
            Assert.Equal(many.Count, summary.Results.Count(x => many.Any(m => m.Pid == x.ProcessId) && x.Stopped));
            Assert.Contains(r.Progress, p => p.Activity.Contains("fsmonitor", StringComparison.Ordinal));
            Assert.Contains(r.Progress, p => p.RecordType == ProgressRecordType.Completed);
        }

        [Fact]
        public void ProcessId_completion_offers_running_daemons()
        {
            var d = Daemon(CommonDir);
            using var ps = new PowerShellSession(_sb.RepoPath);
            var r = ps.Invoke("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches.CompletionText", "Stop-WtDaemon -ProcessId " + d.Pid);
            Assert.Contains(d.Pid.ToString(), r.Output.Select(o => o.ToString()));
        }

        [Fact]
        public void Format_views_render_the_three_output_types_through_a_console_host()
        {
            var live = Daemon(CommonDir);
            var removed = RemovedWorktreeDaemon("view");
            var (code, stdout, stderr) = ShellRun.Run(_sb.RepoPath, $"Get-WtOrphanDaemon -IncludeLive | Where-Object ProcessId -in {live.Pid},{removed.Pid} | Out-Default; Stop-WtDaemon -ProcessId {removed.Pid} | Out-Default; Invoke-WtFsmonitorSweep -WhatIf | Out-Default");
            Assert.True(code == 0, stderr);
            var lines = stdout.Split('\n').Select(l => l.TrimEnd()).ToList();
            Assert.Contains(lines, l => l.Contains("ProcessId", StringComparison.Ordinal) && l.Contains("State", StringComparison.Ordinal) && l.Contains("GitDir", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.TrimStart().StartsWith(live.Pid + " Live", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.TrimStart().StartsWith(removed.Pid + " OrphanedWorktreeRemoved", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("Outcome", StringComparison.Ordinal) && l.Contains("Elapsed", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.TrimStart().StartsWith(removed.Pid + " Terminated", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("Repository", StringComparison.Ordinal) && l.Contains(CommonDir, StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("DaemonsExamined", StringComparison.Ordinal));
        }
    }
}
