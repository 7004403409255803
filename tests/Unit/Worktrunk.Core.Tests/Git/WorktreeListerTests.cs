using System;
using System.IO;
using System.Linq;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Git
{
    public sealed class WorktreeListerTests
    {
        private static readonly GitRunner Git = new GitRunner(NullSink.Instance);

        [Fact]
        public void Lists_main_and_linked_worktrees_from_any_subdirectory()
        {
            using var sb = GitSandbox.Create();
            var feature = sb.AddWorktree("feature/x");
            Directory.CreateDirectory(Path.Combine(feature, "deep", "er"));

            foreach (var start in new[] { sb.RepoPath, feature, Path.Combine(feature, "deep", "er") })
            {
                var repo = RepositoryLocator.Locate(start, Git);
                Assert.Equal(PathUtil.Canonicalize(Path.Combine(sb.RepoPath, ".git")), repo.CommonDir);
                var list = WorktreeLister.List(repo, Git, start);
                Assert.Equal(2, list.Count);
                Assert.True(list[0].IsMain);
                Assert.Equal("main", list[0].Branch);
                Assert.Equal(repo.CommonDir, list[0].GitDir);
                Assert.Equal("feature/x", list[1].Branch);
                Assert.False(list[1].IsMain);
                Assert.Equal(Path.Combine(repo.CommonDir, "worktrees", "wt-feature-x"), list[1].GitDir);
                Assert.Equal(start.StartsWith(feature, StringComparison.Ordinal), list[1].IsCurrent);
                Assert.Equal(!start.StartsWith(feature, StringComparison.Ordinal), list[0].IsCurrent);
            }
        }

        [Fact]
        public void Reports_locked_prunable_detached_and_missing_worktrees()
        {
            using var sb = GitSandbox.Create();
            var locked = sb.AddWorktree("locked");
            sb.Git(sb.RepoPath, "worktree", "lock", "--reason", "on a USB disk", locked);
            var gone = sb.AddWorktree("gone");
            Directory.Delete(gone, true);
            var detached = Path.Combine(sb.Root, "det");
            sb.Git(sb.RepoPath, "worktree", "add", "-q", "--detach", detached, "main");

            var repo = RepositoryLocator.Locate(sb.RepoPath, Git);
            var list = WorktreeLister.List(repo, Git, null).ToDictionary(w => Path.GetFileName(w.Path));

            Assert.True(list["wt-locked"].IsLocked);
            Assert.Equal("on a USB disk", list["wt-locked"].LockReason);
            Assert.True(list["wt-gone"].IsPrunable);
            Assert.False(list["wt-gone"].Exists);
            Assert.NotNull(list["wt-gone"].GitDir);
            Assert.True(list["det"].IsDetached);
            Assert.Null(list["det"].Branch);
            Assert.All(list.Values, w => Assert.False(w.IsCurrent));
        }

        [Fact]
        public void Works_in_a_bare_repository_with_worktrees()
        {
            using var sb = GitSandbox.Create("proj.git", bare: true);
            var wt = Path.Combine(sb.Root, "proj-main");
            sb.Git(sb.RepoPath, "worktree", "add", "-q", wt, "main");

            var fromBare = WorktreeLister.List(RepositoryLocator.Locate(sb.RepoPath, Git), Git, sb.RepoPath);
            var fromWorktree = WorktreeLister.List(RepositoryLocator.Locate(wt, Git), Git, wt);

            foreach (var list in new[] { fromBare, fromWorktree })
            {
                Assert.Equal(2, list.Count);
                Assert.True(list[0].IsBare);
                Assert.False(list[0].IsMain);
                Assert.Equal("main", list[1].Branch);
                Assert.Equal(PathUtil.Canonicalize(sb.RepoPath), list[1].CommonDir);
            }

            Assert.True(fromWorktree[1].IsCurrent);
        }

        [Fact]
        public void Paths_with_spaces_and_non_ascii_characters_round_trip()
        {
            using var sb = GitSandbox.Create("my repo ü");
            var wt = sb.AddWorktree("naïve", "wt ñ space");
            var list = WorktreeLister.List(RepositoryLocator.Locate(wt, Git), Git, wt);
            Assert.Equal(PathUtil.Canonicalize(wt), list[1].Path);
            Assert.Equal("naïve", list[1].Branch);
            Assert.True(list[1].IsCurrent);
            Assert.True(list[1].Exists);
        }

        [Fact]
        public void A_repository_reached_through_a_symlink_has_canonical_paths()
        {
            using var sb = GitSandbox.Create();
            var link = Path.Combine(sb.Root, "link");
            Directory.CreateSymbolicLink(link, sb.RepoPath);
            var repo = RepositoryLocator.Locate(link, Git);
            Assert.Equal(PathUtil.Canonicalize(Path.Combine(sb.RepoPath, ".git")), repo.CommonDir);
            var list = WorktreeLister.List(repo, Git, link);
            Assert.True(list[0].IsCurrent);
        }

        [Fact]
        public void Outside_a_repository_is_NotARepository()
        {
            var dir = Path.Combine(Path.GetTempPath(), "wt-norepo-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(dir);
            try
            {
                var e = Assert.Throws<WorktrunkException>(() => RepositoryLocator.Locate(dir, Git));
                Assert.Equal(ErrorIds.NotARepository, e.ErrorId);
                Assert.Equal(ErrorKind.ObjectNotFound, e.Kind);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Fact]
        public void A_missing_directory_is_PathNotFound()
        {
            var e = Assert.Throws<WorktrunkException>(() => RepositoryLocator.Locate("/nonexistent/wt/dir", Git));
            Assert.Equal(ErrorIds.PathNotFound, e.ErrorId);
        }
    }
}
