using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Worktrunk.Processes;
using Worktrunk.Tether;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Tether
{
    /// <summary>
    /// The guardian (a real PowerShell host: tools/Worktrunk.Shell with the laid-out module) against
    /// real groups. Each test starts a guardian of its own (TetherGuardian.Start), never the
    /// process-wide session guardian other tests share. Abandon closes the pipe's write end, which
    /// from the guardian's side is exactly what the kernel does when the session dies (the
    /// detached tests also kill a real supervisor with SIGKILL, and the session tests a real
    /// session).
    /// </summary>
    public sealed class TetherGuardianTests : IDisposable
    {
        private readonly TestProcesses _procs = new TestProcesses();
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "wt-guardian-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        private readonly TetherTestSink _sink = new TetherTestSink();

        public TetherGuardianTests()
        {
            Assert.True(File.Exists(RepoPaths.ShellExecutable), "build tools/Worktrunk.Shell first: " + RepoPaths.ShellExecutable);
            Directory.CreateDirectory(_dir);
            TetherGuardian.Configure(RepoPaths.ShellExecutable, RepoPaths.ModuleManifest);
        }

        public void Dispose()
        {
            _procs.Dispose();
            TestFiles.DeleteTree(_dir);
        }

        private (TetherTree Tree, int Pgid) StartGroup(string mode = "stay")
        {
            var tree = new TetherTree(Path.Combine(_dir, "pids-" + Guid.NewGuid().ToString("N").Substring(0, 6)), _procs);
            var child = UnixSpawn.Spawn(new SpawnOptions("sh", tree.Arguments(mode)) { NewProcessGroup = true, Stdout = StdioMode.Null, Stderr = StdioMode.Null });
            _procs.Track(child.Pid, group: true);
            tree.WaitUp();
            return (tree, child.Pid);
        }

        private TetherGuardian Guardian()
        {
            var guardian = TetherGuardian.Start(_sink)!;
            Assert.NotNull(guardian);
            _procs.Track(guardian.Pid);
            return guardian;
        }

        private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

        [Fact]
        public void A_vanished_session_makes_the_guardian_tear_the_group_down()
        {
            var (tree, pgid) = StartGroup();
            var guardian = Guardian();
            guardian.Arm(pgid, TimeSpan.FromSeconds(5));
            guardian.Abandon();
            Assert.True(TestProcesses.WaitUntil(tree.AllGone, Generous), "survivors: " + tree.Survivors());
            Assert.True(TestProcesses.WaitUntil(() => guardian.HasExited, Generous), "the guardian did not exit after the teardown");
            Assert.False(Directory.Exists("/proc/" + guardian.Pid), "the guardian was left a zombie");
            Reap(pgid);
        }

        [Fact]
        public void The_guardian_escalates_to_SIGKILL_for_a_group_that_ignores_SIGTERM()
        {
            var (tree, pgid) = StartGroup("ignore-term");
            var guardian = Guardian();
            guardian.Arm(pgid, TimeSpan.FromMilliseconds(500));
            var clock = Stopwatch.StartNew();
            guardian.Abandon();
            Assert.True(TestProcesses.WaitUntil(tree.AllGone, Generous), "survivors: " + tree.Survivors());
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(400), $"killed after {clock.Elapsed}, before the grace period");
            Reap(pgid);
        }

        [Fact]
        public void Every_armed_group_is_torn_down_at_once_and_a_done_group_is_never_signalled()
        {
            // Three tethers of one session: a finished, b and c still running when the session dies.
            var (done, donePgid) = StartGroup();
            var (b, bPgid) = StartGroup("ignore-term");
            var (c, cPgid) = StartGroup("ignore-term");
            var guardian = Guardian();
            guardian.Arm(donePgid, TimeSpan.FromSeconds(1));
            guardian.Arm(bPgid, TimeSpan.FromSeconds(2));
            guardian.Arm(cPgid, TimeSpan.FromSeconds(2));
            guardian.Done(donePgid);
            var clock = Stopwatch.StartNew();
            guardian.Abandon();
            Assert.True(TestProcesses.WaitUntil(() => b.AllGone() && c.AllGone(), Generous), "survivors: " + b.Survivors() + c.Survivors());
            Assert.True(TestProcesses.WaitUntil(() => guardian.HasExited, Generous));

            // Each group had its grace period before SIGKILL.
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.8), $"killed after {clock.Elapsed}, before the grace period");

            // The finished tether's id was `done`: its group (kept alive here to see it) got nothing.
            Assert.True(done.All.All(TestProcesses.IsAlive), "the guardian signalled a group after 'done'");
            Worktrunk.Interop.Libc.killpg(donePgid, 9);
            Reap(donePgid);
            Reap(bPgid);
            Reap(cPgid);
        }

        [Fact]
        public void A_guardian_whose_groups_are_all_done_signals_nothing_and_exits()
        {
            var (tree, pgid) = StartGroup();
            var guardian = Guardian();
            guardian.Arm(pgid, TimeSpan.FromSeconds(1));
            guardian.Done(pgid);
            guardian.Abandon();
            Assert.True(TestProcesses.WaitUntil(() => guardian.HasExited, Generous));
            Assert.True(tree.All.All(TestProcesses.IsAlive));
            Worktrunk.Interop.Libc.killpg(pgid, 9);
            Reap(pgid);
        }

        [Fact]
        public void The_guardian_is_a_PowerShell_host_in_its_own_session_without_a_terminal_and_holds_no_copy_of_the_pipe_elsewhere()
        {
            var guardian = Guardian();
            var stat = ProcFs.ReadStat(guardian.Pid)!.Value;
            Assert.Equal(guardian.Pid, stat.Session);
            Assert.Equal(guardian.Pid, stat.ProcessGroup);
            Assert.Equal("/", new DirectoryInfo("/proc/" + guardian.Pid + "/cwd").LinkTarget);
            // posix_spawn returns once the kernel has switched the child to the new program, a
            // moment before its argument area is set up: until then /proc/<pid>/cmdline reads empty.
            string[]? argv = null;
            Assert.True(TestProcesses.WaitUntil(() => (argv = ProcFs.ReadArgv(guardian.Pid)) != null, Generous));
            Assert.Equal(new[] { TetherGuardian.ProcessName, "-NoProfile", "-NonInteractive", "-Command", TetherGuardian.Script(RepoPaths.ModuleManifest) }, argv);
            Assert.Equal(RepoPaths.ShellExecutable, new FileInfo("/proc/" + guardian.Pid + "/exe").LinkTarget);

            // A child spawned now must not inherit the write end (close-on-exec): if it did, the
            // guardian would never see end-of-file while that child lives.
            var pipe = new FileInfo("/proc/" + guardian.Pid + "/fd/0").LinkTarget;
            Assert.StartsWith("pipe:", pipe);
            Assert.Contains(pipe, Directory.GetFiles("/proc/self/fd").Select(f => new FileInfo(f).LinkTarget));
            var child = UnixSpawn.Spawn(new SpawnOptions("sleep", new[] { "30" }) { Stdout = StdioMode.Null, Stderr = StdioMode.Null });
            _procs.Track(child.Pid, group: true);
            Assert.DoesNotContain(pipe, Directory.GetFiles("/proc/" + child.Pid + "/fd").Select(f => new FileInfo(f).LinkTarget));
            guardian.Abandon();
            Assert.True(TestProcesses.WaitUntil(() => guardian.HasExited, Generous));
            Worktrunk.Interop.Libc.kill(child.Pid, 9);
            Reap(child.Pid);
        }

        [Fact]
        public void A_guardian_that_died_is_replaced_by_one_armed_with_what_it_guarded_and_later_lines_follow()
        {
            // What ForSession does when the session's guardian has exited: HandOver to a new one.
            var (finished, finishedPgid) = StartGroup();
            var (running, runningPgid) = StartGroup();
            var dead = Guardian();
            dead.Arm(finishedPgid, TimeSpan.FromSeconds(1));
            dead.Arm(runningPgid, TimeSpan.FromSeconds(1));
            Worktrunk.Interop.Libc.kill(dead.Pid, 9);
            Assert.True(TestProcesses.WaitUntil(() => dead.HasExited, Generous), "the reaper did not see the guardian go");
            Assert.True(finished.All.All(TestProcesses.IsAlive) && running.All.All(TestProcesses.IsAlive), "a SIGKILLed guardian signalled something");

            var successor = Guardian();
            dead.HandOver(successor);

            // A supervisor still holding the dead instance: its `done` reaches the successor.
            dead.Done(finishedPgid);
            successor.Abandon();
            Assert.True(TestProcesses.WaitUntil(running.AllGone, Generous), "the successor was not re-armed: " + running.Survivors());
            Assert.True(TestProcesses.WaitUntil(() => successor.HasExited, Generous));
            Assert.True(finished.All.All(TestProcesses.IsAlive), "the successor signalled a group the session had said was done");
            Worktrunk.Interop.Libc.killpg(finishedPgid, 9);
            Reap(finishedPgid);
            Reap(runningPgid);
        }

        [Theory]
        [InlineData("arm 1234 500", "1234=500")]
        [InlineData("arm 1234 0", "1234=0")]
        [InlineData("arm 1 500", "")]
        [InlineData("arm 0 500", "")]
        [InlineData("arm -5 500", "")]
        [InlineData("arm 1234 -1", "")]
        [InlineData("arm 1234 3600001", "")]
        [InlineData("arm 1234", "")]
        [InlineData("arm 12x4 500", "")]
        [InlineData("kill 1234 500", "")]
        [InlineData("arm 1234 500 extra", "")]
        [InlineData("", "")]
        public void The_protocol_accepts_only_well_formed_arm_lines(string line, string expected)
        {
            var armed = new System.Collections.Generic.Dictionary<int, TimeSpan>();
            TetherGuardian.Apply(armed, line);
            Assert.Equal(expected, string.Join(",", armed.Select(a => a.Key + "=" + a.Value.TotalMilliseconds)));
        }

        [Fact]
        public void Done_removes_only_its_own_group_and_arm_lines_round_trip()
        {
            var armed = new System.Collections.Generic.Dictionary<int, TimeSpan>();
            TetherGuardian.Apply(armed, TetherGuardian.ArmLine(4242, TimeSpan.FromSeconds(2.5)).TrimEnd('\n'));
            TetherGuardian.Apply(armed, TetherGuardian.ArmLine(4343, TimeSpan.FromHours(2)).TrimEnd('\n'));
            TetherGuardian.Apply(armed, "done 4343");
            TetherGuardian.Apply(armed, "done 99999");
            Assert.Equal("4242=2500", string.Join(",", armed.Select(a => a.Key + "=" + a.Value.TotalMilliseconds)));
            Assert.Equal("arm 4343 3600000\n", TetherGuardian.ArmLine(4343, TimeSpan.FromHours(2)));
        }

        /// <summary>Reaps a direct child of this test process (bounded), so no zombie of ours outlives the test.</summary>
        private static void Reap(int pid) =>
            TestProcesses.WaitUntil(() => Worktrunk.Interop.Libc.waitpid(pid, out _, 1) != 0, TimeSpan.FromSeconds(5));
    }
}
