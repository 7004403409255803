using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Worktrunk.Trash;
using Xunit;

namespace Worktrunk.Core.Tests.Removal
{
    /// <summary>The executor on real repositories: order, staging, scoped unregister, fallback, races.</summary>
    public sealed class ExecutorTests
    {
        private readonly RecordingSink _sink = new RecordingSink();

        private GitRunner Git => new GitRunner(_sink);

        [Fact]
        public void Stages_into_the_trash_unregisters_exactly_this_worktree_and_deletes_the_integrated_branch()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var absent = sb.AddWorktree("absent");

            // A sibling whose directory is merely absent right now (an unmounted volume): a repository-wide
            // `git worktree prune` would unregister it; a scoped removal must not.
            var parked = absent + ".parked";
            Directory.Move(absent, parked);

            var plan = RemovalFixture.Plan(sb, Git, SelectorKind.Branch, "feature");
            var steps = new List<RemovalStep>();
            var executor = new RemovalExecutor(Git, _sink, CancellationToken.None) { OnStep = steps.Add };
            var r = executor.Execute(plan, true);

            Assert.Equal(WtRemovalMethod.Staged, r.Method);
            Assert.False(Directory.Exists(wt));
            Assert.StartsWith(TrashPaths.TrashDir(sb.CommonDir) + Path.DirectorySeparatorChar + "wt-feature-", r.StagedPath);
            Assert.Equal(new[] { sb.RepoPath, absent }, RemovalFixture.Listed(sb));
            Assert.Equal(WtBranchOutcome.Deleted, r.BranchOutcome);
            Assert.Equal(WtIntegrationLevel.SameCommit, r.IntegrationLevel);
            Assert.False(RemovalFixture.BranchExists(sb, "feature"));
            Assert.Equal(WtDeletionMode.InProcess, r.Deletion);
            Assert.Empty(RemovalFixture.TrashEntries(sb));
            Assert.DoesNotContain(_sink.Verbose, v => v.Contains("worktree prune", StringComparison.Ordinal));

            // The daemon stop comes before the rename on every platform (on Windows the daemon's handle
            // blocks it); the registration is gone before the branch is touched.
            Assert.Equal(
                new[] { RemovalStep.BeforeLock, RemovalStep.BeforeStop, RemovalStep.AfterStop, RemovalStep.AfterRename, RemovalStep.AfterUnregister, RemovalStep.BeforeBranchDelete },
                steps.Where(s => s != RemovalStep.DuringDeletion));

            // Unregistered in-process: this registration went into the trash (and was deleted with the
            // worktree, -Wait); the parked sibling's registration is byte-for-byte where it was.
            Assert.False(Directory.Exists(Path.Combine(sb.CommonDir, "worktrees", "wt-feature")));
            Assert.True(File.Exists(Path.Combine(sb.CommonDir, "worktrees", "wt-absent", "gitdir")));
            Assert.DoesNotContain(_sink.Verbose, v => v.StartsWith("git ", StringComparison.Ordinal) && v.Contains(" worktree remove", StringComparison.Ordinal));
            RemovalFixture.AssertRepositoryConsistent(sb);
            Directory.Move(parked, absent);
            Assert.Equal(new[] { sb.RepoPath, absent }, RemovalFixture.Listed(sb));
            Assert.Equal("absent", sb.Git(absent, "rev-parse", "--abbrev-ref", "HEAD").Trim());
        }

        [Fact]
        public void The_common_path_runs_one_git_process_the_deleting_transaction()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("feature");
            var plan = RemovalFixture.Plan(sb, Git, SelectorKind.Branch, "feature", new RemovalOptions(true, BranchMode.SafeDelete, true));
            var before = _sink.Verbose.Count;
            var r = new RemovalExecutor(Git, _sink, CancellationToken.None).Execute(plan, false);
            Assert.Equal(WtBranchOutcome.Deleted, r.BranchOutcome);
            Assert.Equal(WtDeletionMode.Background, r.Deletion);

            // Planning read the refs; execution trusts none of it without verifying: the one git
            // process is the transaction that verifies main's tip and deletes the branch at its tip.
            var gits = _sink.Verbose.Skip(before).Where(v => v.StartsWith("git ", StringComparison.Ordinal)).ToList();
            Assert.Single(gits);
            Assert.Contains("update-ref --stdin -z", gits[0]);
            Assert.False(RemovalFixture.BranchExists(sb, "feature"));

            // Both trash entries (the worktree and its registration) went to the background deletion.
            var started = _sink.Verbose.Single(v => v.Contains(" rm -rf -- ", StringComparison.Ordinal));
            Assert.Contains(r.StagedPath!, started);
            Assert.Contains("wt-feature.registration-", started);
            WaitForEmptyTrash(sb);

