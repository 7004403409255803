using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Worktrunk.Git;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Git
{
    /// <summary>
    /// The in-process listing against `git worktree list --porcelain -z` itself, record for record,
    /// on every shape it claims to read; and a decline (null, so git is asked) on every shape it does not.
    /// </summary>
    public sealed class WorktreeFilesTests
    {
        private static List<WorktreeRecord>? InProcess(GitSandbox sb)
        {
            var refs = RefSnapshot.Read(new GitRunner(new RecordingSink()), sb.RepoPath, "refs/heads/");
            return WorktreeFiles.TryRead(sb.CommonDir, name => refs[name] is RefEntry e && e.Symref == null ? e.Sha : null);
        }

        private static string Describe(IEnumerable<WorktreeRecord> records) => string.Join(
            "\n",
            records.Select(r => $"{r.Path}|{r.Head}|{r.BranchRef}|bare={r.IsBare}|detached={r.IsDetached}|locked={r.IsLocked}:{r.LockReason}|prunable={r.IsPrunable}:{r.PrunableReason}"));

        private static void AssertSameAsGit(GitSandbox sb, int expectedCount)
        {
            var git = WorktreeListParser.Parse(sb.Git(sb.RepoPath, "worktree", "list", "--porcelain", "-z"));
            var ours = InProcess(sb);
            Assert.True(ours != null, "declined a plain layout; git lists:\n" + Describe(git));
            Assert.Equal(Describe(git), Describe(ours!));
            Assert.Equal(expectedCount, ours!.Count);

            // The registrations it hands on are the ones WorktreeLister would read again.
            var refs = RefSnapshot.Read(new GitRunner(new RecordingSink()), sb.RepoPath, "refs/heads/");
            WorktreeFiles.TryRead(sb.CommonDir, ConfigLookup.ReadRepositoryConfig(sb.CommonDir), name => refs[name] is RefEntry e && e.Symref == null ? e.Sha : null, out var registrations);
            var reread = WorktreeLister.ReadRegistrations(sb.CommonDir);
            foreach (var r in ours.Skip(1))
            {
                var canonical = Worktrunk.IO.PathUtil.Canonicalize(r.Path);
                Assert.Equal(reread.Find(r.Path, canonical), registrations.Find(r.Path, canonical));
            }
        }

        [Fact]
        public void Every_plain_shape_reads_exactly_as_git_lists_it()
        {
            using var sb = GitSandbox.Create();

            // Created out of order: git sorts linked worktrees by path (bytes), main first.
            sb.AddWorktree("zeta");
            sb.AddWorktree("alpha");
            sb.AddWorktree("mu", "wt mu ünï");
            var detached = sb.AddWorktree("det");
            sb.Git(detached, "checkout", "-q", "--detach");
            var locked = sb.AddWorktree("locked");
            sb.Git(sb.RepoPath, "worktree", "lock", "--reason", "  agent running\tnow  ", locked);
            var lockedBare = sb.AddWorktree("lockedplain");
            sb.Git(sb.RepoPath, "worktree", "lock", lockedBare);
            var gone = sb.AddWorktree("gone");
            TestFiles.DeleteTree(gone);
            var lockedGone = sb.AddWorktree("lockedgone");
            sb.Git(sb.RepoPath, "worktree", "lock", lockedGone);
            TestFiles.DeleteTree(lockedGone);
            var hollow = sb.AddWorktree("hollow");
            File.Delete(Path.Combine(hollow, ".git"));
            AssertSameAsGit(sb, 10);

            // Packed branches, a detached main worktree, an upper-case path, a plain file and a
            // registration with an empty gitdir among the registrations (git skips both).
            sb.Git(sb.RepoPath, "pack-refs", "--all");
            sb.AddWorktree("Upper", "WT-UPPER");
            sb.Git(sb.RepoPath, "checkout", "-q", "--detach");
            File.WriteAllText(Path.Combine(sb.CommonDir, "worktrees", "stray-file"), "x");
            Directory.CreateDirectory(Path.Combine(sb.CommonDir, "worktrees", "empty-gitdir"));
            File.WriteAllText(Path.Combine(sb.CommonDir, "worktrees", "empty-gitdir", "gitdir"), string.Empty);
            AssertSameAsGit(sb, 11);
        }

        [Fact]
        public void A_worktree_registered_through_a_symlinked_directory_keeps_the_registered_text()
        {
            using var sb = GitSandbox.Create();
            var real = Path.Combine(sb.Root, "real");
            Directory.CreateDirectory(real);
            var link = Path.Combine(sb.Root, "link");
            Directory.CreateSymbolicLink(link, real);
            sb.Git(sb.RepoPath, "worktree", "add", "-q", "-b", "viaLink", Path.Combine(link, "wt"));
            AssertSameAsGit(sb, 2);
        }

        [Fact]
        public void Shapes_it_does_not_read_are_left_to_git()
        {
            // Bare repository.
            using (var bare = GitSandbox.Create("bare", bare: true))
            {
                Assert.Null(WorktreeFiles.TryRead(bare.CommonDir, _ => "0000000000000000000000000000000000000000"));
            }

            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("a");
            Assert.NotNull(InProcess(sb));

            // An unborn branch checked out in a worktree: git prints an all-zero HEAD, only git knows that shape.
            sb.Git(wt, "checkout", "-q", "--orphan", "fresh");
            Assert.Null(InProcess(sb));
            sb.Git(wt, "checkout", "-q", "a");
            Assert.NotNull(InProcess(sb));

            // A relative gitdir (newer git writes these with worktree.useRelativePaths).
            var gitdirFile = Path.Combine(sb.CommonDir, "worktrees", "wt-a", "gitdir");
            var original = File.ReadAllText(gitdirFile);
            File.WriteAllText(gitdirFile, "../../../wt-a/.git\n");
            Assert.Null(InProcess(sb));
            File.WriteAllText(gitdirFile, original);

            // core.bare missing, core.worktree set, an include, a symlinked registration.
            foreach (var change in new Action<GitSandbox>[]
            {
                s => s.Git(s.RepoPath, "config", "--unset", "core.bare"),
                s => s.Git(s.RepoPath, "config", "core.worktree", s.RepoPath),
                s => s.Git(s.RepoPath, "config", "include.path", "/dev/null"),
                s =>
                {
                    var reg = Path.Combine(s.CommonDir, "worktrees", "wt-a");
                    Directory.Move(reg, reg + "-real");
                    Directory.CreateSymbolicLink(reg, reg + "-real");
                },
            })
            {
                using var other = GitSandbox.Create();
                other.AddWorktree("a");
                change(other);
                Assert.Null(InProcess(other));
            }
        }

        [Fact]
        public void The_removal_context_lists_what_git_lists_without_a_git_process()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("b");
            sb.AddWorktree("a");
            var sink = new RecordingSink();
            var git = new GitRunner(sink);
            var context = RemovalContext.Load(RepositoryLocator.Locate(sb.RepoPath, git), git, sb.RepoPath);
            var gits = sink.Verbose.Where(v => v.StartsWith("git ", StringComparison.Ordinal)).ToList();
            var listed = WorktreeLister.List(RepositoryLocator.Locate(sb.RepoPath, git), git, sb.RepoPath);
            Assert.Equal(
                listed.Select(w => $"{w.Path}|{w.Branch}|{w.Head}|{w.IsMain}|{w.IsCurrent}|{w.GitDir}"),
                context.Worktrees.Select(w => $"{w.Path}|{w.Branch}|{w.Head}|{w.IsMain}|{w.IsCurrent}|{w.GitDir}"));
            Assert.Equal("main", context.DefaultBranch);
            Assert.Empty(gits);

            // A default branch with an upstream: git maps it (one for-each-ref of that ref).
            sb.Git(sb.RepoPath, "update-ref", "refs/remotes/origin/main", "main");
            sb.Git(sb.RepoPath, "config", "remote.origin.url", "https://example.invalid/r.git");
            sb.Git(sb.RepoPath, "config", "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*");
            sb.Git(sb.RepoPath, "config", "branch.main.remote", "origin");
            sb.Git(sb.RepoPath, "config", "branch.main.merge", "refs/heads/main");
            var before = sink.Verbose.Count;
            var withUpstream = RemovalContext.Load(RepositoryLocator.Locate(sb.RepoPath, git), git, sb.RepoPath);
            Assert.Equal("refs/remotes/origin/main", withUpstream.Refs!.Branch("main")!.Upstream);
            var calls = sink.Verbose.Skip(before).Where(v => v.StartsWith("git ", StringComparison.Ordinal)).ToList();
            Assert.Contains("for-each-ref", Assert.Single(calls));
            Assert.EndsWith("refs/heads/main   (in " + sb.RepoPath + ")", calls[0]);
        }
    }
}
