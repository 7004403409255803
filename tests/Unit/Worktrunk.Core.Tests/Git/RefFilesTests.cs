using System;
using System.IO;
using System.Linq;
using Worktrunk.Git;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Git
{
    /// <summary>
    /// The in-process ref reader against `git for-each-ref` itself: every ref it answers, it answers
    /// as git does (tip, symbolic target, absence); every shape it does not read, it declines.
    /// </summary>
    public sealed class RefFilesTests
    {
        private static readonly GitRunner Git = new GitRunner(new RecordingSink());

        private static readonly string[] Names =
        {
            "refs/heads/main", "refs/heads/loose", "refs/heads/packed", "refs/heads/both", "refs/heads/feature/x",
            "refs/heads/feature", "refs/heads/feature/x/y", "refs/heads/absent", "refs/heads/deleted", "refs/heads/Main",
            "refs/remotes/origin/HEAD", "refs/remotes/origin/main", "refs/remotes/origin/gone", "refs/tags/v1", "refs/heads/ünï-é",
        };

        private static void AssertSameAsGit(GitSandbox sb)
        {
            var files = RefFiles.Open(sb.CommonDir);
            Assert.NotNull(files);
            var git = RefSnapshot.Read(Git, sb.RepoPath, "refs/");
            foreach (var name in Names)
            {
                Assert.True(files!.TryRead(name, out var sha, out var symref), "declined " + name);
                var expected = git[name];
                Assert.True(expected?.Sha == sha, $"{name}: git {expected?.Sha ?? "(absent)"}, files {sha ?? "(absent)"}");
                Assert.True(expected?.Symref == symref, $"{name}: git symref {expected?.Symref}, files {symref}");
            }
        }

        [Fact]
        public void Loose_packed_shadowed_nested_symbolic_dangling_and_absent_refs_read_as_git_reads_them()
        {
            using var sb = GitSandbox.Create();
            var first = sb.Git(sb.RepoPath, "rev-parse", "HEAD").Trim();
            sb.CommitFile(sb.RepoPath, "b.txt", "b\n");
            var second = sb.Git(sb.RepoPath, "rev-parse", "HEAD").Trim();
            foreach (var b in new[] { "packed", "both", "feature/x", "deleted", "ünï-é" })
            {
                sb.Git(sb.RepoPath, "branch", b, first);
            }

            sb.Git(sb.RepoPath, "tag", "-a", "-m", "annotated", "v1");
            sb.Git(sb.RepoPath, "update-ref", "refs/remotes/origin/main", first);
            sb.Git(sb.RepoPath, "pack-refs", "--all");

            // Loose after packing: a new branch, one that shadows its packed line, a deleted packed one,
            // origin/HEAD pointing at a packed ref, and a dangling symbolic ref.
            sb.Git(sb.RepoPath, "branch", "loose", second);
            sb.Git(sb.RepoPath, "update-ref", "refs/heads/both", second);
            sb.Git(sb.RepoPath, "branch", "-D", "deleted");
            sb.Git(sb.RepoPath, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main");
            AssertSameAsGit(sb);

            sb.Git(sb.RepoPath, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/gone");
            AssertSameAsGit(sb);

            // Packed again, then a loose origin/main: the loose tip wins.
            sb.Git(sb.RepoPath, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main");
            sb.Git(sb.RepoPath, "pack-refs", "--all");
            sb.Git(sb.RepoPath, "update-ref", "refs/remotes/origin/main", second);
            AssertSameAsGit(sb);
        }

        [Fact]
        public void A_pack_refs_between_two_reads_is_seen()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "branch", "a");
            var files = RefFiles.Open(sb.CommonDir)!;
            Assert.True(files.TryRead("refs/heads/absent", out var none, out _));
            Assert.Null(none);

            // packed-refs is re-read when it changes: the loose file of b is gone after packing.
            sb.Git(sb.RepoPath, "branch", "b");
            sb.Git(sb.RepoPath, "pack-refs", "--all");
            Assert.False(File.Exists(Path.Combine(sb.CommonDir, "refs", "heads", "b")));
            Assert.True(files.TryRead("refs/heads/b", out var b, out _));
            Assert.Equal(sb.Git(sb.RepoPath, "rev-parse", "b").Trim(), b);
        }

        [Fact]
        public void Shapes_it_does_not_read_are_left_to_git()
        {
            using var sb = GitSandbox.Create();
            var files = RefFiles.Open(sb.CommonDir)!;

            // A symbolic ref to a symbolic ref, garbage in a loose file, names it will not look up as paths.
            sb.Git(sb.RepoPath, "symbolic-ref", "refs/heads/alias", "refs/heads/alias2");
            sb.Git(sb.RepoPath, "symbolic-ref", "refs/heads/alias2", "refs/heads/main");
            Assert.False(files.TryRead("refs/heads/alias", out _, out _));
            File.WriteAllText(Path.Combine(sb.CommonDir, "refs", "heads", "garbage"), "not an object id\n");
            Assert.False(files.TryRead("refs/heads/garbage", out _, out _));
            foreach (var bad in new[] { "refs/heads/../config", "HEAD", "refs/heads/x.lock", "refs//x", "refs/heads/a\\b" })
            {
                Assert.False(files.TryRead(bad, out _, out _), bad);
            }

            // An unknown packed-refs line.
            File.WriteAllText(Path.Combine(sb.CommonDir, "packed-refs"), "# pack-refs with: peeled fully-peeled sorted \nnonsense\n");
            Assert.False(files.TryRead("refs/heads/nothing-loose", out _, out _));

            // The reftable backend, or a ref storage extension in the config.
            using var other = GitSandbox.Create();
            Directory.CreateDirectory(Path.Combine(other.CommonDir, "reftable"));
            Assert.Null(RefFiles.Open(other.CommonDir));
            using var third = GitSandbox.Create();
            third.Git(third.RepoPath, "config", "extensions.refStorage", "files");
            Assert.Null(RefFiles.Open(third.CommonDir));

            // A case-insensitive filesystem, where a loose file answers for names that differ in case.
            using var fourth = GitSandbox.Create();
            Assert.NotNull(RefFiles.Open(fourth.CommonDir));
            fourth.Git(fourth.RepoPath, "config", "core.ignorecase", "true");
            Assert.Null(RefFiles.Open(fourth.CommonDir));
        }
    }
}
