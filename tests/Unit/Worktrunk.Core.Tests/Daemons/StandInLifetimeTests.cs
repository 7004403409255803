using System;
using System.Diagnostics;
using System.IO;
using Worktrunk.StandIn;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>A stand-in daemon outlives nothing it should not: when the process that started it dies, it exits.</summary>
    public sealed class StandInLifetimeTests : IDisposable
    {
        private readonly TestProcesses _procs = new TestProcesses();
        private readonly string _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "wt-standin-" + Guid.NewGuid().ToString("N").Substring(0, 8))).FullName;

        public void Dispose()
        {
            _procs.Dispose();
            TestFiles.DeleteTree(_dir);
        }

        [Fact]
        public void A_stand_in_exits_when_the_process_that_started_it_is_killed()
        {
            // sh starts the stand-in as its own child (WT_STANDIN_PARENT = the shell), then waits.
            var pidFile = Path.Combine(_dir, "standin.pid");
            var psi = new ProcessStartInfo("sh")
            {
                ArgumentList =
                {
                    "-c",
                    "WT_STANDIN_PARENT=$$ WT_STANDIN_MODE=no-socket \"$1\" fsmonitor--daemon run & echo $! > \"$2\"; wait",
                    "sh",
                    StandInLauncher.AppHost,
                    pidFile,
                },
                UseShellExecute = false,
            };
            using var shell = Process.Start(psi)!;
            _procs.Track(shell.Id);
            Assert.True(TestProcesses.WaitUntil(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0, TimeSpan.FromSeconds(20)), "the stand-in did not start");
            var standIn = _procs.Track(int.Parse(File.ReadAllText(pidFile).Trim()));
            Assert.True(TestProcesses.WaitUntil(() => File.Exists($"/proc/{standIn}/cmdline") && File.ReadAllText($"/proc/{standIn}/cmdline").Contains("fsmonitor--daemon"), TimeSpan.FromSeconds(20)));

            // Running while its shell lives; gone soon after the shell is killed (an aborted run).
            System.Threading.Thread.Sleep(1200);
            Assert.True(TestProcesses.IsAlive(standIn), "the stand-in exited while its parent lived");
            shell.Kill();
            shell.WaitForExit();
            Assert.True(TestProcesses.WaitUntil(() => !TestProcesses.IsAlive(standIn), TimeSpan.FromSeconds(10)), "the stand-in outlived the process that started it");
        }
    }
}
