using System;
using System.IO;
using System.Linq;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Tether;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Tether
{
    /// <summary>
    /// A detached supervisor that never reports is stopped through the identity-checked signaller
    /// (SIGTERM, then SIGKILL when it ignores SIGTERM): a failed -Detach leaves nothing running.
    /// </summary>
    public sealed class TetherDetachStopTests : IDisposable
    {
        private readonly TestProcesses _procs = new TestProcesses();
        private readonly string _root = Path.Combine(Path.GetTempPath(), "wt-detach-stop-" + Guid.NewGuid().ToString("N").Substring(0, 8));

        public void Dispose()
        {
            _procs.Dispose();
            TestFiles.DeleteTree(_root);
        }

        [Fact]
        public void A_supervisor_that_never_reports_and_ignores_SIGTERM_is_killed_through_the_signaller()
        {
            Directory.CreateDirectory(_root);
            var pidFile = Path.Combine(_root, "host.pid");
            var host = Path.Combine(_root, "fake-host");

            // A "PowerShell host" that never writes the state file and ignores SIGTERM (the
            // ignored disposition survives exec, so sleep ignores it too).
            File.WriteAllText(host, "#!/bin/sh\ntrap '' TERM\necho $$ > '" + pidFile + "'\nexec sleep 120\n");
            File.SetUnixFileMode(host, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var spec = new TetherSpec("sh", new[] { "-c", "true" }, _root, _root, TimeSpan.FromMilliseconds(100));
            var sink = new RecordingSink();

            var e = Assert.Throws<WorktrunkException>(() => TetherDetach.Launch(spec, null, host, "/nonexistent/Worktrunk.psd1", TimeSpan.FromSeconds(1), sink, CancellationToken.None));
            Assert.Equal(ErrorIds.TetherSupervisorFailed, e.ErrorId);

            var pid = int.Parse(File.ReadAllText(pidFile).Trim());
            _procs.Track(pid);
            Assert.False(TestProcesses.IsAlive(pid));
            Assert.Contains(sink.Verbose, m => m.StartsWith("SIGTERM → PID " + pid, StringComparison.Ordinal));
            Assert.Contains(sink.Verbose, m => m.StartsWith("PID " + pid + " outlived SIGTERM", StringComparison.Ordinal));
        }
    }
}
