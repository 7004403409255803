using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Worktrunk.Git;
using Worktrunk.Removal;
using Worktrunk.Status;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Status
{
    /// <summary>
    /// The batched "not integrated" proof (<see cref="NotIntegratedProof"/>) never says "not
    /// integrated" where the removal's <see cref="IntegrationChecker"/> finds a level, on every
    /// shape of change (add, modify, delete, mode only, symlink, gitlink, file to directory, a
    /// change main made too, a directory main renamed, a squash merge main reverted, criss-cross
    /// merge bases), with the system git and with git 2.55; and it does prove the plain shapes.
    /// </summary>
    public sealed class NotIntegratedProofTests
    {
        /// <summary>Branch name → whether the proof must find it (null: either, but never against the checker).</summary>
        private static readonly Dictionary<string, bool?> s_expected = new Dictionary<string, bool?>
        {
            ["add"] = true,
            ["modify"] = true,
            ["delete"] = false,
            ["sameasmain"] = false,
            ["mode"] = false,
            ["symlink"] = true,
            ["gitlink"] = true,
            ["filedir"] = true,
            ["dirrenamed"] = false,
            ["squashreverted"] = false,
            ["squashed"] = false,
            ["crisscross"] = false,
        };

        private static Dictionary<string, string> Shapes(GitSandbox sb)
        {
            var repo = sb.RepoPath;

            // Directory renames applied without a conflict: the renamed-directory shape then merges cleanly into main's tree.
            sb.Git(repo, "config", "merge.directoryRenames", "true");
            sb.WriteFile(repo, "a.txt", "a\n");
            sb.WriteFile(repo, "b.txt", "b\n");
            sb.WriteFile(repo, "s.txt", "s\n");
            sb.WriteFile(repo, "r.txt", "r\n");
            sb.WriteFile(repo, "z.txt", "z\n");
            sb.WriteFile(repo, "x.sh", "echo x\n");
            sb.WriteFile(repo, "p", "p is a file\n");
            sb.WriteFile(repo, "old/g1.txt", "g1\n");
            sb.WriteFile(repo, "old/g2.txt", "g2\n");
            File.CreateSymbolicLink(Path.Combine(repo, "link"), "a.txt");
            sb.Git(repo, "add", "-A");
            sb.Git(repo, "commit", "-q", "-m", "base");
            var wt = new Dictionary<string, string>();
            foreach (var name in s_expected.Keys)
            {
                wt[name] = sb.AddWorktree(name);
            }

            sb.CommitFile(wt["add"], "new.txt", "new\n");
            sb.CommitFile(wt["modify"], "a.txt", "a changed\n");
            sb.Git(wt["delete"], "rm", "-q", "b.txt");
            sb.Git(wt["delete"], "commit", "-q", "-m", "delete");
            sb.CommitFile(wt["sameasmain"], "s.txt", "s changed alike\n");
            sb.Git(wt["mode"], "update-index", "--chmod=+x", "x.sh");
            sb.Git(wt["mode"], "commit", "-q", "-m", "mode");
            File.Delete(Path.Combine(wt["symlink"], "link"));
            File.CreateSymbolicLink(Path.Combine(wt["symlink"], "link"), "b.txt");
            sb.Git(wt["symlink"], "commit", "-q", "-am", "symlink");
            var baseSha = sb.Git(repo, "rev-parse", "HEAD").Trim();
            sb.Git(wt["gitlink"], "update-index", "--add", "--cacheinfo", "160000," + baseSha + ",sub");
            sb.Git(wt["gitlink"], "commit", "-q", "-m", "gitlink");
            sb.Git(wt["filedir"], "rm", "-q", "p");
            sb.CommitFile(wt["filedir"], "p/q.txt", "p is a directory\n");
            sb.CommitFile(wt["dirrenamed"], "old/new.txt", "new in old\n");
            sb.CommitFile(wt["squashreverted"], "r.txt", "r changed\n");
            sb.CommitFile(wt["squashreverted"], "z.txt", "z by the branch\n");
            sb.CommitFile(wt["squashed"], "sq.txt", "squashed\n");
            sb.CommitFile(wt["crisscross"], "c1.txt", "c1\n");

            // Main: the same change as sameasmain, a squash merge then reverted in part (the
            // merge then conflicts on z.txt, so the checker reaches patch-id), a squash merge, a
            // directory renamed with the branch's new file in it, a criss-cross merge.
            sb.CommitFile(repo, "s.txt", "s changed alike\n", "main changes s as sameasmain does");
            sb.Git(repo, "merge", "-q", "--squash", "squashreverted");
            sb.Git(repo, "commit", "-q", "-m", "squash squashreverted");
            sb.CommitFile(repo, "r.txt", "r\n", "revert r");
            sb.CommitFile(repo, "z.txt", "z by main\n");
            sb.Git(repo, "merge", "-q", "--squash", "squashed");
            sb.Git(repo, "commit", "-q", "-m", "squash squashed");
            sb.Git(repo, "mv", "old", "moved");
            sb.Git(repo, "commit", "-q", "-m", "rename old to moved");

            // The branch's new file reaches main's renamed directory in a merge's own resolution
            // (no commit of base..main carries it): only the proof's directory rule stays out.
            var baseTree = sb.Git(repo, "rev-parse", baseSha + "^{tree}").Trim();
            var side = sb.Git(repo, "commit-tree", baseTree, "-p", baseSha, "-m", "side").Trim();
            sb.Git(repo, "merge", "-q", "--no-ff", "--no-commit", side);
            sb.WriteFile(repo, "moved/new.txt", "new in old\n");
            sb.Git(repo, "add", "-A");
            sb.Git(repo, "commit", "-q", "-m", "merge side, with the new file");
            var c1 = sb.Git(repo, "rev-parse", "crisscross").Trim();
            var m1 = sb.Git(repo, "rev-parse", "HEAD").Trim();
            sb.Git(repo, "merge", "-q", "--no-ff", "-m", "main takes c1", c1);
            sb.Git(wt["crisscross"], "merge", "-q", "--no-ff", "-m", "crisscross takes m1", m1);
            sb.CommitFile(wt["crisscross"], "c2.txt", "c2\n");
            return wt;
        }

        private static void Proof_agrees_with_the_checker(string? gitExecutable)
        {
            using var sb = GitSandbox.Create();
            Shapes(sb);
            var git = gitExecutable ?? "git";
            var runner = new GitRunner(new RecordingSink()) { GitExecutable = git };
            var main = sb.Git(sb.RepoPath, "rev-parse", "main").Trim();
            var tips = s_expected.Keys.ToDictionary(n => n, n => sb.Git(sb.RepoPath, "rev-parse", "refs/heads/" + n).Trim());

            // The walk's merge bases are git's own where there is one, and absent where there are several.
            var walked = AheadBehindBatch.Count(runner, sb.RepoPath, main, tips.Values.ToList(), out var mergeBases);
            Assert.NotNull(walked);
            Assert.NotNull(mergeBases);
            var bases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, tip) in tips)
            {
                var all = GitSandbox.TryGitWith(git, sb.RepoPath, "merge-base", "--all", main, tip).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                if (all.Length == 1)
                {
                    Assert.Equal(all[0], mergeBases![tip]);
                    bases[tip] = all[0];
                }
                else
                {
                    Assert.Equal("crisscross", name);
                    Assert.False(mergeBases!.ContainsKey(tip));
                }
            }

            var proven = NotIntegratedProof.Prove(runner, sb.RepoPath, main, bases);
            foreach (var (name, tip) in tips)
            {
                var level = IntegrationChecker.Level(runner, sb.RepoPath, tip, main);
                if (proven.Contains(tip))
                {
                    Assert.True(level == null, name + " was proven not integrated but the checker says " + level);
                }

                if (s_expected[name] is bool must)
                {
                    Assert.True(must == proven.Contains(tip), name + (must ? " was not proven" : " was proven"));
                }
            }

            // The adversarial shapes are integrated by the checker's later levels: the proof had to stay out.
            Assert.Equal(WtIntegrationLevel.PatchIdMatch, IntegrationChecker.Level(runner, sb.RepoPath, tips["squashreverted"], main));
            Assert.Equal(WtIntegrationLevel.MergeAddsNothing, IntegrationChecker.Level(runner, sb.RepoPath, tips["dirrenamed"], main));
        }

        [Fact]
        public void Proof_agrees_with_the_checker_with_the_system_git() => Proof_agrees_with_the_checker(null);

        [RealGitFact]
        public void Proof_agrees_with_the_checker_with_git_2_55() => Proof_agrees_with_the_checker(RealGit.Executable);

        /// <summary>The listing on the system git (no merge-tree --stdin) runs no merge-tree for a proven branch and gives the checker's verdict for all.</summary>
        [Fact]
        public void Listing_with_the_system_git_gives_the_checkers_verdict_without_a_merge_for_proven_branches()
        {
            using var sb = GitSandbox.Create();
            var wt = Shapes(sb);
            if (GitSandbox.TryGit(sb.RepoPath, "for-each-ref", "--format=%(ahead-behind:HEAD)", "refs/heads/main").Code == 0)
            {
                return; // A system git with %(ahead-behind) takes the merge-tree --stdin path (covered by WorktreeStatusTests).
            }

            var (list, host) = WorktreeStatusTests.List(sb);
            var checker = new GitRunner(new RecordingSink());
            foreach (var (name, path) in wt)
            {
                var w = list.Single(x => x.Branch == name);
                var tip = sb.Git(sb.RepoPath, "rev-parse", "refs/heads/" + name).Trim();
                var verdict = IntegrationChecker.Check(checker, sb.RepoPath, tip, "main");
                Assert.True(verdict.Integrated == w.IsIntegrated, name);
                Assert.Equal(verdict.Level, w.IntegrationReason);
                if (s_expected[name] == true)
                {
                    Assert.DoesNotContain(host.VerboseLines, l => l.Contains(" merge-tree ", StringComparison.Ordinal) && l.Contains(tip, StringComparison.Ordinal));
                }
            }

            Assert.Single(host.VerboseLines, l => l.Contains(" diff-tree -r -z --raw --no-renames --stdin", StringComparison.Ordinal));
        }

        /// <summary>What the proof relies on: diff-tree --stdin prints the first oid of a line as its header, the pair's differences (second → first), and nothing for a pair without differences.</summary>
        private static void Diff_tree_stdin_prints_a_header_per_differing_pair_only(string? gitExecutable)
        {
            using var sb = GitSandbox.Create();
            var git = gitExecutable ?? "git";
            sb.CommitFile(sb.RepoPath, "f.txt", "one\n");
            var one = sb.Git(sb.RepoPath, "rev-parse", "HEAD").Trim();
            sb.CommitFile(sb.RepoPath, "f.txt", "two\n");
            var two = sb.Git(sb.RepoPath, "rev-parse", "HEAD").Trim();
            var runner = new GitRunner(new RecordingSink()) { GitExecutable = git };
            var input = $"{two} {one}\n{one} {one}\n{one} {two}\n";
            var r = runner.Run(sb.RepoPath, GitAccess.ReadOnly, new[] { "diff-tree", "-r", "-z", "--raw", "--no-renames", "--stdin" }, stdin: Encoding.UTF8.GetBytes(input));
            Assert.True(r.Succeeded);
            var parsed = NotIntegratedProof.ParseStdin(r.Stdout)!;
            Assert.NotNull(parsed);
            Assert.Equal(new[] { one, two }.OrderBy(x => x), parsed.Keys.OrderBy(x => x));
            var blobOne = sb.Git(sb.RepoPath, "rev-parse", one + ":f.txt").Trim();
            var blobTwo = sb.Git(sb.RepoPath, "rev-parse", two + ":f.txt").Trim();
            var e = Assert.Single(parsed[two]);
            Assert.Equal(("f.txt", blobOne, blobTwo), (e.Path, e.SrcOid, e.DstOid));
            e = Assert.Single(parsed[one]);
            Assert.Equal(("f.txt", blobTwo, blobOne), (e.Path, e.SrcOid, e.DstOid));
        }

        [Fact]
        public void Diff_tree_stdin_prints_a_header_per_differing_pair_only_with_the_system_git() => Diff_tree_stdin_prints_a_header_per_differing_pair_only(null);

        [RealGitFact]
        public void Diff_tree_stdin_prints_a_header_per_differing_pair_only_with_git_2_55() => Diff_tree_stdin_prints_a_header_per_differing_pair_only(RealGit.Executable);

        [Fact]
        public void Parsers_refuse_what_is_not_their_shape()
        {
            Assert.Null(NotIntegratedProof.ParseStdin("not an oid\0"));
            Assert.Null(NotIntegratedProof.ParseStdin(new string('a', 40) + "\0"));
            Assert.Null(NotIntegratedProof.ParseRaw(":100644 100644 x y M\0f\0", 0, 22));
            Assert.Empty(NotIntegratedProof.ParseStdin(string.Empty)!);
        }
    }
}
