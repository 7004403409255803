using System.IO;
using System.Linq;
using Worktrunk.Core.Tests.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Operations;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Operations
{
    /// <summary>Get-WtOrphanDaemon as one core operation, through the recording host, with real stand-in daemons.</summary>
    public sealed class OrphanDaemonListingTests
    {
        [Fact]
        public void From_inside_the_repository_its_orphan_is_listed_its_live_daemon_only_with_IncludeLive_and_nothing_is_asked()
        {
            using var bed = new DaemonTestBed();
            var gone = bed.Sandbox.AddWorktree("gone");
            var orphan = bed.StartDaemon(DaemonTestBed.GitDirOf(gone));
            TestFiles.DeleteTree(gone);
            var live = bed.StartDaemon(DaemonTestBed.GitDirOf(bed.Sandbox.AddWorktree("live")));

            var host = new RecordingOperationHost(bed.Sandbox.RepoPath);
            OrphanDaemonListing.Run(null, includeLive: false, host);
            var shown = host.Outputs.Cast<WtFsmonitorDaemon>().Select(d => d.ProcessId).ToList();
            Assert.Contains(orphan.Pid, shown);
            Assert.DoesNotContain(live.Pid, shown);
            Assert.Empty(host.Questions);
            Assert.Empty(host.Errors);

            var all = new RecordingOperationHost(bed.Sandbox.RepoPath);
            OrphanDaemonListing.Run(null, includeLive: true, all);
            var every = all.Outputs.Cast<WtFsmonitorDaemon>().ToList();
            Assert.Contains(every, d => d.ProcessId == live.Pid && d.State == WtDaemonState.Live);
            Assert.Contains(every, d => d.ProcessId == orphan.Pid && d.IsOrphaned);
            Assert.True(orphan.IsAlive);
            Assert.True(live.IsAlive);
        }

        [Fact]
        public void An_explicit_directory_outside_any_repository_is_an_error_and_a_session_outside_one_narrows_the_scope()
        {
            using var bed = new DaemonTestBed();
            var outside = Path.Combine(Path.GetDirectoryName(bed.Sandbox.RepoPath)!, "not-a-repo");
            Directory.CreateDirectory(outside);

            var host = new RecordingOperationHost(outside);
            var e = Assert.Throws<WorktrunkException>(() => OrphanDaemonListing.Run(outside, includeLive: false, host));
            Assert.Equal(ErrorIds.NotARepository, e.ErrorId);

            var session = new RecordingOperationHost(outside);
            OrphanDaemonListing.Run(null, includeLive: false, session);
            Assert.Contains(session.VerboseLines, l => l.Contains("is not in a repository"));
            Assert.Empty(session.Errors);
        }
    }
}
