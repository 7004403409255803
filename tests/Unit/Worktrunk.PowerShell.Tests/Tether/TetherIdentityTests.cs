using System;
using System.IO;
using System.Linq;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Tether
{
    /// <summary>
    /// Start-WtTether end to end: the worktree removed with Remove-WtWorktree and recreated at
    /// once at the same path with `git worktree add` (one script in another session, so the
    /// path is missing for far less than a poll) tears the tree down; the new worktree is left
    /// intact. The poll-exact proof (the swap made between two looks, on the supervisor's own
    /// hook) is Worktrunk.Core.Tests' TetherIdentityTests; this one proves the cmdlet uses it.
    /// </summary>
    public sealed class TetherIdentityTests : IDisposable
    {
        private readonly TestProcesses _procs = new TestProcesses();
        private readonly GitSandbox _sandbox = GitSandbox.Create();

        public void Dispose()
        {
            _procs.Dispose();
            _sandbox.Dispose();
        }

        [Fact]
        public void Remove_WtWorktree_then_git_worktree_add_at_the_same_path_tears_the_tree_down()
        {
            var wt = _sandbox.AddWorktree("agent-readd");
            var tree = new TetherTree(Path.Combine(_sandbox.Root, "pids-readd"), _procs);
            using var serving = new PowerShellSession(_sandbox.RepoPath);
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = serving.Runspace;
            ps.AddScript("Start-WtTether -WorkingDirectory '" + wt.Replace("'", "''") + "' -- " + tree.CommandWords());
            var handle = ps.BeginInvoke();
            TestProcesses.WaitUntil(() => tree.IsUp || handle.IsCompleted, TimeSpan.FromSeconds(30));

            // The error stream is read only once the pipeline ended: a PSDataCollection's
            // enumerator waits for the collection to complete.
            Assert.True(tree.IsUp, "the tree did not come up: " + (handle.IsCompleted ? string.Join(" | ", ps.Streams.Error.Select(e => e.ToString())) : "Start-WtTether is still running"));
            tree.WaitUp();

            using var other = new PowerShellSession(_sandbox.RepoPath);
            var swap = other.Invoke(
                "Remove-WtWorktree -Branch agent-readd -KeepBranch -Confirm:$false; git -C $args[0] worktree add -q $args[1] agent-readd 2>&1",
                _sandbox.RepoPath,
                wt);
            Assert.Null(swap.Terminating);
            Assert.Empty(swap.Errors);
            Assert.True(File.Exists(Path.Combine(wt, ".git")), "git worktree add did not recreate the worktree: " + string.Join(" ", swap.Output));

            Assert.True(handle.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)), "Start-WtTether kept running in the recreated worktree");
            var result = (WtTetherResult)ps.EndInvoke(handle)[0].BaseObject;
            Assert.Equal(WtTetherEndReason.WorktreeRemoved, result.Reason);
            Assert.True(tree.AllGone(), "survivors: " + tree.Survivors());

            // The new worktree is registered and clean: the teardown touched no file.
            Assert.Equal(string.Empty, _sandbox.Git(wt, "status", "--porcelain").Trim());
            Assert.Equal("# test\n", File.ReadAllText(Path.Combine(wt, "README.md")));
        }
    }
}
