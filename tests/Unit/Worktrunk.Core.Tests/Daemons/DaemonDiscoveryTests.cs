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
    }
}
