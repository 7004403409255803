using System;
using System.IO;
using System.Linq;
using System.Threading;
using Worktrunk.Core.Tests.Removal;
using Worktrunk.Diagnostics;
using Worktrunk;
using Worktrunk.Git;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Worktrunk.Trash;
using Xunit;

namespace Worktrunk.Core.Tests.Adversarial
{
    /// <summary>
    /// Issue 9, point 2: &lt;common&gt;/worktrees/&lt;id&gt; is a symlink. `git worktree remove` would
    /// delete the contents of its target; the removal must refuse to unregister (UnsafeRegistration),
    /// leave the registration exactly in place and never hand it to git.
    /// </summary>
    public sealed class TrashRegistrationSymlinkAttackTests
    {
        private readonly RecordingSink _sink = new RecordingSink();

        /// <summary>The registration of wt-feature moves elsewhere, next to files that must survive, and a link takes its place.</summary>
        private static (string Registration, string Target) LinkRegistration(GitSandbox sb)
        {
            var registration = Path.Combine(sb.CommonDir, "worktrees", "wt-feature");
            var target = Path.Combine(sb.Root, "shared", "registration");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            Directory.Move(registration, target);
            TrashAttackCanary.Plant(Path.Combine(target, "precious"));
            Directory.CreateSymbolicLink(registration, target);
            return (registration, target);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void A_linked_registration_is_never_unregistered_through_the_link(bool wait)
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            sb.WriteFile(wt, "work.txt", "committed below\n");
            sb.Git(wt, "add", "work.txt");
            sb.Git(wt, "commit", "-q", "-m", "work");

            var (registration, target) = LinkRegistration(sb);
            var snapshot = TrashAttackCanary.Snapshot(target);

            var git = new GitRunner(_sink);
            var plan = RemovalFixture.Plan(sb, git, SelectorKind.Branch, "feature", new RemovalOptions(true, BranchMode.SafeDelete, true));
            var e = Assert.Throws<WorktrunkException>(() => new RemovalExecutor(git, _sink, CancellationToken.None).Execute(plan, wait));

            Assert.Equal(ErrorIds.UnsafeRegistration, e.ErrorId);
            Assert.Contains("left in place", e.Message, StringComparison.Ordinal);
            TrashAttackCanary.AssertIntact(target, snapshot);
            Assert.Equal(target, new DirectoryInfo(registration).LinkTarget);
            Assert.DoesNotContain(_sink.Verbose, v => v.StartsWith("git ", StringComparison.Ordinal) && v.Contains("worktree remove", StringComparison.Ordinal));

            // Refused under the lock before anything changed: the worktree in place and registered, its branch kept, no trash.
            Assert.Equal("committed below\n", File.ReadAllText(Path.Combine(wt, "work.txt")));
            Assert.Contains(wt, RemovalFixture.Listed(sb));
            Assert.True(RemovalFixture.BranchExists(sb, "feature"));
            Assert.False(Directory.Exists(TrashPaths.TrashDir(sb.CommonDir)));
        }

        [Fact]
        public void A_linked_registration_of_a_vanished_worktree_is_not_handed_to_git()
        {
            // The stale-entry path unregisters with `git worktree remove`, which deletes the link's target's contents.
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var (registration, target) = LinkRegistration(sb);
            TestFiles.DeleteTree(wt);
            var snapshot = TrashAttackCanary.Snapshot(target);

            var git = new GitRunner(_sink);
            var plan = RemovalFixture.Plan(sb, git, SelectorKind.Path, wt);
            Assert.Equal(WtRemovalKind.StaleEntry, plan.Kind);
            var e = Assert.Throws<WorktrunkException>(() => new RemovalExecutor(git, _sink, CancellationToken.None).Execute(plan, false));

            Assert.Equal(ErrorIds.UnsafeRegistration, e.ErrorId);
            TrashAttackCanary.AssertIntact(target, snapshot);
            Assert.Equal(target, new DirectoryInfo(registration).LinkTarget);
            Assert.DoesNotContain(_sink.Verbose, v => v.StartsWith("git ", StringComparison.Ordinal) && v.Contains("worktree remove", StringComparison.Ordinal));
        }

        [Fact]
        public void A_registration_that_belongs_to_another_user_is_refused_in_place()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var registration = Path.Combine(sb.CommonDir, "worktrees", "wt-feature");
            TrashAttackCanary.GiveToAnotherUser(registration);
            var snapshot = TrashAttackCanary.Snapshot(registration);
            TestFiles.DeleteTree(wt);

            var e = Assert.Throws<WorktrunkException>(() => RegistrationRemover.TryMoveToTrash(registration, sb.CommonDir, DateTimeOffset.UtcNow, _sink));
            Assert.Equal(ErrorIds.UnsafeRegistration, e.ErrorId);
            Assert.Equal(ErrorIds.UnsafeRegistration, Assert.Throws<WorktrunkException>(() => RegistrationRemover.Verify(registration, sb.CommonDir)).ErrorId);
            TrashAttackCanary.AssertIntact(registration, snapshot);
            Assert.False(Directory.Exists(TrashPaths.StateDir(sb.CommonDir)));
        }

        [Fact]
        public void A_linked_worktrees_folder_is_refused_in_place()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var worktrees = Path.Combine(sb.CommonDir, "worktrees");
            var target = Path.Combine(sb.Root, "worktrees-elsewhere");
            Directory.Move(worktrees, target);
            Directory.CreateSymbolicLink(worktrees, target);
            var snapshot = TrashAttackCanary.Snapshot(target);
            TestFiles.DeleteTree(wt);

            var e = Assert.Throws<WorktrunkException>(() => RegistrationRemover.TryMoveToTrash(Path.Combine(worktrees, "wt-feature"), sb.CommonDir, DateTimeOffset.UtcNow, _sink));
            Assert.Equal(ErrorIds.UnsafeRegistration, e.ErrorId);
            TrashAttackCanary.AssertIntact(target, snapshot);
            Assert.Equal(target, new DirectoryInfo(worktrees).LinkTarget);
        }
    }
}
