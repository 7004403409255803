using System;
using System.IO;
using System.Linq;
using Worktrunk.PowerShell.Tests.Daemons;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Removal
{
    /// <summary>ShouldProcess through a host that records What if: lines and answers -Confirm prompts.</summary>
    public sealed class RemoveConfirmTests
    {
        [Fact]
        public void WhatIf_prints_one_line_per_target_with_the_path_and_branch()
        {
            using var sb = GitSandbox.Create();
            var one = sb.AddWorktree("agent/one");
            var two = sb.AddWorktree("agent/two");
            sb.Git(sb.RepoPath, "branch", "done");
            var host = new RecordingHost();
            using var runspace = host.OpenRunspace(sb.RepoPath);
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = runspace;
            ps.AddScript("Get-WtWorktree -Branch 'agent/*' | Remove-WtWorktree -WhatIf; Remove-WtWorktree -Branch done -ForceDeleteBranch -WhatIf");
            Assert.Empty(ps.Invoke());
            Assert.Empty(ps.Streams.Error);

            var whatIf = host.Lines.Where(l => l.StartsWith("What if:", StringComparison.Ordinal)).ToList();
            Assert.Equal(
                new[]
                {
                    $"What if: Performing the operation \"Remove worktree and delete its branch if integrated\" on target \"{one} (branch agent/one)\".",
                    $"What if: Performing the operation \"Remove worktree and delete its branch if integrated\" on target \"{two} (branch agent/two)\".",
                    "What if: Performing the operation \"Force-delete branch\" on target \"branch done\".",
                },
                whatIf);
            Assert.True(Directory.Exists(one));
            Assert.True(Directory.Exists(two));
        }

        [Fact]
        public void Confirm_asks_once_per_worktree_No_keeps_them_Yes_removes_them()
        {
            using var sb = GitSandbox.Create();
            var one = sb.AddWorktree("agent/one");
            var two = sb.AddWorktree("agent/two");
            var host = new RecordingHost { Answer = "&No" };
            using var runspace = host.OpenRunspace(sb.RepoPath);

            using (var ps = System.Management.Automation.PowerShell.Create())
            {
                ps.Runspace = runspace;
                ps.AddScript("Get-WtWorktree -Branch 'agent/*' | Remove-WtWorktree -Confirm -Wait -PassThru");
                Assert.Empty(ps.Invoke());
            }

            Assert.Equal(2, host.Prompts.Count);
            Assert.Contains(host.Prompts, p => p.Contains(one + " (branch agent/one)", StringComparison.Ordinal));
            Assert.True(Directory.Exists(one));
            Assert.True(Directory.Exists(two));
            Assert.False(Directory.Exists(Path.Combine(sb.CommonDir, "wt")), "a declined removal created state");

            host.Prompts.Clear();
            host.Answer = "&Yes";
            using (var ps = System.Management.Automation.PowerShell.Create())
            {
                ps.Runspace = runspace;
                ps.AddScript("Get-WtWorktree -Branch 'agent/*' | Remove-WtWorktree -Confirm -Wait -PassThru");
                Assert.Equal(2, ps.Invoke().Count);
            }

            Assert.Equal(2, host.Prompts.Count);
            Assert.False(Directory.Exists(one));
            Assert.False(Directory.Exists(two));
        }
    }
}
