using System;
using System.IO;
using System.Linq;
using Worktrunk.Daemons;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>
    /// A fact that runs only where this machine's git has a builtin fsmonitor daemon (macOS and
    /// Windows since 2.37, Linux since 2.55). xunit 2 can skip only statically, so the attribute
    /// asks git once at discovery time (`git fsmonitor--daemon status` in a scratch repository) and
    /// sets Skip, with git's own answer as the reason, when the daemon is unsupported.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class RealFsmonitorFactAttribute : FactAttribute
    {
        private static readonly Lazy<string?> s_unsupported = new Lazy<string?>(Probe);

        public RealFsmonitorFactAttribute()
        {
            var reason = s_unsupported.Value;
            if (reason != null)
            {
                Skip = reason;
            }
        }

        private static string? Probe()
        {
            var dir = Path.Combine(Path.GetTempPath(), "wt-fsm-probe-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            try
            {
                Directory.CreateDirectory(dir);
                GitSandbox.TryGit(dir, "init", "-q");
                var (code, stdout, stderr) = GitSandbox.TryGit(dir, "fsmonitor--daemon", "status");
                var text = (stdout + stderr).Trim();
                if (text.Contains("not supported", StringComparison.OrdinalIgnoreCase) || text.Contains("is not a git command", StringComparison.OrdinalIgnoreCase))
                {
                    var (_, version, _) = GitSandbox.TryGit(dir, "version");
                    return "This git (" + version.Trim() + ") has no builtin fsmonitor daemon on this platform (`git fsmonitor--daemon status` says: " + text + "); the stand-in daemon tests cover this machine.";
                }

                // Supported: `status` exits 1 with "not watching" when no daemon runs.
                return code == 0 || code == 1 ? null : "git fsmonitor--daemon status failed (" + code + "): " + text;
            }
            catch (Exception e)
            {
                return "Cannot ask git about fsmonitor support: " + e.Message;
            }
            finally
            {
                TestFiles.DeleteTree(dir);
            }
        }
    }

    /// <summary>End to end against git's real daemon, where git has one.</summary>
    public sealed class RealDaemonEndToEndTests
    {
        [RealFsmonitorFact]
        public void A_real_daemon_is_live_then_orphaned_then_reaped_and_another_is_stopped_for_its_worktree()
        {
            using var bed = new DaemonTestBed();
            var gone = bed.Sandbox.AddWorktree("real-gone");
            var kept = bed.Sandbox.AddWorktree("real-kept");
            foreach (var wt in new[] { gone, kept })
            {
                bed.Sandbox.Git(wt, "config", "core.fsmonitor", "true");
                bed.Sandbox.Git(wt, "fsmonitor--daemon", "start");
            }

            var goneGitDir = DaemonTestBed.GitDirOf(gone);
            var keptGitDir = DaemonTestBed.GitDirOf(kept);
            DiscoveredDaemon? goneDaemon = null;
            DiscoveredDaemon? keptDaemon = null;
            Assert.True(TestProcesses.WaitUntil(
                () =>
                {
                    var all = DaemonDiscovery.Discover(bed.Sink);
                    goneDaemon = all.FirstOrDefault(d => d.SocketPath != null && DaemonStopper.CanonicalSocket(d.SocketPath) == Path.Combine(goneGitDir, FsmonitorSocket.FileName));
                    keptDaemon = all.FirstOrDefault(d => d.SocketPath != null && DaemonStopper.CanonicalSocket(d.SocketPath) == Path.Combine(keptGitDir, FsmonitorSocket.FileName));
                    return goneDaemon != null && keptDaemon != null;
                },
                TimeSpan.FromSeconds(30)));
            bed.Procs.Track(goneDaemon!.Pid);
            bed.Procs.Track(keptDaemon!.Pid);

            var inv = DaemonInventory.Take(bed.Location, bed.Git, true).Where(d => d.ProcessId == goneDaemon.Pid || d.ProcessId == keptDaemon.Pid).ToList();
            Assert.All(inv, d => Assert.Equal(WtDaemonState.Live, d.State));

            // The worktree disappears without a clean removal; a healthy daemon may notice and exit
            // by itself, a wedged one would not: either way the sweep leaves nothing behind.
            TestFiles.DeleteTree(gone);
            var summary = FsmonitorSweep.Run(bed.Location, bed.Git, whatIf: false, TimeSpan.FromSeconds(1.5));
            Assert.True(TestProcesses.WaitUntil(() => ProcessIdentities.Check(goneDaemon.Identity) == IdentityStatus.Gone, TimeSpan.FromSeconds(10)));
            Assert.DoesNotContain(summary.Results, r => r.ProcessId == keptDaemon.Pid);
            Assert.Equal(IdentityStatus.Same, ProcessIdentities.Check(keptDaemon.Identity));

            // Removal's stop: git's IPC stop first; whatever is left is signalled.
            DaemonStopper.StopForWorktree(kept, keptGitDir, bed.Git, TimeSpan.FromSeconds(1.5));
            Assert.True(TestProcesses.WaitUntil(() => ProcessIdentities.Check(keptDaemon.Identity) == IdentityStatus.Gone, TimeSpan.FromSeconds(10)));
        }
    }
}
