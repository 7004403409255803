using System.IO;
using System.Linq;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.Operations;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Operations
{
    /// <summary>Get-WtWorktreeProcess as one core operation, through the recording host, with real processes (Linux: /proc).</summary>
    public sealed class WorktreeProcessListingTests
    {
        [Fact]
        public void A_branch_lists_exactly_the_processes_working_in_its_worktree_and_a_missing_branch_is_a_per_item_error()
        {
            if (!Platform.IsLinux)
            {
                return;
            }

            using var sb = GitSandbox.Create();
            using var procs = new TestProcesses();
            var wt = sb.AddWorktree("agent/1");
            var sub = Directory.CreateDirectory(Path.Combine(wt, "src")).FullName;
            var other = sb.AddWorktree("agent/2");
            var inRoot = WorkingProcesses.Sleep(procs, wt);
            var inSub = WorkingProcesses.Sleep(procs, sub);
            var elsewhere = WorkingProcesses.Sleep(procs, other);
            WorkingProcesses.WaitForCwd(inRoot, wt);
            WorkingProcesses.WaitForCwd(inSub, sub);
            WorkingProcesses.WaitForCwd(elsewhere, other);

            var host = new RecordingOperationHost(sb.RepoPath);
            WorktreeProcessListing.Run(new WorktreeProcessQuery { Branches = new[] { "agent/1", "no-such" } }, host);

            var listed = host.Outputs.Cast<WtWorktreeProcess>().ToList();
            Assert.Equal(new[] { inRoot, inSub }.OrderBy(p => p), listed.Select(p => p.Id).OrderBy(p => p));
            Assert.All(listed, p => Assert.Equal(WorkingProcesses.Canonical(wt), p.Worktree));
            var error = Assert.Single(host.Errors);
            Assert.Equal(ErrorIds.WorktreeNotFound, error.Error.ErrorId);
            Assert.Equal("no-such", error.Target);
            Assert.Empty(host.Questions);
        }
    }
}
