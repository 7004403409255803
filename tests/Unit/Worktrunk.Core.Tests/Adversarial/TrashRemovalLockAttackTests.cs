using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Worktrunk.Trash;
using Xunit;

namespace Worktrunk.Core.Tests.Adversarial
{
    /// <summary>
    /// The removal lock is flock(2) on the common directory itself: it creates nothing (a refusal
    /// leaves no new lock file or wt folder behind), cannot be redirected by a linked wt, excludes a
    /// second holder, honours the bounded wait and Ctrl+C, and is released when its holder dies.
    /// </summary>
    public sealed class TrashRemovalLockAttackTests
    {
        [Fact]
        public void Taking_the_lock_creates_nothing_not_even_through_a_linked_wt()
        {
            using var sb = GitSandbox.Create();
            using (RemovalLock.Acquire(sb.CommonDir, TimeSpan.FromSeconds(5), CancellationToken.None))
            {
                Assert.False(Directory.Exists(TrashPaths.StateDir(sb.CommonDir)));
            }

            Assert.False(Directory.Exists(TrashPaths.StateDir(sb.CommonDir)));

            var evil = Path.Combine(sb.Root, "evil");
            Directory.CreateDirectory(evil);
            Directory.CreateSymbolicLink(TrashPaths.StateDir(sb.CommonDir), evil);
            using (RemovalLock.Acquire(sb.CommonDir, TimeSpan.FromSeconds(5), CancellationToken.None))
            {
            }

            Assert.Empty(Directory.GetFileSystemEntries(evil));
        }

        [Fact]
        public void A_second_holder_waits_boundedly_and_honours_cancellation()
        {
            using var sb = GitSandbox.Create();
            using (RemovalLock.Acquire(sb.CommonDir, TimeSpan.FromSeconds(5), CancellationToken.None))
            {
                var busy = Assert.Throws<WorktrunkException>(() => RemovalLock.Acquire(sb.CommonDir, TimeSpan.FromMilliseconds(50), CancellationToken.None));
                Assert.Equal(ErrorIds.RemovalFailed, busy.ErrorId);
                using var cts = new CancellationTokenSource();
                cts.Cancel();
                Assert.Equal(ErrorIds.CommandStopped, Assert.Throws<WorktrunkException>(() => RemovalLock.Acquire(sb.CommonDir, TimeSpan.FromMinutes(5), cts.Token)).ErrorId);
            }

            // Released on dispose. Bounded, not zero: a child another test spawns while the lock is held
            // shares its open file description (and so the flock) until it execs, which on a loaded
            // machine can outlast the dispose by milliseconds; a lock never released still fails here.
            RemovalLock.Acquire(sb.CommonDir, TimeSpan.FromSeconds(5), CancellationToken.None).Dispose();
        }

        [Fact]
        public void A_holder_that_dies_releases_the_lock()
        {
            using var sb = GitSandbox.Create();
            using var processes = new TestProcesses();

            // A real second process opens the common directory, takes the same lock on it (util-linux
            // flock(1) on the inherited descriptor) and becomes `sleep` with the descriptor: one PID holds it.
            var psi = new ProcessStartInfo("sh") { ArgumentList = { "-c", "exec 9<\"$1\" && flock -x 9 && exec sleep 600", "holder", sb.CommonDir }, UseShellExecute = false };
            using var holder = Process.Start(psi)!;
            processes.Track(holder.Id);
            Assert.True(
                TestProcesses.WaitUntil(() => Busy(sb.CommonDir), TimeSpan.FromSeconds(30)),
                "the second process never held the lock");

            holder.Kill();
            holder.WaitForExit();
            Assert.True(TestProcesses.WaitUntil(() => !Busy(sb.CommonDir), TimeSpan.FromSeconds(30)), "the lock outlived its holder");
        }

        private static bool Busy(string commonDir)
        {
            try
            {
                RemovalLock.Acquire(commonDir, TimeSpan.Zero, CancellationToken.None).Dispose();
                return false;
            }
            catch (WorktrunkException e) when (e.ErrorId == ErrorIds.RemovalFailed)
            {
                return true;
            }
        }
    }
}
