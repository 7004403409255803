using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Processes;
using Worktrunk.StandIn;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>Real signals to real processes this test started; identity checks against recycled PIDs.</summary>
    public sealed class DaemonSignallerTests : IDisposable
    {
        private readonly TestProcesses _procs = new TestProcesses();
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "wt-sig-" + Guid.NewGuid().ToString("N").Substring(0, 8));

        public DaemonSignallerTests()
        {
            Directory.CreateDirectory(_dir);
        }

        public void Dispose()
        {
            _procs.Dispose();
            TestFiles.DeleteTree(_dir);
        }

        private StandInProcess Daemon(StandInMode mode = StandInMode.Default) =>
            StandInLauncher.Start(_procs, Path.Combine(_dir, Guid.NewGuid().ToString("N").Substring(0, 6) + "-" + FsmonitorSocket.FileName), mode);

        /// <summary>Runs <paramref name="body"/> with the pidfd path on or off (the switch is per thread).</summary>
        private static void WithPidfd(bool withoutPidfd, Action body)
        {
            DaemonSignaller.DisablePidfd = withoutPidfd;
            try
            {
                body();
            }
            finally
            {
                DaemonSignaller.DisablePidfd = false;
            }
        }

        private static ProcessIdentity Id(int pid) => ProcessIdentities.Capture(pid) ?? throw new InvalidOperationException("no identity for " + pid);

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Sigterm_alone_stops_a_responsive_daemon(bool withoutPidfd)
        {
            WithPidfd(withoutPidfd, () =>
            {
                var d = Daemon();
                var r = DaemonSignaller.Terminate(new[] { Id(d.Pid) }, TimeSpan.FromSeconds(10), NullSink.Instance);

                Assert.Equal(WtDaemonStopOutcome.Terminated, Assert.Single(r).Outcome);
                Assert.False(d.IsAlive);

                // Far below the 10 s deadline: the poll ends as soon as it is gone.
                Assert.True(r[0].Elapsed < TimeSpan.FromSeconds(8), r[0].Elapsed.ToString());
            });
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void A_daemon_that_ignores_sigterm_is_killed_after_the_deadline(bool withoutPidfd)
        {
            WithPidfd(withoutPidfd, () =>
            {
                var d = Daemon(StandInMode.IgnoreTerm);
                var deadline = TimeSpan.FromMilliseconds(400);
                var clock = Stopwatch.StartNew();
                var r = DaemonSignaller.Terminate(new[] { Id(d.Pid) }, deadline, NullSink.Instance);

                Assert.Equal(WtDaemonStopOutcome.Killed, Assert.Single(r).Outcome);
                Assert.False(d.IsAlive);
                Assert.True(clock.Elapsed >= deadline, "SIGKILL came before the deadline: " + clock.Elapsed);
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
            });
        }

        [Fact]
        public void A_batch_costs_one_deadline_not_one_per_process()
        {
            var stubborn = new List<StandInProcess> { Daemon(StandInMode.IgnoreTerm), Daemon(StandInMode.IgnoreTerm), Daemon(StandInMode.IgnoreTerm) };
            var polite = Daemon();
            var ids = new List<ProcessIdentity>();
            foreach (var s in stubborn)
            {
                ids.Add(Id(s.Pid));
            }

            ids.Add(Id(polite.Pid));
            var deadline = TimeSpan.FromMilliseconds(600);
            var clock = Stopwatch.StartNew();
            var r = DaemonSignaller.Terminate(ids, deadline, NullSink.Instance);

            Assert.Equal(new[] { WtDaemonStopOutcome.Killed, WtDaemonStopOutcome.Killed, WtDaemonStopOutcome.Killed, WtDaemonStopOutcome.Terminated }, r.ConvertAll(x => x.Outcome));
            Assert.True(clock.Elapsed < deadline * 3, "escalation was not batched: " + clock.Elapsed);
        }

        [Fact]
        public void A_process_that_already_exited_is_already_gone_and_nothing_is_signalled()
        {
            var d = Daemon();
            var id = Id(d.Pid);
            _procs.Dispose();
            Assert.True(StandInLauncher.WaitExited(d.Pid, TimeSpan.FromSeconds(10)));

            var r = DaemonSignaller.Terminate(new[] { id }, TimeSpan.FromSeconds(1), NullSink.Instance);
            Assert.Equal(WtDaemonStopOutcome.AlreadyGone, Assert.Single(r).Outcome);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void A_recycled_pid_is_never_signalled(bool withoutPidfd)
        {
            WithPidfd(withoutPidfd, () =>
            {
                // The PID is alive but its start time differs from the one captured at "discovery":
                // exactly what a recycled PID looks like. It must not receive any signal.
                var d = Daemon();
                var real = Id(d.Pid);
                var stale = new ProcessIdentity(d.Pid, real.StartTicks - 1);

                var r = DaemonSignaller.Terminate(new[] { stale }, TimeSpan.FromMilliseconds(200), NullSink.Instance);

                Assert.Equal(WtDaemonStopOutcome.AlreadyGone, Assert.Single(r).Outcome);
                Assert.True(d.IsAlive);
                Assert.True(StandInLauncher.Accepts(d.SocketPath!));
            });
        }

        [Fact]
        public void A_zombie_counts_as_gone()
        {
            // A child that exited but was not reaped is a zombie: gone, not alive, never waited on.
            var child = UnixSpawn.Spawn(new SpawnOptions("sh", new[] { "-c", "exit 0" }) { Stdout = StdioMode.Null, Stderr = StdioMode.Null });
            _procs.Track(child.Pid, group: true);
            var id = new ProcessIdentity(child.Pid, ProcFs.ReadStat(child.Pid)?.StartTime ?? 0);
            Assert.True(TestProcesses.WaitUntil(() => ProcFs.ReadStat(child.Pid)?.State == 'Z', TimeSpan.FromSeconds(10)));

            var clock = Stopwatch.StartNew();
            var r = DaemonSignaller.Terminate(new[] { id }, TimeSpan.FromSeconds(5), NullSink.Instance);
            Assert.Equal(WtDaemonStopOutcome.AlreadyGone, Assert.Single(r).Outcome);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4));
        }

        [Fact]
        public void An_empty_list_signals_nothing_and_returns_at_once()
        {
            var clock = Stopwatch.StartNew();
            Assert.Empty(DaemonSignaller.Terminate(Array.Empty<ProcessIdentity>(), TimeSpan.FromSeconds(5), NullSink.Instance));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1));
        }
    }
}
