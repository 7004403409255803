using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using Worktrunk.Processes;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Tether
{
    /// <summary>
    /// Start-WtTether -Detach with real supervisors: the Worktrunk.Shell console host (the
    /// PowerShell 7.6 engine) is the supervisor's host, through WORKTRUNK_POWERSHELL_HOST.
    /// </summary>
    public sealed class StartWtTetherDetachTests : IDisposable
    {
        private const string Id = ",Worktrunk.PowerShell.Commands.StartWtTetherCommand";
        private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
        private readonly ShellHostScope _host = new ShellHostScope();
        private readonly TestProcesses _procs = new TestProcesses();
        private readonly GitSandbox _sandbox = GitSandbox.Create();

        public void Dispose()
        {
            _host.Dispose();
            _procs.Dispose();
            _sandbox.Dispose();
        }

        private TetherTree NewTree() => new TetherTree(Path.Combine(_sandbox.Root, "pids-" + Guid.NewGuid().ToString("N").Substring(0, 6)), _procs);

        private string LogDir => Path.Combine(_sandbox.CommonDir, "wt", "logs", "tether");

        /// <summary>Registers the supervisor and its guardian, read from the log (both were started on this test's behalf).</summary>
        private (int Supervisor, int Guardian) TrackFromLog(string log)
        {
            var supervisor = 0;
            var guardian = 0;
            Assert.True(TestProcesses.WaitUntil(
                () =>
                {
                    var text = File.Exists(log) ? File.ReadAllText(log) : string.Empty;
                    var s = Regex.Match(text, @"\] supervisor (\d+) ");
                    var g = Regex.Match(text, @"\] tether guardian pid (\d+)");
                    supervisor = s.Success ? int.Parse(s.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
                    guardian = g.Success ? int.Parse(g.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
                    return supervisor > 0 && guardian > 0;
                },
                Generous),
                "the log names no supervisor or guardian: " + (File.Exists(log) ? File.ReadAllText(log) : "(no log)"));
            _procs.Track(supervisor);
            _procs.Track(guardian);
            return (supervisor, guardian);
        }

        /// <summary>/proc/&lt;pid&gt;/stat field 7: the controlling terminal (0 = none).</summary>
        private static int TtyOf(int pid)
        {
            var stat = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
            return int.Parse(stat.Substring(stat.LastIndexOf(')') + 2).Split(' ')[4], CultureInfo.InvariantCulture);
        }

        /// <summary>True when <paramref name="ancestor"/> is among <paramref name="pid"/>'s parents.</summary>
        private static bool DescendsFrom(int pid, int ancestor)
        {
            for (var p = pid; p > 1;)
            {
                var stat = ProcFs.ReadStat(p);
                if (stat == null)
                {
                    return false;
                }

                p = stat.Value.ParentPid;
                if (p == ancestor)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool Gone(int pid) => TestProcesses.WaitUntil(() => !TestProcesses.IsAlive(pid), Generous);

        [Fact]
        public void Detach_returns_at_once_with_a_WtTether_and_the_supervisor_keeps_the_teardown_rules()
        {
            var wt = _sandbox.AddWorktree("agent-detach");
            var tree = NewTree();
            WtTether tether;
            using (var ps = new PowerShellSession(wt))
            {
                var r = ps.Invoke("Start-WtTether -Detach -- " + tree.CommandWords());
                Assert.Null(r.Terminating);
                Assert.Empty(r.Errors);
                Assert.Equal("Worktrunk.WtTether", r.Output.Single().TypeNames[0]);
                tether = r.Single<WtTether>();
            }

            // Returned while the command runs (it never exits by itself); the session is closed.
            tree.WaitUp();
            var (supervisor, guardian) = TrackFromLog(tether.LogPath);
            Assert.Equal(supervisor, tether.SupervisorId);
            Assert.Equal(tree.Leader, tether.ProcessGroupId);
            Assert.Equal(tree.Leader, tether.ProcessId);
            Assert.Equal(wt, tether.Worktree);
            Assert.StartsWith("sh ", tether.CommandLine, StringComparison.Ordinal);
            Assert.Equal(LogDir, Path.GetDirectoryName(tether.LogPath));
            Assert.Matches(@"^wt-agent-detach-sh-\d+\.log$", Path.GetFileName(tether.LogPath));
            Assert.Empty(Directory.GetFiles(LogDir, "*.state*"));

            // Its own session, no controlling terminal; spawned directly (no shell in between), so
            // it is this process's child until this process exits, and its reaper must collect it.
            var stat = ProcFs.ReadStat(supervisor)!.Value;
            Assert.NotEqual(ProcFs.ReadStat(Environment.ProcessId)!.Value.Session, stat.Session);
            Assert.Equal(supervisor, stat.Session);
            Assert.Equal(0, TtyOf(supervisor));
            Assert.Equal(Environment.ProcessId, stat.ParentPid);
            Assert.Equal("/", new DirectoryInfo("/proc/" + supervisor + "/cwd").LinkTarget);
            Assert.Equal("/dev/null", new FileInfo("/proc/" + supervisor + "/fd/0").LinkTarget);
            Assert.Equal(tether.LogPath, new FileInfo("/proc/" + supervisor + "/fd/1").LinkTarget);
            Assert.Equal(tether.LogPath, new FileInfo("/proc/" + supervisor + "/fd/2").LinkTarget);

            Thread.Sleep(600);
            Assert.True(tree.All.All(TestProcesses.IsAlive));

            _sandbox.Git(_sandbox.RepoPath, "worktree", "remove", "--force", wt);
            Assert.True(TestProcesses.WaitUntil(tree.AllGone, Generous), "survivors: " + tree.Survivors());
            Assert.True(Gone(supervisor), "the supervisor did not exit");
            Assert.True(Gone(guardian), "the guardian did not exit");

            // Reaped by this session's reaper thread: not even a zombie is left.
            Assert.True(TestProcesses.WaitUntil(() => !Directory.Exists("/proc/" + supervisor), Generous), "the supervisor stayed a zombie of this process");
            var text = File.ReadAllText(tether.LogPath);
            Assert.Contains("ended: WorktreeRemoved, signal 15 (SIGTERM)", text, StringComparison.Ordinal);
            Assert.Contains("Teardown of process group " + tree.Leader + ": the group exited after SIGTERM.", text, StringComparison.Ordinal);
        }

        [Fact]
        public void A_detached_tether_outlives_the_process_that_started_it()
        {
            var wt = _sandbox.AddWorktree("agent-outlive");
            var tree = NewTree();
            var (code, stdout, stderr) = ShellRun.Run(wt, "$t = Start-WtTether -Detach -- " + tree.CommandWords() + "; $t; 'LOG=' + $t.LogPath");
            Assert.True(code == 0, stderr);

            // The starting PowerShell process has exited; the tree and its supervisor live on.
            Assert.Matches(@"SupervisorId\s+ProcessGroupId\s+CommandLine\s+Worktree", stdout);
            var log = Regex.Match(stdout, @"LOG=(\S+)").Groups[1].Value;
            tree.WaitUp();
            var (supervisor, guardian) = TrackFromLog(log);
            Thread.Sleep(500);
            Assert.True(tree.All.All(TestProcesses.IsAlive));
            Assert.True(TestProcesses.IsAlive(supervisor));

            TestFiles.DeleteTree(wt);
            Assert.True(TestProcesses.WaitUntil(tree.AllGone, Generous), "survivors: " + tree.Survivors());
            Assert.True(Gone(supervisor));
            Assert.True(Gone(guardian));
        }

        [Fact]
        public void Get_WtWorktree_piped_into_a_detached_tether_runs_the_command_in_that_worktree()
        {
            var wt = _sandbox.AddWorktree("agent-piped");
            var report = Path.Combine(_sandbox.Root, "piped-cwd");
            using var ps = new PowerShellSession(_sandbox.RepoPath);
            var r = ps.Invoke("Get-WtWorktree -Branch agent-piped | Start-WtTether -Detach -- sh -c 'pwd -P > \"$1\"; exec sleep 300' sh $args[0]", report);
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            var tether = r.Single<WtTether>();
            _procs.Track(tether.ProcessGroupId, group: true);
            var (supervisor, guardian) = TrackFromLog(tether.LogPath);
            Assert.Equal(wt, tether.Worktree);
            Assert.True(TestProcesses.WaitUntil(() => File.Exists(report) && File.ReadAllText(report).EndsWith("\n", StringComparison.Ordinal), Generous));
            Assert.Equal(wt, File.ReadAllText(report).Trim());
            Assert.Equal(wt, new DirectoryInfo("/proc/" + tether.ProcessId + "/cwd").LinkTarget);
            Assert.Matches(@"^wt-agent-piped-sh-\d+\.log$", Path.GetFileName(tether.LogPath));

            // Tethered there: removing that worktree ends it.
            _sandbox.Git(_sandbox.RepoPath, "worktree", "remove", "--force", wt);
            Assert.True(Gone(tether.ProcessId));
            Assert.True(Gone(supervisor));
            Assert.True(Gone(guardian));
        }

        [Fact]
        public void Killing_the_supervisor_outright_still_takes_the_tree_down()
        {
            var wt = _sandbox.AddWorktree("agent-sigkill");
            var tree = NewTree();
            using var ps = new PowerShellSession(wt);
            var tether = ps.Invoke("Start-WtTether -Detach -GracePeriod 2 -- " + tree.CommandWords()).Single<WtTether>();
            tree.WaitUp();
            var (supervisor, guardian) = TrackFromLog(tether.LogPath);

            // SIGKILL cannot be handled: only the guardian can react.
            Worktrunk.Interop.Libc.kill(supervisor, 9);
            Assert.True(TestProcesses.WaitUntil(tree.AllGone, Generous), "survivors: " + tree.Survivors());
            Assert.True(Gone(guardian));
            Assert.True(Directory.Exists(wt));
        }

        [Fact]
        public void SIGTERM_to_the_supervisor_tears_down_politely_and_logs_it()
        {
            var wt = _sandbox.AddWorktree("agent-sigterm");
            var tree = NewTree();
            using var ps = new PowerShellSession(wt);
            var tether = ps.Invoke("Start-WtTether -Detach -- " + tree.CommandWords()).Single<WtTether>();
            tree.WaitUp();
            var (supervisor, guardian) = TrackFromLog(tether.LogPath);

            // The handshake comes before the supervise loop: wait (on the supervisor's own log
            // line) until its SIGTERM handler is registered, or SIGTERM simply ends the host and
            // only the guardian tears down.
            Assert.True(
                TestProcesses.WaitUntil(() => File.ReadAllText(tether.LogPath).Contains("SIGTERM and SIGHUP tear the tree down", StringComparison.Ordinal), Generous),
                "the supervisor never reached its supervise loop: " + File.ReadAllText(tether.LogPath));
            Worktrunk.Interop.Libc.kill(supervisor, 15);
            Assert.True(TestProcesses.WaitUntil(tree.AllGone, Generous), "survivors: " + tree.Survivors());
            Assert.True(Gone(supervisor));
            Assert.True(Gone(guardian));
            Assert.True(
                TestProcesses.WaitUntil(() => File.ReadAllText(tether.LogPath).Contains("ended: Stopped", StringComparison.Ordinal), TimeSpan.FromSeconds(5)),
                "the supervisor did not tear down itself: " + File.ReadAllText(tether.LogPath));
        }

        [Fact]
        public void A_terminal_hang_up_kills_the_session_that_started_it_but_not_the_supervisor()
        {
            var wt = _sandbox.AddWorktree("agent-hangup");
            var tree = NewTree();
            var command = "Start-WtTether -Detach -- " + tree.CommandWords() + "; [System.Threading.Thread]::Sleep(120000)";
            var runner = Path.Combine(_sandbox.Root, "in-a-terminal.sh");
            File.WriteAllText(runner, "exec \"$WORKTRUNK_POWERSHELL_HOST\" -NonInteractive -Command \"$(cat \"$1\")\"\n");
            var commandFile = Path.Combine(_sandbox.Root, "command.ps1");
            File.WriteAllText(commandFile, command);

            // script(1) runs the host on a real pseudo-terminal, as a terminal emulator would.
            var psi = new ProcessStartInfo("script") { WorkingDirectory = wt, UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-qec", "sh '" + runner + "' '" + commandFile + "'", "/dev/null" })
            {
                psi.ArgumentList.Add(a);
            }

            using var terminal = Process.Start(psi)!;
            _procs.Track(terminal.Id);
            tree.WaitUp();
            var log = Directory.GetFiles(LogDir, "*.log").Single();
            var (supervisor, guardian) = TrackFromLog(log);
            // The host is the one under this test's terminal (another run of this test may have its own).
            var host = ProcFs.EnumeratePids().Single(p => TestProcesses.IsAlive(p) && string.Join(" ", ProcFs.ReadArgv(p) ?? Array.Empty<string>()).Contains("Thread]::Sleep(120000)", StringComparison.Ordinal) && p != supervisor && DescendsFrom(p, terminal.Id));
            _procs.Track(host);
            Assert.NotEqual(0, TtyOf(host));

            // Launched from a process on a terminal, yet without one: its own session.
            Assert.Equal(0, TtyOf(supervisor));
            Assert.NotEqual(ProcFs.ReadStat(host)!.Value.Session, ProcFs.ReadStat(supervisor)!.Value.Session);

            // Close the terminal: the kernel hangs up its session.
            terminal.Kill();
            Assert.True(Gone(host), "the host on the terminal survived the hang-up, so this test proves nothing");
            Thread.Sleep(500);
            Assert.True(TestProcesses.IsAlive(supervisor), "the hang-up reached the supervisor");
            Assert.True(tree.All.All(TestProcesses.IsAlive), "the hang-up reached the tree");

            TestFiles.DeleteTree(wt);
            Assert.True(TestProcesses.WaitUntil(tree.AllGone, Generous), "survivors: " + tree.Survivors());
            Assert.True(Gone(supervisor));
            Assert.True(Gone(guardian));
        }

        [Fact]
        public void A_detached_command_that_cannot_start_is_an_error_with_nothing_left_running()
        {
            var wt = _sandbox.AddWorktree("agent-detach-bad");
            File.WriteAllText(Path.Combine(wt, "not-executable.sh"), "echo hi\n");
            using var ps = new PowerShellSession(wt);

            // Found, so the session launches a supervisor; the supervisor's spawn then fails.
            var r = ps.Invoke("Start-WtTether -Detach -FilePath ./not-executable.sh");
            Assert.Equal("SpawnFailed" + Id, r.Terminating?.ErrorRecord.FullyQualifiedErrorId);
            var log = Directory.GetFiles(LogDir, "*.log").Single();
            var (supervisor, guardian) = TrackFromLog(log);
            Assert.True(Gone(supervisor));
            Assert.True(Gone(guardian));
            Assert.Contains("cannot start", File.ReadAllText(log), StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(LogDir, "*.state*"));

            // Not found: refused before any supervisor is launched.
            var missing = ps.Invoke("Start-WtTether -Detach -- wt-no-such-program-xyz");
            Assert.Equal("CommandNotFound" + Id, missing.Terminating?.ErrorRecord.FullyQualifiedErrorId);
            Assert.Single(Directory.GetFiles(LogDir, "*.log"));
        }

        [Fact]
        public void Without_a_PowerShell_host_Detach_is_TetherHostNotFound()
        {
            var wt = _sandbox.AddWorktree("agent-nohost");
            Environment.SetEnvironmentVariable("WORKTRUNK_POWERSHELL_HOST", Path.Combine(_sandbox.Root, "no-such-host"));
            using var ps = new PowerShellSession(wt);
            var r = ps.Invoke("Start-WtTether -Detach -- sh -c 'exit 0'");
            Assert.Equal("TetherHostNotFound" + Id, r.Terminating?.ErrorRecord.FullyQualifiedErrorId);
            Assert.False(Directory.Exists(LogDir));
        }

        [Fact]
        public void Outside_a_repository_the_log_is_the_directory_s_own_and_holds_the_output()
        {
            var dir = Path.Combine(_sandbox.Root, "plain dir");
            Directory.CreateDirectory(dir);
            using var ps = new PowerShellSession(dir);
            var tether = ps.Invoke("Start-WtTether -Detach -- sh -c 'echo hello-from-the-log; exec sleep 300'").Single<WtTether>();
            _procs.Track(tether.ProcessGroupId, group: true);
            var (supervisor, guardian) = TrackFromLog(tether.LogPath);
            Assert.Equal(Path.Combine(dir, ".wt-tether.log"), tether.LogPath);
            Assert.Equal(dir, tether.Worktree);
            Assert.True(TestProcesses.WaitUntil(() => File.ReadAllText(tether.LogPath).Contains("hello-from-the-log\n", StringComparison.Ordinal), Generous));

            TestFiles.DeleteTree(dir);
            Assert.True(Gone(tether.ProcessGroupId));
            Assert.True(Gone(supervisor));
            Assert.True(Gone(guardian));
        }
    }
}
