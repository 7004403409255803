using System;
using System.IO;
using System.Linq;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Removal
{
    /// <summary>The index reader against git's own `git ls-files --stage` on the shapes it claims, and its refusals on the others.</summary>
    public sealed class IndexGitlinksTests
    {
        private static string[] GitGitlinks(GitSandbox sb, string dir) =>
            sb.Git(dir, "ls-files", "--stage", "-z").Split('\0')
                .Where(r => r.StartsWith("160000 ", StringComparison.Ordinal))
                .Select(r => r.Substring(r.IndexOf('\t') + 1))
                .OrderBy(n => n, StringComparer.Ordinal)
                .ToArray();

        private static string[]? Ours(string gitDir) => IndexGitlinks.Read(Path.Combine(gitDir, "index"))?.OrderBy(n => n, StringComparer.Ordinal).ToArray();

        /// <summary>A worktree with files and gitlinks under shared prefixes (one of them an embedded repository added with `git add`).</summary>
        private static (string Worktree, string GitDir) WithGitlinks(GitSandbox sb)
        {
            var wt = sb.AddWorktree("links");
            sb.WriteFile(wt, "dir/a.txt", "a\n");
            sb.WriteFile(wt, "dir/b.txt", "b\n");
            var nested = Path.Combine(wt, "dir", "embedded");
            Directory.CreateDirectory(nested);
            sb.Git(nested, "init", "-q", "-b", "main");
            sb.CommitFile(nested, "x.txt", "x\n", "nested");
            sb.Git(wt, "add", "dir");
            var head = sb.Git(nested, "rev-parse", "HEAD").Trim();
            sb.Git(wt, "update-index", "--add", "--cacheinfo", "160000," + head + ",dir/unpopulated");
            sb.Git(wt, "update-index", "--add", "--cacheinfo", "160000," + head + ",a-much-longer-name/with/levels/sub");
            return (wt, Path.Combine(sb.CommonDir, "worktrees", "wt-links"));
        }

        [Fact]
        public void Reads_the_same_gitlinks_as_git_in_index_versions_2_3_and_4()
        {
            using var sb = GitSandbox.Create();
            var (wt, gitDir) = WithGitlinks(sb);
            var expected = GitGitlinks(sb, wt);
            Assert.Equal(new[] { "a-much-longer-name/with/levels/sub", "dir/embedded", "dir/unpopulated" }, expected);
            Assert.Equal(2, File.ReadAllBytes(Path.Combine(gitDir, "index"))[7]);
            Assert.Equal(expected, Ours(gitDir));

            // An intent-to-add entry carries extended flags: version 3.
            sb.WriteFile(wt, "intent.txt", "later\n");
            sb.Git(wt, "add", "-N", "intent.txt");
            Assert.Equal(3, File.ReadAllBytes(Path.Combine(gitDir, "index"))[7]);
            Assert.Equal(expected, Ours(gitDir));

            sb.Git(wt, "update-index", "--index-version", "4");
            Assert.Equal(4, File.ReadAllBytes(Path.Combine(gitDir, "index"))[7]);
            Assert.Equal(expected, GitGitlinks(sb, wt));
            Assert.Equal(expected, Ours(gitDir));

            // The main worktree's plain index: none.
            Assert.Empty(Ours(sb.CommonDir)!);
        }

        [Fact]
        public void Reads_a_sha256_repository_index_too()
        {
            using var sb = GitSandbox.Create();
            var repo = Path.Combine(sb.Root, "sha256");
            Directory.CreateDirectory(repo);
            sb.Git(repo, "init", "-q", "-b", "main", "--object-format=sha256");
            sb.CommitFile(repo, "f.txt", "f\n", "one");
            var head = sb.Git(repo, "rev-parse", "HEAD").Trim();
            sb.Git(repo, "update-index", "--add", "--cacheinfo", "160000," + head + ",sub");
            Assert.Equal(GitGitlinks(sb, repo), Ours(Path.Combine(repo, ".git")));
        }

        [Fact]
        public void Declines_a_split_index_and_anything_that_is_not_an_index()
        {
            using var sb = GitSandbox.Create();
            var (wt, gitDir) = WithGitlinks(sb);
            sb.Git(wt, "update-index", "--split-index");
            Assert.Null(Ours(gitDir));

            // Whatever git can read, the submodule gate still gets right (it asks git).
            Assert.Equal(new[] { "dir/embedded" }, SubmoduleGate.Find(new Worktrunk.Git.GitRunner(Worktrunk.Diagnostics.NullSink.Instance), wt, gitDir));

            File.WriteAllText(Path.Combine(sb.Root, "index"), "not an index at all");
            Assert.Null(IndexGitlinks.Read(Path.Combine(sb.Root, "index")));
            Assert.Empty(IndexGitlinks.Read(Path.Combine(sb.Root, "no-such-index"))!);
        }
    }
}