            // As git does, the emptied <common>/worktrees goes too.
            Assert.False(Directory.Exists(Path.Combine(sb.CommonDir, "worktrees")));
            RemovalFixture.AssertRepositoryConsistent(sb);
        }

        [Fact]
        public void A_registration_that_cannot_be_moved_is_unregistered_by_git_alone()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var sibling = sb.AddWorktree("sibling");
            var plan = RemovalFixture.Plan(sb, Git, SelectorKind.Branch, "feature");
            var registration = Path.Combine(sb.CommonDir, "worktrees", "wt-feature");
            var executor = new RemovalExecutor(Git, _sink, CancellationToken.None)
            {
                // The worktree moves; its registration's move is refused (a Windows handle, say).
                Rename = (from, to) =>
                {
                    if (string.Equals(from, registration, StringComparison.Ordinal))
                    {
                        throw new IOException("The process cannot access the file because it is being used by another process.");
                    }

                    Directory.Move(from, to);
                },
            };
            var r = executor.Execute(plan, true);
            Assert.Equal(WtRemovalMethod.Staged, r.Method);
            Assert.Contains(_sink.Verbose, v => v.StartsWith("git ", StringComparison.Ordinal) && v.Contains("worktree remove " + wt, StringComparison.Ordinal));
            Assert.False(Directory.Exists(registration));
            Assert.Equal(new[] { sb.RepoPath, sibling }, RemovalFixture.Listed(sb));
            Assert.Equal(WtBranchOutcome.Deleted, r.BranchOutcome);
            Assert.Empty(RemovalFixture.TrashEntries(sb));
            RemovalFixture.AssertRepositoryConsistent(sb);
        }

        private static void WaitForEmptyTrash(GitSandbox sb)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (RemovalFixture.TrashEntries(sb).Length > 0)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the background deletion did not finish: " + string.Join(", ", RemovalFixture.TrashEntries(sb)));
                Thread.Sleep(20);
            }
        }

        [Fact]
        public void A_rename_refused_by_a_lock_falls_back_to_git_worktree_remove_in_place()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            sb.WriteFile(wt, "build/out.bin", "ignored output\n");
            sb.WriteFile(wt, ".gitignore", "build/\n");
            sb.Git(wt, "add", ".gitignore");
            sb.Git(wt, "commit", "-q", "-m", "ignore");
            var plan = RemovalFixture.Plan(sb, Git, SelectorKind.Branch, "feature");
            var steps = new List<RemovalStep>();
            var executor = new RemovalExecutor(Git, _sink, CancellationToken.None)
            {
                OnStep = steps.Add,

                // What Windows reports when a process holds a handle inside the directory.
                Rename = (_, _) => throw new IOException("The process cannot access the file because it is being used by another process."),
            };
            var r = executor.Execute(plan, true);
            Assert.Equal(WtRemovalMethod.Fallback, r.Method);
            Assert.Null(r.StagedPath);
            Assert.Equal(WtDeletionMode.None, r.Deletion);
            Assert.False(Directory.Exists(wt));
            Assert.Equal(new[] { sb.RepoPath }, RemovalFixture.Listed(sb));
            Assert.Empty(RemovalFixture.TrashEntries(sb));
            Assert.Equal(new[] { RemovalStep.BeforeLock, RemovalStep.BeforeStop, RemovalStep.AfterStop, RemovalStep.AfterUnregister }, steps);
            Assert.Equal(WtBranchOutcome.RetainedUnmerged, r.BranchOutcome);
            Assert.Contains(_sink.Verbose, v => v.Contains("worktree remove " + wt, StringComparison.Ordinal));
        }

        [Fact]
        public void A_worktree_on_another_filesystem_falls_back_for_real()
        {
            // Needs a second filesystem so rename(2) fails with EXDEV: /dev/shm is a tmpfs on Linux.
            Assert.True(Directory.Exists("/dev/shm"), "this test needs /dev/shm (a tmpfs) as a second filesystem");
            Assert.NotEqual(new DriveInfo(Path.GetTempPath()).Name, new DriveInfo("/dev/shm").Name);

            using var sb = GitSandbox.Create();
            var wt = Path.Combine("/dev/shm", "wt-xdev-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            try
            {
                sb.Git(sb.RepoPath, "worktree", "add", "-q", "-b", "xdev", wt);
                sb.WriteFile(wt, "untracked.txt", "lost with -Force\n");
                var plan = RemovalFixture.Plan(sb, Git, SelectorKind.Branch, "xdev", new RemovalOptions(true, BranchMode.SafeDelete, true));
                var r = new RemovalExecutor(Git, _sink, CancellationToken.None).Execute(plan, true);
                Assert.Equal(WtRemovalMethod.Fallback, r.Method);
                Assert.False(Directory.Exists(wt));
                Assert.Equal(new[] { sb.RepoPath }, RemovalFixture.Listed(sb));
                Assert.Contains(_sink.Verbose, v => v.Contains("worktree remove --force " + wt, StringComparison.Ordinal));
            }
            finally
            {
                TestFiles.DeleteTree(wt);
            }
        }

        [Fact]
        public void A_file_written_after_planning_blocks_the_removal_at_execution()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var plan = RemovalFixture.Plan(sb, Git, SelectorKind.Branch, "feature");
            sb.WriteFile(wt, "late.txt", "an agent wrote this while -Confirm waited\n");
            var steps = new List<RemovalStep>();
            var e = Assert.Throws<WorktrunkException>(() => new RemovalExecutor(Git, _sink, CancellationToken.None) { OnStep = steps.Add }.Execute(plan, true));
            Assert.Equal(ErrorIds.WorktreeDirty, e.ErrorId);
            Assert.Contains("?? late.txt", e.Message);
            // The gate runs after the daemon stop, immediately before the rename.
            Assert.Equal(new[] { RemovalStep.BeforeLock, RemovalStep.BeforeStop, RemovalStep.AfterStop }, steps);
            Assert.True(File.Exists(Path.Combine(wt, "late.txt")));
            Assert.Equal(2, RemovalFixture.Listed(sb).Count);
        }

        [Fact]
        public async Task Two_removals_of_one_worktree_at_once_one_succeeds_the_other_reports_RemovalRaced()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var first = RemovalFixture.Plan(sb, Git, SelectorKind.Branch, "feature");
            var second = RemovalFixture.Plan(sb, Git, SelectorKind.Branch, "feature");
            using var inside = new ManualResetEventSlim();
            using var release = new ManualResetEventSlim();
            var a = new RemovalExecutor(Git, _sink, CancellationToken.None)
            {
                OnStep = s =>
                {
                    if (s == RemovalStep.AfterStop)
                    {
                        inside.Set();
                        release.Wait(TimeSpan.FromSeconds(30));
                    }
                },
            };
            var b = new RemovalExecutor(Git, _sink, CancellationToken.None);
            var ta = Task.Run(() => a.Execute(first, true));
            Assert.True(inside.Wait(TimeSpan.FromSeconds(30)));
            var tb = Task.Run(() => b.Execute(second, true));

            // B waits on the lock A holds; nothing of B's runs until A is through.
            Thread.Sleep(2000);
            Assert.False(tb.IsCompleted);
            release.Set();

            var ra = await ta;
            var eb = await Assert.ThrowsAsync<WorktrunkException>(() => tb);
            Assert.Equal(WtRemovalMethod.Staged, ra.Method);
            Assert.Equal(ErrorIds.RemovalRaced, eb.ErrorId);
            Assert.False(Directory.Exists(wt));
            Assert.Equal(new[] { sb.RepoPath }, RemovalFixture.Listed(sb));
            RemovalFixture.AssertRepositoryConsistent(sb);
        }

        [Fact]
        public void Free_running_concurrent_removals_of_one_worktree_never_both_succeed()
        {
            using var sb = GitSandbox.Create();
            for (var round = 0; round < 3; round++)
            {
                var branch = "race" + round;
                sb.AddWorktree(branch);
                var plans = Enumerable.Range(0, 3).Select(_ => RemovalFixture.Plan(sb, Git, SelectorKind.Branch, branch)).ToList();
                var tasks = plans.Select(p => Task.Run(() =>
                {
                    try
                    {
                        new RemovalExecutor(Git, _sink, CancellationToken.None).Execute(p, true);
                        return "ok";
                    }
                    catch (WorktrunkException e)
                    {
                        return e.ErrorId;
                    }
                })).ToArray();
                var outcomes = tasks.Select(t => t.GetAwaiter().GetResult()).ToList();
                Assert.Equal(1, outcomes.Count(o => o == "ok"));
                Assert.All(outcomes.Where(o => o != "ok"), o => Assert.Equal(ErrorIds.RemovalRaced, o));
            }

            Assert.Equal(new[] { sb.RepoPath }, RemovalFixture.Listed(sb));
            RemovalFixture.AssertRepositoryConsistent(sb);
        }

        [Fact]
        public void A_stale_entry_is_unregistered_alone_and_its_integrated_branch_deleted()
        {
            using var sb = GitSandbox.Create();
            var gone = sb.AddWorktree("gone");
            var absent = sb.AddWorktree("absent");
            TestFiles.DeleteTree(gone);
            var parked = absent + ".parked";
            Directory.Move(absent, parked);

            var plan = RemovalFixture.Plan(sb, Git, SelectorKind.Path, gone);
            Assert.Equal(WtRemovalKind.StaleEntry, plan.Kind);
            var r = new RemovalExecutor(Git, _sink, CancellationToken.None).Execute(plan, true);
            Assert.Equal(WtRemovalKind.StaleEntry, r.Kind);
            Assert.Equal(WtRemovalMethod.None, r.Method);
            Assert.Equal(WtBranchOutcome.Deleted, r.BranchOutcome);
            Assert.Equal(new[] { sb.RepoPath, absent }, RemovalFixture.Listed(sb));
            Directory.Move(parked, absent);
        }

        [Fact]
        public void A_held_lock_makes_a_removal_wait_then_fail_cleanly_without_changes()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var plan = RemovalFixture.Plan(sb, Git, SelectorKind.Branch, "feature");
            using (RemovalLock.Acquire(sb.CommonDir, TimeSpan.FromSeconds(1), CancellationToken.None))
            {
                var executor = new RemovalExecutor(Git, _sink, CancellationToken.None) { LockTimeout = TimeSpan.FromMilliseconds(200) };
                var e = Assert.Throws<WorktrunkException>(() => executor.Execute(plan, true));
                Assert.Equal(ErrorIds.RemovalFailed, e.ErrorId);
                Assert.Equal(ErrorKind.ResourceBusy, e.Kind);
            }

            Assert.True(Directory.Exists(wt));
            Assert.Equal(2, RemovalFixture.Listed(sb).Count);
            Assert.Equal(WtRemovalMethod.Staged, new RemovalExecutor(Git, _sink, CancellationToken.None).Execute(plan, true).Method);
        }

        [Fact]
        public void A_same_second_name_collision_picks_the_next_trash_name()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
            var taken = Path.Combine(TrashPaths.TrashDir(sb.CommonDir), "wt-feature-1800000000");
            Directory.CreateDirectory(Path.Combine(taken, "keep"));
            var plan = RemovalFixture.Plan(sb, Git, SelectorKind.Branch, "feature", new RemovalOptions(false, BranchMode.Keep, true));
            var r = new RemovalExecutor(Git, _sink, CancellationToken.None) { Clock = () => now }.Execute(plan, true);
            Assert.Equal(Path.Combine(TrashPaths.TrashDir(sb.CommonDir), "wt-feature~2-1800000000"), r.StagedPath);
            Assert.True(Directory.Exists(Path.Combine(taken, "keep")));
            Assert.Equal(WtBranchOutcome.NotAttempted, r.BranchOutcome);
        }

        [Fact]
        public void Wait_deletes_in_process_and_counts_files_and_bytes()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature");
            for (var i = 0; i < 600; i++)
            {
                sb.WriteFile(wt, "gen/f" + i + ".txt", "0123456789");
            }

            var files = Directory.GetFiles(wt, "*", SearchOption.AllDirectories);
            var bytes = files.Sum(f => new FileInfo(f).Length);
            Assert.Equal(602, files.Length);

            var plan = RemovalFixture.Plan(sb, Git, SelectorKind.Branch, "feature", new RemovalOptions(true, BranchMode.SafeDelete, true));
            var steps = new List<RemovalStep>();
            var r = new RemovalExecutor(Git, _sink, CancellationToken.None) { OnStep = steps.Add }.Execute(plan, true);

            Assert.Equal(WtDeletionMode.InProcess, r.Deletion);
            Assert.Equal(files.Length, r.FilesDeleted);
            Assert.Equal(bytes, r.BytesDeleted);
            Assert.Contains(RemovalStep.DuringDeletion, steps);
            Assert.Empty(RemovalFixture.TrashEntries(sb));
        }

        [Fact]
        public void Background_deletion_is_detached_and_completes()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("feature");
            var plan = RemovalFixture.Plan(sb, Git, SelectorKind.Branch, "feature");
            var steps = new List<RemovalStep>();
            var r = new RemovalExecutor(Git, _sink, CancellationToken.None) { OnStep = steps.Add }.Execute(plan, false);
            Assert.Equal(WtDeletionMode.Background, r.Deletion);
            Assert.Contains(RemovalStep.AfterDeletionStarted, steps);
            Assert.True(TestProcesses.WaitUntil(() => !Directory.Exists(r.StagedPath!), TimeSpan.FromSeconds(30)), "the background deletion did not finish");
        }
    }
}
