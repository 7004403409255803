using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Worktrunk.Processes;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Tether
{
    /// <summary>
    /// The session's one guardian, seen from a real session: a Worktrunk.Shell process (the
    /// PowerShell 7.6 engine, standing in for pwsh) running attached tethers, whose guardian is
    /// another Worktrunk.Shell process (WORKTRUNK_POWERSHELL_HOST).
    /// </summary>
    public sealed class TetherGuardianSessionTests : IDisposable
    {
        private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
        private readonly ShellHostScope _host = new ShellHostScope();
        private readonly TestProcesses _procs = new TestProcesses();
        private readonly GitSandbox _sandbox = GitSandbox.Create();

        public void Dispose()
        {
            _host.Dispose();
            _procs.Dispose();
            _sandbox.Dispose();
        }

        private static int[] GuardianPids(string debugText) =>
            Regex.Matches(debugText, @"tether guardian pid (\d+)").Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();

        /// <summary>Live children of <paramref name="parent"/> whose argv[0] is the guardian's.</summary>
        private static int[] GuardiansOf(int parent) =>
            ProcFs.EnumeratePids()
                .Where(p => ProcFs.ReadStat(p) is { } s && s.ParentPid == parent && !s.IsExited)
                .Where(p => (ProcFs.ReadArgv(p) ?? Array.Empty<string>()).FirstOrDefault() == "wt-tether-guardian")
                .ToArray();

        [Fact]
        public void Tethers_of_one_session_share_one_guardian_which_exits_when_the_session_exits_normally()
        {
            var wt = _sandbox.AddWorktree("guardian-share");
            var (code, _, stderr) = ShellRun.Run(wt, "$DebugPreference = 'Continue'; Start-WtTether -- sh -c 'exit 0' | Out-Null; Start-WtTether -- sh -c 'exit 0' | Out-Null");
            Assert.True(code == 0, stderr);
            var guardians = GuardianPids(stderr);
            Assert.Equal(2, guardians.Length);
            Assert.Equal(guardians[0], guardians[1]);
            _procs.Track(guardians[0]);

            // The session exited normally, having sent `done` for both: end-of-file, nothing armed, exit.
            Assert.True(TestProcesses.WaitUntil(() => !TestProcesses.IsAlive(guardians[0]), Generous), "the guardian outlived its session");
        }

        [Fact]
        public void Killing_the_session_outright_makes_its_guardian_tear_the_running_tree_down()
        {
            var wt = _sandbox.AddWorktree("guardian-kill");
            var tree = new TetherTree(Path.Combine(_sandbox.Root, "pids-" + Guid.NewGuid().ToString("N").Substring(0, 6)), _procs);

            // One tether that finished, then one that runs until the session is killed.
            var psi = new ProcessStartInfo(RepoPaths.ShellExecutable) { WorkingDirectory = wt, UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-NonInteractive", "-Command", "Start-WtTether -- sh -c 'exit 0' | Out-Null; Start-WtTether -GracePeriod 2 -- " + tree.CommandWords() })
            {
                psi.ArgumentList.Add(a);
            }

            using var session = Process.Start(psi)!;
            _procs.Track(session.Id);
            session.StandardInput.Close();
            _ = session.StandardOutput.ReadToEndAsync();
            _ = session.StandardError.ReadToEndAsync();
            tree.WaitUp();
            var guardian = GuardiansOf(session.Id).Single();
            _procs.Track(guardian);
            Assert.Equal(guardian, ProcFs.ReadStat(guardian)!.Value.Session);

            // SIGKILL: the session's own teardown cannot run; only the guardian can react.
            Worktrunk.Interop.Libc.kill(session.Id, 9);
            Assert.True(TestProcesses.WaitUntil(tree.AllGone, Generous), "survivors: " + tree.Survivors());
            Assert.True(TestProcesses.WaitUntil(() => !TestProcesses.IsAlive(guardian), Generous), "the guardian did not exit after its teardown");
            Assert.True(Directory.Exists(wt));
        }
    }
}
