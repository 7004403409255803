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
    /// The guardian against real groups. Abandon closes the pipe's write end without "done",
    /// which from the guardian's side is exactly what the kernel does when the supervisor dies
    /// (the detached tests also kill a real supervisor with SIGKILL).
    /// </summary>
    public sealed class TetherGuardianTests : IDisposable
    {
        private readonly TestProcesses _procs = new TestProcesses();
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "wt-guardian-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        private readonly TetherTestSink _sink = new TetherTestSink();

        public TetherGuardianTests()
        {
            Directory.CreateDirectory(_dir);
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

        private TetherGuardian Guardian(TimeSpan grace)
        {
            var guardian = TetherGuardian.TryStart(grace, _sink)!;
            Assert.NotNull(guardian);
            _procs.Track(guardian.Pid);
            return guardian;
        }

        [Fact]
        public void A_vanished_supervisor_makes_the_guardian_tear_the_group_down()
        {
            var (tree, pgid) = StartGroup();
            using var guardian = Guardian(TimeSpan.FromSeconds(5));
            guardian.Arm(pgid);
            guardian.Abandon();
            Assert.True(TestProcesses.WaitUntil(tree.AllGone, TimeSpan.FromSeconds(10)), "survivors: " + tree.Survivors());
            Assert.True(TestProcesses.WaitUntil(() => !TestProcesses.IsAlive(guardian.Pid), TimeSpan.FromSeconds(10)));
            Reap(guardian.Pid);
            Reap(pgid);
        }

        [Fact]
        public void The_guardian_escalates_to_SIGKILL_for_a_group_that_ignores_SIGTERM()
        {
            var (tree, pgid) = StartGroup("ignore-term");
            using var guardian = Guardian(TimeSpan.FromMilliseconds(500));
            guardian.Arm(pgid);
            var clock = Stopwatch.StartNew();
            guardian.Abandon();
            Assert.True(TestProcesses.WaitUntil(tree.AllGone, TimeSpan.FromSeconds(10)), "survivors: " + tree.Survivors());
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(400), $"killed after {clock.Elapsed}, before the grace period");
            Reap(guardian.Pid);
            Reap(pgid);
        }

        [Fact]
        public void Done_releases_the_guardian_without_signalling()
        {
            var (tree, pgid) = StartGroup();
            var guardian = Guardian(TimeSpan.FromSeconds(5));
            guardian.Arm(pgid);
            guardian.Release(armed: true);
            Assert.False(TestProcesses.IsAlive(guardian.Pid));
            System.Threading.Thread.Sleep(300);
            Assert.True(tree.All.All(TestProcesses.IsAlive), "the guardian signalled a group after 'done'");
            Worktrunk.Interop.Libc.killpg(pgid, 9);
            Reap(pgid);
        }

        [Fact]
        public void A_guardian_never_armed_signals_nothing()
        {
            var (tree, pgid) = StartGroup();
            var guardian = Guardian(TimeSpan.FromSeconds(5));
            guardian.Abandon();
            Assert.True(TestProcesses.WaitUntil(() => !TestProcesses.IsAlive(guardian.Pid), TimeSpan.FromSeconds(5)));
            Reap(guardian.Pid);
            Assert.True(tree.All.All(TestProcesses.IsAlive));
            Worktrunk.Interop.Libc.killpg(pgid, 9);
            Reap(pgid);
        }

        [Fact]
        public void The_guardian_lives_in_its_own_session_without_a_terminal_and_holds_no_copy_of_the_pipe_elsewhere()
        {
            var guardian = Guardian(TimeSpan.FromSeconds(1));
            var stat = ProcessTable.ReadStat(guardian.Pid)!.Value;
            Assert.Equal(guardian.Pid, stat.Session);
            Assert.Equal(guardian.Pid, stat.ProcessGroup);
            Assert.Equal("/", new DirectoryInfo("/proc/" + guardian.Pid + "/cwd").LinkTarget);

            // A child spawned now must not inherit the write end (close-on-exec): if it did, the
            // guardian would never see end-of-file while that child lives.
            var pipe = new FileInfo("/proc/" + guardian.Pid + "/fd/0").LinkTarget;
            Assert.StartsWith("pipe:", pipe);
            Assert.Contains(pipe, Directory.GetFiles("/proc/self/fd").Select(f => new FileInfo(f).LinkTarget));
            var child = UnixSpawn.Spawn(new SpawnOptions("sleep", new[] { "30" }) { Stdout = StdioMode.Null, Stderr = StdioMode.Null });
            _procs.Track(child.Pid, group: true);
            Assert.DoesNotContain(pipe, Directory.GetFiles("/proc/" + child.Pid + "/fd").Select(f => new FileInfo(f).LinkTarget));
            guardian.Release(armed: false);
            Worktrunk.Interop.Libc.kill(child.Pid, 9);
            Reap(child.Pid);
        }

        /// <summary>Reaps a direct child of this test process (bounded), so no zombie of ours outlives the test.</summary>
        private static void Reap(int pid) =>
            TestProcesses.WaitUntil(() => Worktrunk.Interop.Libc.waitpid(pid, out _, 1) != 0, TimeSpan.FromSeconds(5));
    }
}
