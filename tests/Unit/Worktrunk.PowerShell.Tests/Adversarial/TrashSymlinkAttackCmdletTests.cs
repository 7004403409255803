using System;
using System.IO;
using System.Linq;
using Worktrunk.PowerShell.Tests.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Adversarial
{
    /// <summary>
    /// Issue 9, points 1 and 2 through the cmdlets: a linked registration or a linked state folder
    /// is refused with its error id and the whole sandbox (the link targets included) is left
    /// byte-for-byte as it was; the sweep passes a linked trash entry by with a warning.
    /// </summary>
    public sealed class TrashSymlinkAttackCmdletTests
    {
        private const string Remove = ",Worktrunk.PowerShell.Commands.RemoveWtWorktreeCommand";

        private static void Plant(string dir)
        {
            Directory.CreateDirectory(Path.Combine(dir, "nested"));
            File.WriteAllText(Path.Combine(dir, "precious.txt"), "irreplaceable " + Guid.NewGuid());
            File.WriteAllText(Path.Combine(dir, "nested", "more.txt"), "irreplaceable too");
        }

        private static void RefusedUnchanged(GitSandbox sb, string script, string errorId)
        {
            var before = RepoSnapshot.Take(sb);
            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke(script);
            Assert.Null(r.Terminating);
            Assert.Empty(r.Output);
            Assert.Equal(errorId + Remove, Assert.Single(r.Errors).FullyQualifiedErrorId);
            before.AssertUnchanged(sb);
        }

        [Fact]
        public void Remove_refuses_a_linked_registration_and_changes_nothing()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("feature");
            var registration = Path.Combine(sb.CommonDir, "worktrees", "wt-feature");
            var target = Path.Combine(sb.Root, "shared-registration");
            Directory.Move(registration, target);
            Plant(Path.Combine(target, "precious"));
            Directory.CreateSymbolicLink(registration, target);

            RefusedUnchanged(sb, "Remove-WtWorktree -Branch feature -Force -Wait", "UnsafeRegistration");
        }

        [Fact]
        public void Remove_refuses_a_linked_state_folder_and_changes_nothing()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("feature");
            var evil = Path.Combine(sb.Root, "evil");
            Plant(Path.Combine(evil, "trash", "x-1000"));
            Directory.CreateSymbolicLink(Path.Combine(sb.CommonDir, "wt"), evil);

            RefusedUnchanged(sb, "Remove-WtWorktree -Branch feature -Force", "RepositoryPathIsSymlink");
        }

        [Fact]
        public void The_sweep_passes_a_linked_trash_entry_by_with_a_warning()
        {
            using var sb = GitSandbox.Create();
            var stale = "x-" + DateTimeOffset.UtcNow.AddDays(-3).ToUnixTimeSeconds();
            var elsewhere = Path.Combine(sb.Root, "elsewhere", stale);
            Plant(elsewhere);
            var trash = Path.Combine(sb.CommonDir, "wt", "trash");
            Directory.CreateDirectory(trash);
            Directory.CreateSymbolicLink(Path.Combine(trash, stale), elsewhere);
            var before = RepoSnapshot.TakeDirectories(Path.Combine(sb.Root, "elsewhere"), trash);

            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("Invoke-WtFsmonitorSweep");
            Assert.Empty(r.Errors);
            Assert.Empty(r.Single<WtSweepSummary>().StaleTrash);
            Assert.Contains(r.Warnings, w => w.Contains("symbolic link", StringComparison.Ordinal) && w.Contains(stale, StringComparison.Ordinal));
            before.AssertDirectoriesUnchanged(Path.Combine(sb.Root, "elsewhere"), trash);
        }
    }
}
