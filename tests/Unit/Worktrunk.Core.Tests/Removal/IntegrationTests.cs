using System.IO;
using Worktrunk.Git;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Removal
{
    /// <summary>Each integration level, on real repositories, and the upstream rule.</summary>
    public sealed class IntegrationTests
    {
        private static readonly GitRunner Git = new GitRunner(new RecordingSink());

        private static string Sha(GitSandbox sb, string rev) => sb.Git(sb.RepoPath, "rev-parse", rev).Trim();

        private static IntegrationVerdict Check(GitSandbox sb, string branch) =>
            IntegrationChecker.Check(Git, sb.RepoPath, Sha(sb, branch), "main");

        [Fact]
        public void Same_commit()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "branch", "b");
            var v = Check(sb, "b");
            Assert.Equal(WtIntegrationLevel.SameCommit, v.Level);
            Assert.Equal("same commit as main", v.Phrase);
        }

        [Fact]
        public void Ancestor()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "branch", "b");
            sb.CommitFile(sb.RepoPath, "m.txt", "main moves on\n");
            Assert.Equal(WtIntegrationLevel.Ancestor, Check(sb, "b").Level);
        }

        [Fact]
        public void No_added_changes_when_the_branch_reverted_its_own_work()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("b");
            sb.CommitFile(wt, "tmp.txt", "scratch\n", "add");
            sb.Git(wt, "rm", "-q", "tmp.txt");
            sb.Git(wt, "commit", "-q", "-m", "remove");
            sb.CommitFile(sb.RepoPath, "m.txt", "main moves on\n");
            Assert.Equal(WtIntegrationLevel.NoAddedChanges, Check(sb, "b").Level);
        }

        [Fact]
        public void Trees_match_when_both_sides_made_the_same_change_separately()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("b");
            sb.CommitFile(wt, "f.txt", "same\n", "on the branch");
            sb.CommitFile(sb.RepoPath, "f.txt", "same\n", "on main");
            Assert.Equal(WtIntegrationLevel.TreesMatch, Check(sb, "b").Level);
        }

        [Fact]
        public void Merge_adds_nothing_after_a_squash_merge_and_more_work_on_main()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("b");
            sb.CommitFile(wt, "a.txt", "one\n", "a1");
            sb.CommitFile(wt, "a.txt", "one\ntwo\n", "a2");
            sb.CommitFile(sb.RepoPath, "a.txt", "one\ntwo\n", "squash of b");
            sb.CommitFile(sb.RepoPath, "other.txt", "later\n", "unrelated");
            Assert.Equal(WtIntegrationLevel.MergeAddsNothing, Check(sb, "b").Level);
        }

        [Fact]
        public void Patch_id_matches_a_squash_merge_whose_lines_main_changed_again()
        {
            using var sb = GitSandbox.Create();
            sb.CommitFile(sb.RepoPath, "v.txt", "v1\n", "base");
            var wt = sb.AddWorktree("b");
            sb.CommitFile(wt, "v.txt", "v2\n", "b: v2");
            sb.CommitFile(sb.RepoPath, "v.txt", "v2\n", "squash of b");
            sb.CommitFile(sb.RepoPath, "v.txt", "v3\n", "main: v3");
            Assert.Equal(WtIntegrationLevel.PatchIdMatch, Check(sb, "b").Level);
        }

        [Fact]
        public void Patch_ids_are_exactly_what_the_shell_pipeline_prints()
        {
            // The pipelines once ran through sh; the pipe-joined stages must print the same ids,
            // over several commits, a merge, a rename and a non-ASCII file name.
            using var sb = GitSandbox.Create();
            var baseSha = Sha(sb, "HEAD");
            var wt = sb.AddWorktree("b");
            sb.CommitFile(wt, "b.txt", "b\n", "b work");
            sb.CommitFile(sb.RepoPath, "\u00e9t\u00e9.txt", "summer\n", "non-ascii");
            sb.CommitFile(sb.RepoPath, "x.txt", "x\n", "x");
            sb.Git(sb.RepoPath, "mv", "x.txt", "y.txt");
            sb.Git(sb.RepoPath, "commit", "-q", "-m", "rename");
            sb.Git(sb.RepoPath, "merge", "-q", "--no-ff", "-m", "merge b", "b");
            sb.CommitFile(sb.RepoPath, "y.txt", "x\ny\n", "more");
            var target = Sha(sb, "main");

            var viaShell = Shell(sb.RepoPath, "git rev-list \"$1\" | git diff-tree --stdin -p | git patch-id --verbatim", baseSha + ".." + target);
            var viaPipes = IntegrationChecker.PatchIds(Git, sb.RepoPath, new[] { "rev-list", "--end-of-options", baseSha + ".." + target }, new[] { "diff-tree", "--stdin", "-p" });
            Assert.Equal(5, viaShell.Split('\n', System.StringSplitOptions.RemoveEmptyEntries).Length); // five commits with a diff; the merge has none
            Assert.Equal(viaShell, viaPipes);

            var wholeShell = Shell(sb.RepoPath, "git diff-tree -p \"$1\" \"$2\" | git patch-id --verbatim", baseSha, target);
            var wholePipes = IntegrationChecker.PatchIds(Git, sb.RepoPath, new[] { "diff-tree", "-p", "--end-of-options", baseSha, target });
            Assert.False(string.IsNullOrWhiteSpace(wholeShell));
            Assert.Equal(wholeShell, wholePipes);

            Assert.Null(IntegrationChecker.PatchIds(Git, sb.RepoPath, new[] { "rev-list", "--end-of-options", "no-such-ref" }, new[] { "diff-tree", "--stdin", "-p" }));
        }

        private static string Shell(string dir, string script, params string[] args)
        {
            Hermetic.Apply();
            var psi = new System.Diagnostics.ProcessStartInfo("sh") { WorkingDirectory = dir, RedirectStandardOutput = true, UseShellExecute = false };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(script);
            psi.ArgumentList.Add("sh");
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            foreach (var kv in Hermetic.Variables)
            {
                psi.Environment[kv.Key] = kv.Value;
            }

            using var p = System.Diagnostics.Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            return output;
        }

        [Fact]
        public void Unmerged_and_orphan_branches_are_not_integrated()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("b");
            sb.CommitFile(wt, "new.txt", "work\n", "work");
            sb.CommitFile(sb.RepoPath, "m.txt", "main\n", "main");
            var v = Check(sb, "b");
            Assert.Null(v.Level);
            Assert.Equal("main", v.Target);

            sb.Git(wt, "checkout", "-q", "--orphan", "orphan");
            sb.CommitFile(wt, "o.txt", "orphan\n", "orphan root");
            Assert.Null(Check(sb, "orphan").Level);
        }

        [Fact]
        public void A_local_default_branch_behind_its_upstream_is_judged_by_the_upstream()
        {
            using var sb = GitSandbox.Create();
            var origin = Path.Combine(sb.Root, "origin.git");
            sb.Git(sb.Root, "clone", "-q", "--bare", sb.RepoPath, origin);
            sb.Git(sb.RepoPath, "remote", "add", "origin", origin);
            sb.Git(sb.RepoPath, "fetch", "-q", "origin");
            sb.Git(sb.RepoPath, "branch", "-q", "--set-upstream-to=origin/main", "main");
            var wt = sb.AddWorktree("b");
            sb.CommitFile(wt, "feature.txt", "feature\n", "feature");

            // The branch is squash-merged on the remote; local main has not pulled it.
            var pusher = Path.Combine(sb.Root, "pusher");
            sb.Git(sb.Root, "clone", "-q", origin, pusher);
            sb.CommitFile(pusher, "feature.txt", "feature\n", "squash of b");
            sb.CommitFile(pusher, "later.txt", "later\n", "later");
            sb.Git(pusher, "push", "-q", "origin", "main");
            sb.Git(sb.RepoPath, "fetch", "-q", "origin");

            var v = Check(sb, "b");
            Assert.Equal("origin/main", v.Target);
            Assert.Equal(WtIntegrationLevel.MergeAddsNothing, v.Level);
        }

        [Fact]
        public void Diverged_upstream_counts_a_local_merge_not_yet_pushed()
        {
            using var sb = GitSandbox.Create();
            var origin = Path.Combine(sb.Root, "origin.git");
            sb.Git(sb.Root, "clone", "-q", "--bare", sb.RepoPath, origin);
            sb.Git(sb.RepoPath, "remote", "add", "origin", origin);
            sb.Git(sb.RepoPath, "fetch", "-q", "origin");
            sb.Git(sb.RepoPath, "branch", "-q", "--set-upstream-to=origin/main", "main");
            var wt = sb.AddWorktree("b");
            sb.CommitFile(wt, "feature.txt", "feature\n", "feature");
            sb.Git(sb.RepoPath, "merge", "-q", "--no-ff", "-m", "merge b", "b");

            var pusher = Path.Combine(sb.Root, "pusher");
            sb.Git(sb.Root, "clone", "-q", origin, pusher);
            sb.CommitFile(pusher, "remote.txt", "remote\n", "remote work");
            sb.Git(pusher, "push", "-q", "origin", "main");
            sb.Git(sb.RepoPath, "fetch", "-q", "origin");

            var v = Check(sb, "b");
            Assert.Equal(WtIntegrationLevel.Ancestor, v.Level);
            Assert.Equal("main", v.Target);
        }
    }
}
