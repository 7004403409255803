using System.IO;
using System.Linq;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Removal
{
    /// <summary>The default-branch rule, the ref snapshot parser, and the in-process topology read against git's own answer.</summary>
    public sealed class RefsAndHeadsTests
    {
        private static RefSnapshot Refs(params string[] lines) => RefSnapshot.Parse(string.Join("\n", lines) + "\n");

        private static string Ref(string name, string symref = "", string upstream = "") =>
            name + "\0" + "1111111111111111111111111111111111111111" + "\0" + symref + "\0" + upstream + "\0" + (upstream.Length > 0 ? upstream.Substring("refs/remotes/".Length) : string.Empty);

        [Fact]
        public void Default_branch_origin_HEAD_then_init_defaultBranch_then_main_or_master_then_the_main_worktree()
        {
            var all = Refs(Ref("refs/heads/main"), Ref("refs/heads/master"), Ref("refs/heads/trunk"), Ref("refs/remotes/origin/HEAD", "refs/remotes/origin/develop"));
            Assert.Equal("develop", DefaultBranchResolver.Resolve(all, "trunk", "feature"));

            var local = Refs(Ref("refs/heads/main"), Ref("refs/heads/master"), Ref("refs/heads/trunk"));
            Assert.Equal("trunk", DefaultBranchResolver.Resolve(local, "trunk", "feature"));
            Assert.Equal("main", DefaultBranchResolver.Resolve(local, "absent", "feature"));
            Assert.Equal("master", DefaultBranchResolver.Resolve(Refs(Ref("refs/heads/master")), null, "feature"));
            Assert.Equal("feature", DefaultBranchResolver.Resolve(Refs(Ref("refs/heads/feature")), null, "feature"));
            Assert.Null(DefaultBranchResolver.Resolve(RefSnapshot.Empty, null, null));
        }

        [Fact]
        public void The_snapshot_keeps_upstreams_and_symbolic_targets()
        {
            var s = Refs(Ref("refs/heads/main", upstream: "refs/remotes/origin/main"), Ref("refs/remotes/origin/HEAD", "refs/remotes/origin/main"));
            Assert.Equal("origin/main", s.Branch("main")!.UpstreamShort);
            Assert.Equal("refs/remotes/origin/main", s.Branch("main")!.Upstream);
            Assert.Equal("refs/remotes/origin/main", s["refs/remotes/origin/HEAD"]!.Symref);
            Assert.Null(s.Branch("main")!.Symref);
            Assert.False(s.HasBranch("nope"));
        }

        [Fact]
        public void A_gone_upstream_is_not_a_target_and_the_branch_is_judged_against_the_local_default()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "update-ref", "refs/remotes/origin/main", "main");
            sb.Git(sb.RepoPath, "config", "remote.origin.url", "https://example.invalid/repo.git");
            sb.Git(sb.RepoPath, "config", "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*");
            sb.Git(sb.RepoPath, "config", "branch.main.remote", "origin");
            sb.Git(sb.RepoPath, "config", "branch.main.merge", "refs/heads/main");
            var git = new Worktrunk.Git.GitRunner(new RecordingSink());
            var withUpstream = RefSnapshot.Read(git, sb.RepoPath, "refs/heads/");
            Assert.Equal("refs/remotes/origin/main", withUpstream.Branch("main")!.Upstream);
            Assert.Equal(new[] { "main" }, IntegrationChecker.Targets(git, sb.RepoPath, "main", withUpstream, out var basis).Select(t => t.Name));
            Assert.Equal(new[] { "refs/heads/main", "refs/remotes/origin/main" }, basis.Select(b => b.Ref));

            sb.Git(sb.RepoPath, "update-ref", "-d", "refs/remotes/origin/main");
            var gone = RefSnapshot.Read(git, sb.RepoPath, "refs/heads/");
            var targets = IntegrationChecker.Targets(git, sb.RepoPath, "main", gone, out basis);
            Assert.Equal(new[] { "main" }, targets.Select(t => t.Name));
            Assert.Equal(new[] { "refs/heads/main" }, basis.Select(b => b.Ref));
        }

        [Fact]
        public void The_topology_read_matches_git_worktree_list_and_counts_rebases_and_locked_absent_worktrees()
        {
            using var sb = GitSandbox.Create();
            var a = sb.AddWorktree("a");
            var detached = sb.AddWorktree("d");
            sb.Git(detached, "checkout", "-q", "--detach");
            var gone = sb.AddWorktree("gone");
            TestFiles.DeleteTree(gone);
            var locked = sb.AddWorktree("locked");
            sb.Git(sb.RepoPath, "worktree", "lock", locked);
            TestFiles.DeleteTree(locked);
            var rebasing = sb.AddWorktree("rebasing");
            sb.Git(rebasing, "checkout", "-q", "--detach");
            sb.WriteFile(Path.Combine(sb.CommonDir, "worktrees", "wt-rebasing", "rebase-merge"), "head-name", "refs/heads/rebasing\n");

            var heads = WorktreeHeads.Read(sb.CommonDir, sb.RepoPath)!;
            Assert.NotNull(heads);
            string? Holder(string branch) => heads.FirstOrDefault(h => h.Holds(branch))?.Path;
            Assert.Equal(sb.RepoPath, Holder("main"));
            Assert.Equal(a, Holder("a"));
            Assert.Null(Holder("d"));
            Assert.Null(Holder("gone"));
            Assert.Equal(locked, Holder("locked"));
            Assert.Equal(rebasing, Holder("rebasing"));
        }

        [Fact]
        public void A_HEAD_that_is_not_plain_files_sends_the_read_back_to_git()
        {
            using var sb = GitSandbox.Create();
            var a = sb.AddWorktree("a");
            File.WriteAllText(Path.Combine(sb.CommonDir, "worktrees", "wt-a", "HEAD"), "ref: refs/heads/.invalid\n");
            Assert.Null(WorktreeHeads.Read(sb.CommonDir, sb.RepoPath));
        }
    }
}
