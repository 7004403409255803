using System;
using System.IO;
using System.Linq;
using System.Threading;
using Worktrunk.Tether;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Tether
{
    /// <summary>
    /// A permission error on the worktree path must never tear a live tree down. The parent of the
    /// worktree is chmod 000; as root, the supervising thread first drops its DAC override
    /// capabilities (ThreadCapabilities), so its lstat really fails with EACCES, exactly as an
    /// ordinary user's would. Then the permission is restored and the worktree removed, which must
    /// still tear the tree down.
    /// </summary>
    public sealed class TetherPermissionTests : IDisposable
    {
        private readonly TestProcesses _procs = new TestProcesses();
        private readonly string _root = Path.Combine(Path.GetTempPath(), "wt-tether-perm-" + Guid.NewGuid().ToString("N").Substring(0, 8));

        public void Dispose()
        {
            _procs.Dispose();
            TestFiles.DeleteTree(_root);
        }

        [Fact]
        public unsafe void EACCES_on_the_worktree_path_keeps_the_tree_running_and_removal_still_tears_it_down()
        {
            var locked = Path.Combine(_root, "locked");
            var worktree = Path.Combine(locked, "wt");
            Directory.CreateDirectory(worktree);
            var tree = new TetherTree(Path.Combine(_root, "pids"), _procs);
            var sink = new TetherTestSink();
            var spec = new TetherSpec("sh", tree.Arguments("stay"), worktree, worktree, TimeSpan.FromSeconds(5));
            using var supervisor = TetherSupervisor.Start(spec, sink);
            _procs.Track(supervisor.ProcessGroupId, group: true);
            tree.WaitUp();

            var probeErrno = 0;
            WtTetherResult? result = null;
            Exception? failure = null;
            var supervising = new Thread(() =>
            {
                try
                {
                    if (ThreadCapabilities.IsRoot)
                    {
                        ThreadCapabilities.DropDacOverrideOnThisThread();
                    }

                    // Precondition, on the supervising thread itself: the path really is unreadable.
                    PathWatch.Probe(worktree, out probeErrno);
                    result = supervisor.Run(CancellationToken.None);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });

            File.SetUnixFileMode(locked, UnixFileMode.None);
            try
            {
                supervising.Start();

                // Eight polls' worth: the watcher sees EACCES again and again and must not act.
                Thread.Sleep(2000);
                Assert.Null(failure);
                Assert.Equal(13, probeErrno);
                Assert.True(supervising.IsAlive, "the supervisor returned while the worktree existed: " + result?.Reason);
                Assert.True(tree.All.All(TestProcesses.IsAlive), "a permission error tore the tree down");
                Assert.Contains(sink.Warnings, w => w.Contains("treating it as still there", StringComparison.Ordinal));
            }
            finally
            {
                File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            Directory.Delete(worktree, recursive: true);
            Assert.True(supervising.Join(TimeSpan.FromSeconds(20)), "the supervisor did not notice the removal");
            Assert.Null(failure);
            Assert.Equal(WtTetherEndReason.WorktreeRemoved, result!.Reason);
            Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());
        }
    }
}
