using System;
using System.IO;
using System.Linq;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Worktrunk.Trash;
using Xunit;

namespace Worktrunk.Core.Tests.Removal
{
    /// <summary>The in-process unregister moves exactly one plain registration directory, or declines and changes nothing.</summary>
    public sealed class RegistrationRemoverTests
    {
        private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1795000000);

        [Fact]
        public void Moves_exactly_this_registration_into_the_trash_and_git_agrees_it_is_unregistered()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var sibling = sb.AddWorktree("sibling");
            var registrations = WorktreeLister.ReadRegistrations(sb.CommonDir);
            Assert.True(registrations.TryGetValue(Path.GetFullPath(wt), out var gitDir));
            var siblingBefore = Files(Path.Combine(sb.CommonDir, "worktrees", "wt-sibling"));
            TestFiles.DeleteTree(wt);

            var sink = new RecordingSink();
            var moved = RegistrationRemover.TryMoveToTrash(gitDir, sb.CommonDir, Now, sink);

            Assert.Equal(Path.Combine(TrashPaths.TrashDir(sb.CommonDir), "wt-feature.registration-1795000000"), moved);
            Assert.True(File.Exists(Path.Combine(moved!, "HEAD")));
            Assert.False(Directory.Exists(gitDir));
            Assert.Equal(new[] { sb.RepoPath, sibling }, RemovalFixture.Listed(sb));
            Assert.Equal(siblingBefore, Files(Path.Combine(sb.CommonDir, "worktrees", "wt-sibling")));
            RemovalFixture.AssertRepositoryConsistent(sb);

            // The moved registration is an ordinary trash entry: it ages and is swept like the staged worktrees.
            Assert.True(TrashPaths.TryParseTimestamp(Path.GetFileName(moved!), out var seconds));
            Assert.Equal(1795000000, seconds);
        }

        [Fact]
        public void A_symlinked_registration_or_one_outside_the_worktrees_folder_is_refused_untouched()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var real = Path.Combine(sb.CommonDir, "worktrees", "wt-feature");
            var elsewhere = Path.Combine(sb.Root, "registration-elsewhere");
            Directory.Move(real, elsewhere);
            File.CreateSymbolicLink(real, elsewhere);
            var before = Files(elsewhere);
            var sink = new RecordingSink();

            // As the re-check hands it over (canonical, so outside <common>/worktrees), and as the link itself:
            // refused, not declined (the caller's fallback, `git worktree remove`, would delete through the link).
            foreach (var gitDir in new[] { elsewhere, real, Path.Combine(sb.CommonDir, "worktrees"), sb.CommonDir })
            {
                var e = Assert.Throws<WorktrunkException>(() => RegistrationRemover.TryMoveToTrash(gitDir, sb.CommonDir, Now, sink));
                Assert.Equal(ErrorIds.UnsafeRegistration, e.ErrorId);
                Assert.Equal(ErrorIds.UnsafeRegistration, Assert.Throws<WorktrunkException>(() => RegistrationRemover.Verify(gitDir, sb.CommonDir)).ErrorId);
            }

            Assert.Equal(before, Files(elsewhere));
            Assert.True(new FileInfo(real).LinkTarget == elsewhere);
            Assert.False(Directory.Exists(TrashPaths.TrashDir(sb.CommonDir)) && Directory.EnumerateFileSystemEntries(TrashPaths.TrashDir(sb.CommonDir)).Any());
            Assert.Equal(2, RemovalFixture.Listed(sb).Count);
        }

        /// <summary>Every file under <paramref name="dir"/> with its bytes, as one sorted text.</summary>
        private static string Files(string dir) => string.Join(
            "\n",
            Directory.GetFiles(dir, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => Path.GetRelativePath(dir, f) + "=" + Convert.ToBase64String(File.ReadAllBytes(f))));

        [Fact]
        public void A_refused_move_is_declined_and_changes_nothing()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("feature");
            var real = Path.Combine(sb.CommonDir, "worktrees", "wt-feature");
            var sink = new RecordingSink();
            var moved = RegistrationRemover.TryMoveToTrash(real, sb.CommonDir, Now, sink, (_, _) => throw new UnauthorizedAccessException("denied"));
            Assert.Null(moved);
            Assert.True(File.Exists(Path.Combine(real, "gitdir")));
            Assert.Contains(sink.Verbose, v => v.Contains("unregistering with git instead", StringComparison.Ordinal));
        }
    }
}
