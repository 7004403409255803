using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Worktrunk.PowerShell.Tests.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests
{
    /// <summary>
    /// Bad input is a terminating error with a stable id and changes nothing: a NUL in any path
    /// parameter of any cmdlet (InvalidPath, not a raw System.ArgumentException), a NUL in a
    /// tethered command's program or arguments (not a silent truncation), a directory as the
    /// program (CommandIsDirectory). -Branch and its completer match case-sensitively, as git
    /// compares ref names. Every refusal is checked against a snapshot of the whole sandbox
    /// (files, modes, times, refs, worktree list) and, for tethers, a marker the command would
    /// have written had it run.
    /// </summary>
    public sealed class InputValidationTests : IDisposable
    {
        private const string Commands = ",Worktrunk.PowerShell.Commands.";
        private readonly GitSandbox _sandbox = GitSandbox.Create();
        private readonly string _worktree;

        public InputValidationTests()
        {
            _worktree = _sandbox.AddWorktree("feature-x");
            _sandbox.AddWorktree("Feature-Y");
        }

        public void Dispose() => _sandbox.Dispose();

        private string Marker => Path.Combine(_sandbox.Root, "ran");

        private static void AssertTerminating(InvocationResult r, string fullyQualifiedErrorId)
        {
            Assert.NotNull(r.Terminating);
            Assert.Equal(fullyQualifiedErrorId, r.Terminating!.ErrorRecord.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, r.Terminating.ErrorRecord.CategoryInfo.Category);
            Assert.IsNotType<ArgumentException>(r.Terminating.ErrorRecord.Exception);
            Assert.DoesNotContain("\0", r.Terminating.ErrorRecord.Exception.Message, StringComparison.Ordinal);
            Assert.Empty(r.Output);
        }

        [Theory]
        [InlineData("Get-WtWorktree -Path $args[0]", "GetWtWorktreeCommand", "Path")]
        [InlineData("Get-WtWorktree -Repository $args[0]", "GetWtWorktreeCommand", "Repository")]
        [InlineData("Remove-WtWorktree -Path $args[0] -Force -Confirm:$false", "RemoveWtWorktreeCommand", "Path")]
        [InlineData("Remove-WtWorktree -Branch feature-x -Repository $args[0] -Force -Confirm:$false", "RemoveWtWorktreeCommand", "Repository")]
        [InlineData("Get-WtOrphanDaemon -Repository $args[0]", "GetWtOrphanDaemonCommand", "Repository")]
        [InlineData("Invoke-WtFsmonitorSweep -Repository $args[0] -Confirm:$false", "InvokeWtFsmonitorSweepCommand", "Repository")]
        [InlineData("Start-WtTether -WorkingDirectory $args[0] -- sh -c 'echo > \"$1\"' sh $args[1]", "StartWtTetherCommand", "WorkingDirectory")]
        public void A_NUL_in_a_path_parameter_is_InvalidPath_and_changes_nothing(string script, string command, string parameter)
        {
            var before = RepoSnapshot.Take(_sandbox);
            using var ps = new PowerShellSession(_sandbox.RepoPath);

            // Cut at the NUL, the path would name the worktree itself.
            var r = ps.Invoke(script, _worktree + "\0/../../..", Marker);

            AssertTerminating(r, "InvalidPath" + Commands + command);
            Assert.StartsWith("-" + parameter + " \"" + _worktree.Replace("\\", "\\\\", StringComparison.Ordinal) + "\\0/../../..\" contains a NUL character", r.Terminating!.ErrorRecord.Exception.Message, StringComparison.Ordinal);
            Assert.Equal(_worktree + "\0/../../..", r.Terminating.ErrorRecord.TargetObject);
            Assert.False(File.Exists(Marker));
            before.AssertUnchanged(_sandbox);
        }

        [Fact]
        public void A_path_PowerShell_itself_rejects_is_InvalidPath_not_a_raw_ArgumentException()
        {
            // Through the pipeline (by property name) too: every path goes through the same check.
            var before = RepoSnapshot.Take(_sandbox);
            using var ps = new PowerShellSession(_sandbox.RepoPath);
            var r = ps.Invoke("[pscustomobject]@{ Path = $args[0] } | Get-WtWorktree", "a\0b");
            AssertTerminating(r, "InvalidPath" + Commands + "GetWtWorktreeCommand");
            before.AssertUnchanged(_sandbox);
        }

        [Theory]
        [InlineData("Start-WtTether -FilePath sh -ArgumentList '-c', $args[2], sh, $args[0]", "InvalidCommandArgument")]
        [InlineData("Start-WtTether -- sh -c $args[2] sh $args[0]", "InvalidCommandArgument")]
        [InlineData("Start-WtTether -FilePath $args[1] -ArgumentList '-c', 'echo > \"$1\"', sh, $args[0]", "InvalidPath")]
        [InlineData("Start-WtTether -- $args[1] -c 'echo > \"$1\"' sh $args[0]", "InvalidPath")]
        [InlineData("Start-WtTether -Detach -FilePath sh -ArgumentList '-c', $args[2], sh, $args[0]", "InvalidCommandArgument")]
        [InlineData("Start-WtTether -WhatIf -FilePath sh -ArgumentList '-c', $args[2], sh, $args[0]", "InvalidCommandArgument")]
        public void A_NUL_in_the_program_or_an_argument_of_a_tether_starts_nothing(string script, string id)
        {
            var before = RepoSnapshot.Take(_sandbox);
            using var ps = new PowerShellSession(_worktree);

            // Cut at the NUL, each would still be a valid command that writes the marker.
            var r = ps.Invoke(script, Marker, "sh\0ell", "echo > \"$1\"\0; exit 3");

            AssertTerminating(r, id + Commands + "StartWtTetherCommand");
            Assert.Contains("\\0", r.Terminating!.ErrorRecord.Exception.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(Marker), "the truncated command ran");
            before.AssertUnchanged(_sandbox);

            // Without the NUL the same command runs: the test can fail.
            var fine = ps.Invoke("Start-WtTether -FilePath sh -ArgumentList '-c', 'echo > \"$1\"', sh, $args[0]", Marker);
            Assert.Null(fine.Terminating);
            Assert.True(File.Exists(Marker));
        }

        [Theory]
        [InlineData("Start-WtTether -FilePath $args[0]")]
        [InlineData("Start-WtTether -FilePath ./web")]
        [InlineData("Start-WtTether -FilePath web")]
        [InlineData("Start-WtTether -- ./web --port 3000")]
        [InlineData("Start-WtTether -Detach -FilePath ./web")]
        public void A_directory_as_the_program_is_CommandIsDirectory(string script)
        {
            var web = Path.Combine(_worktree, "web");
            Directory.CreateDirectory(web);
            var before = RepoSnapshot.Take(_sandbox);
            using var ps = new PowerShellSession(_worktree);

            var r = ps.Invoke(script, web);

            AssertTerminating(r, "CommandIsDirectory" + Commands + "StartWtTetherCommand");
            Assert.Contains("is a directory ('" + web + "')", r.Terminating!.ErrorRecord.Exception.Message, StringComparison.Ordinal);
            Assert.NotNull(r.Terminating.ErrorRecord.ErrorDetails?.RecommendedAction);
            before.AssertUnchanged(_sandbox);
        }

        [Fact]
        public void Branch_wildcards_match_case_sensitively_like_git()
        {
            using var ps = new PowerShellSession(_sandbox.RepoPath);

            var lower = ps.Invoke("Get-WtWorktree -Branch 'feature-*'");
            Assert.Equal(new[] { "feature-x" }, lower.All<WtWorktree>().Select(w => w.Branch));

            var upper = ps.Invoke("Get-WtWorktree -Branch 'Feature-*'");
            Assert.Equal(new[] { "Feature-Y" }, upper.All<WtWorktree>().Select(w => w.Branch));

            var none = ps.Invoke("Get-WtWorktree -Branch 'FEATURE-*'");
            Assert.Empty(none.Output);
            Assert.Empty(none.Errors);

            // git agrees: its pattern matching of ref names is case-sensitive.
            Assert.Equal("feature-x", _sandbox.Git(_sandbox.RepoPath, "branch", "--list", "feature-*", "--format=%(refname:short)").Trim());

            var literal = ps.Invoke("Get-WtWorktree -Branch FEATURE-X");
            Assert.Equal("WorktreeNotFound" + Commands + "GetWtWorktreeCommand", Assert.Single(literal.Errors).FullyQualifiedErrorId);
        }

        [Fact]
        public void Remove_WtWorktree_Branch_in_the_wrong_case_removes_nothing()
        {
            var before = RepoSnapshot.Take(_sandbox);
            using var ps = new PowerShellSession(_sandbox.RepoPath);

            var r = ps.Invoke("Remove-WtWorktree -Branch FEATURE-X -Force -Confirm:$false");

            Assert.Contains("BranchNotFound" + Commands + "RemoveWtWorktreeCommand", r.ErrorIds);
            before.AssertUnchanged(_sandbox);
            Assert.True(Directory.Exists(_worktree));
        }

        [Fact]
        public void The_branch_completer_completes_case_sensitively()
        {
            using var ps = new PowerShellSession(_sandbox.RepoPath);

            string[] Complete(string line) =>
                ps.Invoke("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches.CompletionText", line)
                    .Output.Where(o => o != null).Select(o => (string)o.BaseObject).OrderBy(t => t, StringComparer.Ordinal).ToArray();

            Assert.Equal(new[] { "feature-x" }, Complete("Get-WtWorktree -Branch fea"));
            Assert.Equal(new[] { "Feature-Y" }, Complete("Remove-WtWorktree -Branch Fea"));
            Assert.Empty(Complete("Get-WtWorktree -Branch FEA"));
            Assert.Equal(new[] { "Feature-Y", "feature-x", "main" }, Complete("Get-WtWorktree -Branch "));
        }
    }
}
