using System;
using System.IO;
using Worktrunk.Daemons;
using Worktrunk.IO;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>The memoizing view used per classification pass agrees with PathUtil on real symlinked trees.</summary>
    public sealed class FileSystemViewTests : IDisposable
    {
        private readonly string _root = PathUtil.Canonicalize(Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "wt-fsv-" + Guid.NewGuid().ToString("N").Substring(0, 8))).FullName);

        public void Dispose() => TestFiles.DeleteTree(_root);

        [Fact]
        public void Canonicalize_matches_PathUtil_through_symlinks_missing_tails_and_dangling_links()
        {
            Directory.CreateDirectory(Path.Combine(_root, "real", "repo", ".git", "worktrees", "a"));
            File.CreateSymbolicLink(Path.Combine(_root, "alias"), Path.Combine(_root, "real"));
            File.CreateSymbolicLink(Path.Combine(_root, "real", "repo", ".git", "worktrees", "link"), Path.Combine(_root, "real", "repo", ".git", "worktrees", "a"));
            File.CreateSymbolicLink(Path.Combine(_root, "dangling"), Path.Combine(_root, "nowhere"));
            File.CreateSymbolicLink(Path.Combine(_root, "chain"), Path.Combine(_root, "alias", "repo"));

            var cases = new[]
            {
                "real/repo/.git/worktrees/a",
                "alias/repo/.git/worktrees/a",
                "alias/repo/.git/worktrees/link",
                "alias/repo/.git/worktrees/gone/deeper",
                "chain/.git",
                "chain/.git/../.git/worktrees/./a/",
                "dangling/x",
                "missing/entirely",
                "alias",
            };

            var view = new CachingFileSystemView();
            foreach (var rel in cases)
            {
                var path = Path.Combine(_root, rel);
                Assert.Equal(PathUtil.Canonicalize(path), view.Canonicalize(path));

                // Memoized answers stay the same.
                Assert.Equal(PathUtil.Canonicalize(path), view.Canonicalize(path));
                Assert.Equal(Directory.Exists(path), view.DirectoryExists(path));
            }
        }

        [Fact]
        public void CommonDirOf_follows_commondir_and_rejects_non_git_dirs()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("x");
            var gitDir = PathUtil.Canonicalize(Worktrunk.Git.RepositoryLocator.ReadGitFile(Path.Combine(wt, ".git"), wt)!);
            var common = PathUtil.Canonicalize(sb.CommonDir);
            var view = new CachingFileSystemView();
            Assert.Equal(common, view.CommonDirOf(gitDir));
            Assert.Equal(common, view.CommonDirOf(common));
            Assert.Null(view.CommonDirOf(PathUtil.Canonicalize(wt)));
            Assert.Equal(RealFileSystemView.Instance.CommonDirOf(gitDir), view.CommonDirOf(gitDir));
        }
    }
}
