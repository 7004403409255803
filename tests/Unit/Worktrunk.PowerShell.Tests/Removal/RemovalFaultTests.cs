using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Removal;
using Worktrunk.TestSupport;
using Worktrunk.Trash;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Removal
{
    /// <summary>
    /// Crash consistency and races with real processes: Remove-WtWorktree runs in the
    /// Worktrunk.Shell host (RemovalChild), pauses at a step (the test-only pause point, switched on by
    /// the harness's token file: see TestPausePoint) and is
    /// SIGKILLed there, or released. Every process started here is registered with TestProcesses.
    /// After each kill the repository must be consistent (`git fsck`, `git worktree list`), the
    /// worktree intact and registered or staged in the trash, and a later run must finish the job.
    /// </summary>
    public sealed class RemovalFaultTests
    {
        private static List<WorktreeRecord> Listing(GitSandbox sb) =>
            WorktreeListParser.Parse(sb.Git(sb.RepoPath, "worktree", "list", "--porcelain", "-z"));

        private static string[] Trash(GitSandbox sb)
        {
            var trash = TrashPaths.TrashDir(sb.CommonDir);
            return Directory.Exists(trash) ? Directory.GetFileSystemEntries(trash) : Array.Empty<string>();
        }

        private static bool BranchExists(GitSandbox sb, string branch) =>
            GitSandbox.TryGit(sb.RepoPath, "rev-parse", "--verify", "--quiet", "refs/heads/" + branch).Code == 0;

        private static void AssertConsistent(GitSandbox sb)
        {
            var fsck = GitSandbox.TryGit(sb.RepoPath, "fsck", "--no-progress");
            Assert.True(fsck.Code == 0 && !(fsck.Stdout + fsck.Stderr).Contains("error", StringComparison.OrdinalIgnoreCase), "git fsck: " + fsck.Stdout + fsck.Stderr);
            var list = GitSandbox.TryGit(sb.RepoPath, "worktree", "list", "--porcelain");
            Assert.True(list.Code == 0 && list.Stderr.Length == 0, "git worktree list: " + list.Stderr);
        }

        /// <summary>
        /// The stale-trash sweep as it will run a day later; waits for the detached deletion. The bound
        /// is generous: the deletion runs at nice 19, and 40,000 files took 38 s here at a load of 14
        /// on 2 cores (over 60 s at a load of 25).
        /// </summary>
        private static void SweepADayLater(GitSandbox sb)
        {
            RemovalSweep.SweepStaleTrash(sb.CommonDir, NullSink.Instance, DateTimeOffset.UtcNow.AddHours(25));
            Assert.True(TestProcesses.WaitUntil(() => Trash(sb).Length == 0, TimeSpan.FromSeconds(300)), "the sweep did not empty the trash");
        }

        private static (string Victim, string Sibling, RepoSnapshot Sib) Fixture(GitSandbox sb, int files = 50)
        {
            var victim = sb.AddWorktree("victim");
            var sibling = sb.AddWorktree("sibling");
            for (var i = 0; i < files; i++)
            {
                sb.WriteFile(victim, "gen/" + (i % 20) + "/f" + i + ".txt", "content " + i + "\n");
            }

            sb.WriteFile(victim, ".gitignore", "gen/\n");
            sb.Git(victim, "add", ".gitignore");
            sb.Git(victim, "commit", "-q", "-m", "ignore generated files");
            sb.Git(sb.RepoPath, "merge", "-q", "--ff-only", "victim");
            return (victim, sibling, RepoSnapshot.TakeDirectories(sibling, Path.Combine(sb.CommonDir, "worktrees", "wt-sibling")));
        }

        [Theory]
        [InlineData("BeforeLock")]
        [InlineData("BeforeStop")]
        [InlineData("AfterStop")]
        [InlineData("AfterRename")]
        [InlineData("AfterUnregister")]
        [InlineData("DuringDeletion")]
        public void Killed_at_each_step_the_repository_stays_consistent_and_a_later_run_finishes(string step)
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var (victim, sibling, sib) = Fixture(sb, step == "DuringDeletion" ? 3000 : 50);
            var registration = Path.Combine(sb.CommonDir, "worktrees", "wt-victim");
            var intact = RepoSnapshot.TakeDirectories(victim, registration);

            using var child = RemovalChild.Start(procs, sb, string.Format(RemovalChild.Report, "-Wait"), step);
            child.WaitPaused();
            child.Kill();
            AssertConsistent(sb);

            var listed = Listing(sb).Select(r => r.Path).ToList();
            var record = Listing(sb).SingleOrDefault(r => r.Path == victim);
            switch (step)
            {
                case "BeforeLock":
                case "BeforeStop":
                case "AfterStop":
                    // Intact and registered: nothing was changed yet.
                    intact.AssertDirectoriesUnchanged(victim, registration);
                    Assert.NotNull(record);
                    Assert.False(record!.IsPrunable);
                    Assert.Empty(Trash(sb));
                    Assert.True(BranchExists(sb, "victim"));
                    break;
                case "AfterRename":
                    // Staged, registration prunable: the files are all in the trash.
                    Assert.False(Directory.Exists(victim));
                    Assert.NotNull(record);
                    Assert.True(record!.IsPrunable);
                    var staged = Assert.Single(Trash(sb));
                    Assert.Equal(53, Directory.GetFiles(staged, "*", SearchOption.AllDirectories).Length);
                    break;
                case "AfterUnregister":
                    // Unregistered: the worktree and its registration are both in the trash, whole;
                    // the branch is decided after this step, so it is still there.
                    Assert.False(Directory.Exists(victim));
                    Assert.Null(record);
                    Assert.False(Directory.Exists(registration));
                    Assert.Equal(2, Trash(sb).Length);
                    Assert.Equal(53, Directory.GetFiles(Trash(sb).Single(t => !IsRegistration(t)), "*", SearchOption.AllDirectories).Length);
                    Assert.True(File.Exists(Path.Combine(Trash(sb).Single(IsRegistration), "gitdir")));
                    Assert.True(BranchExists(sb, "victim"));
                    break;
                case "DuringDeletion":
                    Assert.False(Directory.Exists(victim));
                    Assert.Null(record);
                    var partial = Assert.Single(Trash(sb));
                    var left = Directory.GetFiles(partial, "*", SearchOption.AllDirectories).Length;
                    Assert.InRange(left, 1, 3002);
                    Assert.False(BranchExists(sb, "victim"));
                    break;
            }

            // A later run finishes what the killed one started (after AfterUnregister only the branch
            // and the trash are left; after DuringDeletion only the trash).
            if (step != "DuringDeletion")
            {
                using var ps = new PowerShellSession(sb.RepoPath);
                var again = ps.Invoke("Remove-WtWorktree -Branch victim -Wait -PassThru");
                Assert.Empty(again.Errors);
                var r = again.Single<WtRemovalResult>();
                var expectedKind = step == "AfterRename" ? WtRemovalKind.StaleEntry : step == "AfterUnregister" ? WtRemovalKind.BranchOnly : WtRemovalKind.Worktree;
                Assert.Equal(expectedKind, r.Kind);
                Assert.Equal(WtBranchOutcome.Deleted, r.BranchOutcome);
            }

            if (Trash(sb).Length > 0)
            {
                SweepADayLater(sb);
            }

            Assert.False(Directory.Exists(victim));
            Assert.False(BranchExists(sb, "victim"));
            Assert.Equal(new[] { sb.RepoPath, sibling }, Listing(sb).Select(r => r.Path));
            sib.AssertDirectoriesUnchanged(sibling, Path.Combine(sb.CommonDir, "worktrees", "wt-sibling"));
            AssertConsistent(sb);
        }

        [Fact]
        public void The_background_deletion_is_detached_low_priority_survives_the_shell_and_killing_it_is_harmless()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var (victim, sibling, _) = Fixture(sb, 40_000);
            var trashPrefix = TrashPaths.TrashDir(sb.CommonDir) + Path.DirectorySeparatorChar;

            using var child = RemovalChild.Start(procs, sb, string.Format(RemovalChild.Report, string.Empty));
            int rm = 0;
            var caught = TestProcesses.WaitUntil(() => (rm = FindRm(trashPrefix)) > 0 || (child.Process.HasExited && Trash(sb).Length == 0), TimeSpan.FromSeconds(120));
            Assert.True(caught && rm > 0, "the background rm was not seen running");

            // Freeze it (it is this test's grandchild, identified by its exact argv) to look at it.
            procs.Track(rm);
            Assert.Equal(0, kill(rm, SIGSTOP));
            Assert.Equal("OK Staged Deleted", child.Finish());

            // The shell is gone; the deletion is not: another session, lowest CPU priority, reparented.
            var stat = File.ReadAllText($"/proc/{rm}/stat");
            var fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
            Assert.NotEqual(child.Process.Id.ToString(), fields[1]);
            Assert.NotEqual(GetSid(child.Process.Id), int.Parse(fields[3]));
            Assert.Equal("19", fields[16]);

            Assert.Equal(0, kill(rm, 9));
            Assert.True(TestProcesses.WaitUntil(() => !TestProcesses.IsAlive(rm), TimeSpan.FromSeconds(10)));

            AssertConsistent(sb);
            Assert.False(Directory.Exists(victim));

            // rm was stopped inside the staged worktree (its first argument); the registration after it may remain too.
            Assert.Single(Trash(sb), t => !IsRegistration(t));
            Assert.InRange(Trash(sb).Length, 1, 2);
            Assert.False(BranchExists(sb, "victim"));
            Assert.Equal(new[] { sb.RepoPath, sibling }, Listing(sb).Select(r => r.Path));
            SweepADayLater(sb);
        }

        /// <summary>A trash entry holding a worktree's moved registration (RegistrationRemover), not its files.</summary>
        private static bool IsRegistration(string entry) => Path.GetFileName(entry).Contains(".registration-", StringComparison.Ordinal);

        private const int SIGSTOP = 19;

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        private static extern int kill(int pid, int sig);

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        private static extern int getsid(int pid);

        /// <summary>The shell was started by .NET without a new session: it shares the test's session (the shell itself has exited).</summary>
        private static int GetSid(int exitedPid) => getsid(0);

        /// <summary>The PID of an `rm -rf -- &lt;trash entry names&gt;` running in this sandbox's trash folder, or 0.</summary>
        private static int FindRm(string trashPrefix)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid))
                {
                    continue;
                }

                try
                {
                    var argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                    // rm runs in the trash folder (its working directory) with the entries' bare names.
                    if (argv.Length >= 4 && argv[0] == "rm" && argv[1] == "-rf" && argv[2] == "--" &&
                        new DirectoryInfo(Path.Combine(dir, "cwd")).LinkTarget + Path.DirectorySeparatorChar == trashPrefix)
                    {
                        return pid;
                    }
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }

            return 0;
        }

        [Fact]
        public void Two_removals_of_one_worktree_at_once_exactly_one_succeeds_the_other_reports_RemovalRaced()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var (victim, sibling, _) = Fixture(sb);

            // A takes the lock and stops at AfterStop; B is planned (the worktree is still there) and then waits on the lock.
            using var a = RemovalChild.Start(procs, sb, string.Format(RemovalChild.Report, "-Wait"), "AfterStop");
            using var b = RemovalChild.Start(procs, sb, string.Format(RemovalChild.Report, "-Wait"), "BeforeLock");
            a.WaitPaused();
            b.WaitPaused();
            b.Release();
            System.Threading.Thread.Sleep(500);
            Assert.False(b.Process.HasExited);
            a.Release();

            Assert.Equal("OK Staged Deleted", a.Finish());
            Assert.Equal("RemovalRaced", b.Finish());
            Assert.False(Directory.Exists(victim));
            Assert.Equal(new[] { sb.RepoPath, sibling }, Listing(sb).Select(r => r.Path));
            AssertConsistent(sb);
        }

        [Fact]
        public void Free_running_simultaneous_removals_never_both_succeed()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var (victim, sibling, _) = Fixture(sb);
            using var a = RemovalChild.Start(procs, sb, string.Format(RemovalChild.Report, "-Wait"));
            using var b = RemovalChild.Start(procs, sb, string.Format(RemovalChild.Report, "-Wait"));
            var outcomes = new[] { a.Finish(), b.Finish() };
            Assert.Equal(1, outcomes.Count(o => o.StartsWith("OK", StringComparison.Ordinal)));
            Assert.Contains(outcomes.Single(o => !o.StartsWith("OK", StringComparison.Ordinal)), new[] { "RemovalRaced", "BranchNotFound", "WorktreeNotFound" });
            Assert.False(Directory.Exists(victim));
            Assert.Equal(new[] { sb.RepoPath, sibling }, Listing(sb).Select(r => r.Path));
            AssertConsistent(sb);
        }

        [Fact]
        public void A_removal_planned_after_another_unregistered_the_worktree_waits_and_reports_the_branch_gone()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var (victim, sibling, _) = Fixture(sb);

            // A has unregistered the worktree and holds the lock, its branch decision still to come.
            using var a = RemovalChild.Start(procs, sb, string.Format(RemovalChild.Report, "-Wait"), "AfterUnregister");
            a.WaitPaused();

            // B plans now: no worktree holds victim, so it plans the branch alone, and stops before the lock.
            using var b = RemovalChild.Start(procs, sb, string.Format(RemovalChild.Report, "-Wait"), "BeforeLock");
            b.WaitPaused();
            Assert.True(BranchExists(sb, "victim"));
            a.Release();
            Assert.Equal("OK Staged Deleted", a.Finish());

            // Under the lock B re-checks and finds the branch gone: not a second success.
            b.Release();
            Assert.Equal("BranchNotFound", b.Finish());
            Assert.False(Directory.Exists(victim));
            Assert.Equal(new[] { sb.RepoPath, sibling }, Listing(sb).Select(r => r.Path));
            AssertConsistent(sb);
        }

        [Fact]
        public void A_commit_landing_between_the_integration_check_and_the_delete_keeps_the_branch_RetainedRaced()
        {
            using var procs = new TestProcesses();
            using var sb = GitSandbox.Create();
            var (victim, _, _) = Fixture(sb);
            using var child = RemovalChild.Start(procs, sb, string.Format(RemovalChild.Report, "-Wait"), "BeforeBranchDelete");
            child.WaitPaused();

            // Another agent commits to the branch at this very moment.
            var tree = sb.Git(sb.RepoPath, "rev-parse", "victim^{tree}").Trim();
            var late = sb.Git(sb.RepoPath, "commit-tree", tree, "-p", "victim", "-m", "late agent commit").Trim();
            sb.Git(sb.RepoPath, "update-ref", "refs/heads/victim", late);
            child.Release();

            Assert.Equal("OK Staged RetainedRaced", child.Finish());
            Assert.Equal(late, sb.Git(sb.RepoPath, "rev-parse", "refs/heads/victim").Trim());
            Assert.False(Directory.Exists(victim));
            AssertConsistent(sb);
        }
    }
}
