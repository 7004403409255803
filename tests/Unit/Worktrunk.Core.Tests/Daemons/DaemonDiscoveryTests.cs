using System;
using System.IO;
using System.Linq;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.StandIn;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    public sealed class DaemonDiscoveryTests
    {
        [Fact]
        public void Finds_a_stand_in_daemon_with_its_socket_and_identity_without_spawning()
        {
            using var bed = new DaemonTestBed();
            var d = bed.StartDaemon(bed.CommonDir);

            var found = DaemonDiscovery.Discover(bed.Sink, DiscoveryMethod.ProcFs).Single(x => x.Pid == d.Pid);
            Assert.Equal(d.SocketPath, found.SocketPath);
            Assert.Equal(new[] { "git", "fsmonitor--daemon", "run" }, found.Argv);
            Assert.Equal(ProcessIdentities.Capture(d.Pid), found.Identity);

            // /proc discovery runs no command (every command would be reported to the sink).
            Assert.Empty(bed.Sink.Verbose);
        }
    
        [Fact]
        public void The_lsof_fallback_reads_linux_lsof_and_agrees_with_proc()
        {
            // Real lsof 4.9x on Linux appends " type=STREAM": the fallback must still see the full
            // path and classify the daemon Live, not as a bare-name orphan.
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("lsof");
            var gitDir = DaemonTestBed.GitDirOf(wt);
            var d = bed.StartDaemon(gitDir);

            var viaLsof = DaemonDiscovery.Discover(bed.Sink, DiscoveryMethod.PgrepLsof).Single(x => x.Pid == d.Pid);
            var viaProc = DaemonDiscovery.Discover(bed.Sink, DiscoveryMethod.ProcFs).Single(x => x.Pid == d.Pid);
            Assert.Equal(d.SocketPath, viaLsof.SocketPath);
            Assert.Equal(viaProc.Identity, viaLsof.Identity);
            Assert.Contains(bed.Sink.Verbose, v => v.StartsWith("lsof ", StringComparison.Ordinal));

            var inv = DaemonInventory.Take(bed.Location, bed.Git, false, DiscoveryMethod.PgrepLsof).Single(x => x.ProcessId == d.Pid);
            Assert.Equal(WtDaemonState.Live, inv.State);

            // With the git dir deleted, Linux lsof still prints the full path (plus the suffix).
            TestFiles.DeleteTree(wt);
            TestFiles.DeleteTree(gitDir);
            var gone = DaemonInventory.Take(bed.Location, bed.Git, false, DiscoveryMethod.PgrepLsof).Single(x => x.ProcessId == d.Pid);
            Assert.Equal(WtDaemonState.OrphanedGitDirGone, gone.State);
            Assert.Equal(d.SocketPath, gone.SocketPath);
        }

        [Fact]
        public void Probe_rediscovers_one_pid_and_rejects_non_daemons()
        {
            using var bed = new DaemonTestBed();
            var d = bed.StartDaemon(bed.CommonDir);
            var decoy = StandInLauncher.Start(bed.Procs, null, StandInMode.NoSocket);
            Assert.Equal(d.SocketPath, DaemonDiscovery.Probe(d.Pid, bed.Sink)!.SocketPath);
            Assert.Null(DaemonDiscovery.Probe(decoy.Pid, bed.Sink));
            Assert.Null(DaemonDiscovery.Probe(System.Environment.ProcessId, bed.Sink));
            Assert.Null(DaemonDiscovery.Probe(-1, bed.Sink));
        }

        [Fact]
        public void Start_time_is_reported_as_a_wall_clock_time_near_now()
        {
            using var bed = new DaemonTestBed();
            var d = bed.StartDaemon(bed.CommonDir);
            var inv = bed.Inventory(false, d).Single();
            Assert.NotNull(inv.StartTime);
            Assert.InRange(inv.StartTime!.Value, System.DateTime.Now.AddMinutes(-5), System.DateTime.Now.AddMinutes(1));
        }
    }
}
