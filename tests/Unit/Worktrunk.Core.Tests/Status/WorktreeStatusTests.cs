using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Operations;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Status
{
    /// <summary>
    /// Get-WtWorktree -Status in the core (WorktreeListing through RecordingOperationHost), on
    /// real repositories, with the system git (2.39: per-worktree ahead/behind and merge-tree) and
    /// with git 2.55 (one for-each-ref %(ahead-behind), one merge-tree --stdin). Every figure is
    /// compared with what git itself prints: `git status --porcelain`, `git rev-list --left-right
    /// --count main...HEAD`, and the removal's own IntegrationChecker.
    /// </summary>
    public sealed class WorktreeStatusTests
    {
        internal static (List<WtWorktree> List, RecordingOperationHost Host) List(GitSandbox sb, string? git = null, bool status = true, TimeSpan? timeout = null)
        {
            var host = new RecordingOperationHost(sb.RepoPath);
            var runner = new GitRunner(host.Sink, host.Cancellation, timeout) { GitExecutable = git ?? "git" };
            WorktreeListing.Run(new WorktreeListingRequest(sb.RepoPath) { Status = status }, runner, host);
            Assert.Empty(host.Errors);
            return (host.Outputs.Cast<WtWorktree>().ToList(), host);
        }

        /// <summary>The counts `git status --porcelain -z` (v1) shows: a side counts when its letter is set; unmerged pairs count apart.</summary>
        internal static (int Staged, int Modified, int Untracked, int Conflicted) PorcelainV1(string worktree)
        {
            var text = GitSandbox.TryGit(worktree, "status", "--porcelain", "-z").Stdout;
            var unmerged = new[] { "DD", "AU", "UD", "UA", "DU", "AA", "UU" };
            int s = 0, m = 0, u = 0, c = 0;
            var fields = text.Split('\0');
            for (var i = 0; i < fields.Length; i++)
            {
                var f = fields[i];
                if (f.Length < 3)
                {
                    continue;
                }

                var xy = f.Substring(0, 2);
                if (xy == "??")
                {
                    u++;
                }
                else if (unmerged.Contains(xy))
                {
                    c++;
                }
                else
                {
                    s += xy[0] != ' ' ? 1 : 0;
                    m += xy[1] != ' ' ? 1 : 0;
                    if (xy[0] == 'R' || xy[0] == 'C')
                    {
                        i++;
                    }
                }
            }

            return (s, m, u, c);
        }

        internal static (int Ahead, int Behind) RevListCount(string worktree)
        {
            var parts = GitSandbox.TryGit(worktree, "rev-list", "--left-right", "--count", "main...HEAD").Stdout.Trim().Split('\t');
            return (int.Parse(parts[1]), int.Parse(parts[0]));
        }

        private static WtWorktree Of(List<WtWorktree> list, string path) => list.Single(w => PathUtilEq(w.Path, path));

        private static bool PathUtilEq(string a, string b) => string.Equals(Worktrunk.IO.PathUtil.Canonicalize(a), Worktrunk.IO.PathUtil.Canonicalize(b), StringComparison.Ordinal);

        /// <summary>A worktree with every kind of change, one with conflicts of a merge, the main worktree.</summary>
        private static (string Dirty, string Merging) ChangesFixture(GitSandbox sb)
        {
            sb.CommitFile(sb.RepoPath, "b.txt", "b\n");
            sb.CommitFile(sb.RepoPath, "c.txt", "c\n");
            sb.CommitFile(sb.RepoPath, "d.txt", "d\n");
            sb.CommitFile(sb.RepoPath, "e.txt", "e\n");
            var dirty = sb.AddWorktree("dirty");
            sb.WriteFile(dirty, "a.txt", "new\n");
            sb.Git(dirty, "add", "a.txt");
            sb.WriteFile(dirty, "b.txt", "b staged\n");
            sb.Git(dirty, "add", "b.txt");
            sb.WriteFile(dirty, "b.txt", "b staged then modified\n");
            sb.Git(dirty, "mv", "c.txt", "c renamed.txt");
            File.Delete(Path.Combine(dirty, "d.txt"));
            sb.Git(dirty, "rm", "-q", "e.txt");
            sb.WriteFile(dirty, "untracked dir/one.txt", "1\n");
            sb.WriteFile(dirty, "untracked dir/two.txt", "2\n");
            sb.WriteFile(dirty, "f.txt", "f\n");

            var merging = sb.AddWorktree("merging");
            sb.CommitFile(merging, "README.md", "branch side\n");
            sb.CommitFile(sb.RepoPath, "README.md", "main side\n");
            Assert.NotEqual(0, GitSandbox.TryGit(merging, "merge", "-q", "main").Code);
            return (dirty, merging);
        }

        private static void Counts_equal_git_status_and_rev_list(string? git)
        {
            using var sb = GitSandbox.Create();
            var (dirty, merging) = ChangesFixture(sb);
            var (list, host) = List(sb, git);
            Assert.Equal(3, list.Count);
            foreach (var path in new[] { sb.RepoPath, dirty, merging })
            {
                var w = Of(list, path);
                var expected = PorcelainV1(path);
                Assert.True(w.HasStatus);
                Assert.Null(w.StatusError);
                Assert.Equal(expected, (w.Staged!.Value, w.Modified!.Value, w.Untracked!.Value, w.Conflicted!.Value));
                Assert.Equal(RevListCount(path), (w.Ahead!.Value, w.Behind!.Value));
            }

            // What the fixture holds, so the comparison above cannot pass on two empty sides.
            var d = Of(list, dirty);
            Assert.Equal((4, 2, 2, 0), (d.Staged!.Value, d.Modified!.Value, d.Untracked!.Value, d.Conflicted!.Value));
            Assert.Equal(WtWorktreeOperation.None, d.Operation);
            var m = Of(list, merging);
            Assert.Equal(1, m.Conflicted);
            Assert.Equal(WtWorktreeOperation.Merge, m.Operation);
            Assert.Equal((1, 1), (m.Ahead!.Value, m.Behind!.Value));
            Assert.Null(Of(list, sb.RepoPath).IsIntegrated);
            Assert.Empty(host.Warnings);
        }

        [Fact]
        public void Counts_equal_git_status_porcelain_and_rev_list_with_the_system_git() => Counts_equal_git_status_and_rev_list(null);

        [RealGitFact]
        public void Counts_equal_git_status_porcelain_and_rev_list_with_git_2_55() => Counts_equal_git_status_and_rev_list(RealGit.Executable);

        /// <summary>
        /// The prune fixture: merged and clean, squash-merged (merge adds nothing), squash-merged and
        /// changed again on main (patch id), merged but dirty, unmerged, detached, main.
        /// </summary>
        internal static Dictionary<string, string> PruneFixture(GitSandbox sb)
        {
            var paths = new Dictionary<string, string>();
            paths["merged"] = sb.AddWorktree("merged");
            sb.CommitFile(paths["merged"], "merged.txt", "merged\n");
            sb.Git(sb.RepoPath, "merge", "-q", "--no-ff", "-m", "merge merged", "merged");

            paths["squashed"] = sb.AddWorktree("squashed");
            sb.CommitFile(paths["squashed"], "squashed.txt", "squashed\n");
            sb.Git(sb.RepoPath, "merge", "-q", "--squash", "squashed");
            sb.Git(sb.RepoPath, "commit", "-q", "-m", "squash squashed");

            paths["patched"] = sb.AddWorktree("patched");
            sb.CommitFile(paths["patched"], "README.md", "patched line\n");
            sb.Git(sb.RepoPath, "merge", "-q", "--squash", "patched");
            sb.Git(sb.RepoPath, "commit", "-q", "-m", "squash patched");
            sb.CommitFile(sb.RepoPath, "README.md", "main rewrote the line again\n");

            paths["dirty"] = sb.AddWorktree("dirty");
            sb.CommitFile(paths["dirty"], "dirty.txt", "dirty\n");
            sb.Git(sb.RepoPath, "merge", "-q", "--no-ff", "-m", "merge dirty", "dirty");
            sb.WriteFile(paths["dirty"], "notes.txt", "not committed\n");

            paths["unmerged"] = sb.AddWorktree("unmerged");
            sb.CommitFile(paths["unmerged"], "unmerged.txt", "work in progress\n");

            paths["reverted"] = sb.AddWorktree("reverted");
            sb.CommitFile(paths["reverted"], "tried.txt", "tried\n");
            sb.Git(paths["reverted"], "revert", "--no-edit", "HEAD");

            paths["detached"] = Path.Combine(sb.Root, "wt-detached");
            sb.Git(sb.RepoPath, "worktree", "add", "-q", "--detach", paths["detached"], "main~1");
            sb.CommitFile(sb.RepoPath, "later.txt", "main moves on\n");

            // The same tree as main by another commit.
            paths["sametree"] = sb.AddWorktree("sametree", from: "main~1");
            sb.CommitFile(paths["sametree"], "later.txt", "main moves on\n", "same change, another commit");
            paths["main"] = sb.RepoPath;
            return paths;
        }

        private static void Integration_is_the_removals_verdict(string? git)
        {
            using var sb = GitSandbox.Create();
            var paths = PruneFixture(sb);
            var (list, host) = List(sb, git);
            var checker = new GitRunner(new RecordingSink());

            // Ahead/behind: for-each-ref %(ahead-behind) where git has it (the one detached head then
            // costs one rev-list: a walk for a single tip would cost two), else one graph walk for all.
            var hasAheadBehind = GitSandbox.TryGitWith(git ?? "git", sb.RepoPath, "for-each-ref", "--format=%(ahead-behind:HEAD)", "refs/heads/main").Code == 0;
            Assert.Equal(hasAheadBehind ? 1 : 0, host.VerboseLines.Count(l => l.Contains(" rev-list --left-right", StringComparison.Ordinal)));
            Assert.Equal(hasAheadBehind ? 0 : 1, host.VerboseLines.Count(l => l.Contains(" merge-base --octopus", StringComparison.Ordinal)));
            foreach (var name in new[] { "merged", "squashed", "patched", "dirty", "unmerged", "reverted", "sametree" })
            {
                var w = Of(list, paths[name]);
                var tip = sb.Git(sb.RepoPath, "rev-parse", "refs/heads/" + name).Trim();
                var verdict = IntegrationChecker.Check(checker, sb.RepoPath, tip, "main");
                Assert.Equal(verdict.Integrated, w.IsIntegrated);
                Assert.Equal(verdict.Level, w.IntegrationReason);
                Assert.Equal("main", w.IntegrationTarget);
                Assert.Equal(RevListCount(paths[name]), (w.Ahead!.Value, w.Behind!.Value));
            }

            Assert.Equal(WtIntegrationLevel.Ancestor, Of(list, paths["merged"]).IntegrationReason);
            Assert.Equal(WtIntegrationLevel.MergeAddsNothing, Of(list, paths["squashed"]).IntegrationReason);
            Assert.Equal(WtIntegrationLevel.PatchIdMatch, Of(list, paths["patched"]).IntegrationReason);
            Assert.Equal(WtIntegrationLevel.NoAddedChanges, Of(list, paths["reverted"]).IntegrationReason);
            Assert.Equal(WtIntegrationLevel.TreesMatch, Of(list, paths["sametree"]).IntegrationReason);
            Assert.True(Of(list, paths["dirty"]).IsIntegrated);
            Assert.Equal(1, Of(list, paths["dirty"]).Untracked);
            Assert.False(Of(list, paths["unmerged"]).IsIntegrated);
            Assert.Null(Of(list, paths["main"]).IsIntegrated);
            Assert.True(Of(list, paths["main"]).IsMain);

            var detached = Of(list, paths["detached"]);
            Assert.True(detached.IsDetached);
            Assert.Null(detached.IsIntegrated);
            Assert.Null(detached.IntegrationReason);
            Assert.Equal(RevListCount(paths["detached"]), (detached.Ahead!.Value, detached.Behind!.Value));
            Assert.Equal((0, 0, 0, 0), (detached.Staged!.Value, detached.Modified!.Value, detached.Untracked!.Value, detached.Conflicted!.Value));
        }

        [Fact]
        public void Integration_is_the_removals_verdict_with_the_system_git() => Integration_is_the_removals_verdict(null);

        [RealGitFact]
        public void Integration_is_the_removals_verdict_with_git_2_55() => Integration_is_the_removals_verdict(RealGit.Executable);

        [RealGitFact]
        public void Git_2_55_reads_ahead_behind_and_merges_in_one_process_each()
        {
            using var sb = GitSandbox.Create();
            for (var i = 0; i < 6; i++)
            {
                var wt = sb.AddWorktree("agent-" + i);
                if (i % 2 == 0)
                {
                    sb.CommitFile(wt, "work" + i + ".txt", "work\n");
                }
            }

            sb.CommitFile(sb.RepoPath, "main.txt", "main moves on\n");
            var (list, host) = List(sb, RealGit.Executable);
            var git = host.VerboseLines.Where(l => l.Contains(" -c core.fsmonitor=false ", StringComparison.Ordinal)).ToList();
            Assert.Equal(7, git.Count(l => l.Contains(" status --porcelain=v2 -z --untracked-files=normal", StringComparison.Ordinal)));
            Assert.Single(git, l => l.Contains(" for-each-ref ", StringComparison.Ordinal) && l.Contains("%(ahead-behind:", StringComparison.Ordinal));
            Assert.Single(git, l => l.Contains(" merge-tree --write-tree --stdin", StringComparison.Ordinal));
            Assert.DoesNotContain(git, l => l.Contains(" rev-list ", StringComparison.Ordinal) || l.Contains(" merge-base ", StringComparison.Ordinal));
            Assert.All(git, l => Assert.StartsWith("git --no-optional-locks ", l.Substring(l.IndexOf("git --", StringComparison.Ordinal))));
            Assert.Equal(3, list.Count(w => w.IsIntegrated == true));
            Assert.Equal(3, list.Count(w => w.IsIntegrated == false));
        }

        [Fact]
        public void Without_Status_nothing_more_runs_and_the_properties_stay_null()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("a");
            sb.WriteFile(sb.RepoPath, "untracked.txt", "x\n");
            var (plain, plainHost) = List(sb, status: false);
            Assert.All(plain, w =>
            {
                Assert.False(w.HasStatus);
                Assert.Null(w.Staged);
                Assert.Null(w.Modified);
                Assert.Null(w.Untracked);
                Assert.Null(w.Ahead);
                Assert.Null(w.Behind);
                Assert.Null(w.IsIntegrated);
                Assert.Null(w.IntegrationReason);
                Assert.Null(w.Operation);
                Assert.Null(w.StatusError);
                Assert.Null(w.StatusSummary);
            });
            var plainGit = plainHost.VerboseLines.Count(l => l.Contains("git --", StringComparison.Ordinal));
            Assert.Single(plainHost.VerboseLines, l => l.Contains(" worktree list --porcelain -z", StringComparison.Ordinal));
            Assert.Equal(1, plainGit);

            var (status, statusHost) = List(sb);
            Assert.True(statusHost.VerboseLines.Count(l => l.Contains("git --", StringComparison.Ordinal)) > plainGit);
            Assert.Equal(1, status.Single(w => w.IsMain).Untracked);
        }

        [Fact]
        public void A_linked_worktree_of_the_default_branch_is_never_IsIntegrated()
        {
            using var sb = GitSandbox.Create();
            sb.Git(sb.RepoPath, "checkout", "-q", "-b", "elsewhere");
            var mainWt = Path.Combine(sb.Root, "wt-main");
            sb.Git(sb.RepoPath, "worktree", "add", "-q", mainWt, "main");
            var (list, _) = List(sb);
            var w = Of(list, mainWt);
            Assert.Equal("main", w.Branch);
            Assert.False(w.IsMain);
            Assert.Null(w.IsIntegrated);
            Assert.Equal((0, 0), (w.Ahead!.Value, w.Behind!.Value));

            // The main worktree's branch "elsewhere" is the same commit: still never judged (the main worktree is never removed).
            Assert.Null(Of(list, sb.RepoPath).IsIntegrated);
        }

        [Fact]
        public void A_deleted_worktree_directory_says_so_in_its_object_and_a_warning_and_the_listing_continues()
        {
            using var sb = GitSandbox.Create();
            var gone = sb.AddWorktree("gone");
            var kept = sb.AddWorktree("kept");
            sb.WriteFile(kept, "x.txt", "x\n");
            TestFiles.DeleteTree(gone);
            var (list, host) = List(sb);
            Assert.Equal(3, list.Count);
            var g = Of(list, gone);
            Assert.False(g.Exists);
            Assert.Contains("does not exist", g.StatusError, StringComparison.Ordinal);
            Assert.Null(g.Staged);
            Assert.Null(g.Operation);
            Assert.Contains("unreadable", g.StatusSummary, StringComparison.Ordinal);

            // The branch is still there: its integration is still judged (a stale entry is prunable too).
            Assert.True(g.IsIntegrated);
            Assert.Equal(WtIntegrationLevel.SameCommit, g.IntegrationReason);
            var warning = Assert.Single(host.Warnings);
            Assert.Contains(gone, warning, StringComparison.Ordinal);
            Assert.Equal(1, Of(list, kept).Untracked);
            Assert.Null(Of(list, kept).StatusError);
        }

        [Fact]
        public void Rebase_cherry_pick_revert_and_bisect_in_progress_are_read_from_the_git_dir()
        {
            using var sb = GitSandbox.Create();
            var rebasing = sb.AddWorktree("rebasing");
            var picking = sb.AddWorktree("picking");
            var reverting = sb.AddWorktree("reverting");
            var bisecting = sb.AddWorktree("bisecting");
            sb.CommitFile(rebasing, "README.md", "rebasing side\n");
            sb.CommitFile(picking, "README.md", "picking side\n");
            sb.CommitFile(reverting, "README.md", "reverting 1\n");
            sb.CommitFile(reverting, "README.md", "reverting 2\n");
            sb.CommitFile(sb.RepoPath, "README.md", "main side\n");
            var mainTip = sb.Git(sb.RepoPath, "rev-parse", "HEAD").Trim();
            Assert.NotEqual(0, GitSandbox.TryGit(rebasing, "rebase", "main").Code);
            Assert.NotEqual(0, GitSandbox.TryGit(picking, "cherry-pick", mainTip).Code);
            Assert.NotEqual(0, GitSandbox.TryGit(reverting, "revert", "--no-edit", "HEAD~1").Code);
            sb.Git(bisecting, "bisect", "start");

            var (list, _) = List(sb);
            var r = Of(list, rebasing);
            Assert.Equal(WtWorktreeOperation.Rebase, r.Operation);
            Assert.Equal("rebasing", r.Branch);
            Assert.True(r.IsDetached);
            Assert.Null(r.IsIntegrated);
            Assert.Equal(PorcelainV1(rebasing), (r.Staged!.Value, r.Modified!.Value, r.Untracked!.Value, r.Conflicted!.Value));
            Assert.Equal(1, r.Conflicted);
            Assert.Equal(WtWorktreeOperation.CherryPick, Of(list, picking).Operation);
            Assert.Equal(1, Of(list, picking).Conflicted);
            Assert.Equal(WtWorktreeOperation.Revert, Of(list, reverting).Operation);
            Assert.Equal(WtWorktreeOperation.Bisect, Of(list, bisecting).Operation);
            Assert.Equal(WtWorktreeOperation.None, Of(list, sb.RepoPath).Operation);
            Assert.Contains("rebase", r.StatusSummary, StringComparison.Ordinal);
        }

        /// <summary>A git that hangs on `status` in any directory whose path holds "hang" (exec sleep: the runner stops its group).</summary>
        private static string HangingGit(GitSandbox sb)
        {
            var script = Path.Combine(sb.Root, "hanging-git");
            File.WriteAllText(script, "#!/bin/sh\nfor a in \"$@\"; do if [ \"$a\" = status ]; then case \"$(pwd -P)\" in *hang*) exec sleep 300;; esac; fi; done\nexec git \"$@\"\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return script;
        }

        [Fact]
        public void A_status_that_hangs_is_bounded_by_the_runner_timeout_and_the_others_are_read()
        {
            using var sb = GitSandbox.Create();
            var hang = sb.AddWorktree("hang");
            var fine = sb.AddWorktree("fine");
            sb.WriteFile(fine, "x.txt", "x\n");
            var (list, host) = List(sb, HangingGit(sb), timeout: TimeSpan.FromSeconds(2));
            var h = Of(list, hang);
            Assert.Contains("did not finish within", h.StatusError, StringComparison.Ordinal);
            Assert.Null(h.Staged);
            Assert.Equal(1, Of(list, fine).Untracked);
            Assert.Contains(host.Warnings, w => w.Contains(hang, StringComparison.Ordinal));
        }

        [Fact]
        public void Ctrl_C_stops_the_status_read()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("hang-1");
            sb.AddWorktree("hang-2");
            var host = new RecordingOperationHost(sb.RepoPath);
            var runner = new GitRunner(host.Sink, host.Cancellation) { GitExecutable = HangingGit(sb) };
            var run = Task.Run(() => WorktreeListing.Run(new WorktreeListingRequest(sb.RepoPath) { Status = true }, runner, host));
            bool Hanging()
            {
                lock (host.VerboseLines)
                {
                    return host.VerboseLines.Count(l => l.Contains(" status --porcelain=v2", StringComparison.Ordinal) && l.Contains("hang-", StringComparison.Ordinal)) == 2;
                }
            }

            Assert.True(TestProcesses.WaitUntil(Hanging, TimeSpan.FromMinutes(1)));
            host.Cancel();
            var e = Assert.Throws<AggregateException>(() => run.Wait(TimeSpan.FromMinutes(1)));
            var stopped = Assert.IsType<WorktrunkException>(e.InnerException);
            Assert.Equal(ErrorIds.CommandStopped, stopped.ErrorId);
            Assert.Empty(host.Outputs);
        }
    }
}
