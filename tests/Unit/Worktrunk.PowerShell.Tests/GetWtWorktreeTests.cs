using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Worktrunk.IO;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests
{
    public sealed class GetWtWorktreeTests
    {
        [Fact]
        public void Emits_typed_worktrees_for_the_session_location_not_the_process_cwd()
        {
            using var sb = GitSandbox.Create();
            var feature = sb.AddWorktree("feature/a");
            using var ps = new PowerShellSession(Path.Combine(feature));
            Assert.NotEqual(PathUtil.Canonicalize(Environment.CurrentDirectory), PathUtil.Canonicalize(feature));

            var r = ps.Invoke("Get-WtWorktree");
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            var list = r.All<WtWorktree>();
            Assert.Equal(2, list.Count);
            Assert.Equal("Worktrunk.WtWorktree", r.Output[0].TypeNames[0]);
            Assert.True(list.Single(w => w.Branch == "feature/a").IsCurrent);
            Assert.True(list.Single(w => w.Branch == "main").IsMain);
        }

        [Fact]
        public void Branch_filter_takes_wildcards_and_reports_a_missing_literal_name()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("agent/one");
            sb.AddWorktree("agent/two");
            sb.AddWorktree("other");
            using var ps = new PowerShellSession(sb.RepoPath);

            var wild = ps.Invoke("Get-WtWorktree -Branch 'agent/*'");
            Assert.Equal(new[] { "agent/one", "agent/two" }, wild.All<WtWorktree>().Select(w => w.Branch).OrderBy(b => b));
            Assert.Empty(wild.Errors);

            var missing = ps.Invoke("Get-WtWorktree -Branch other, nope");
            Assert.Equal("other", missing.Single<WtWorktree>().Branch);
            var error = Assert.Single(missing.Errors);
            Assert.Equal("WorktreeNotFound,Worktrunk.PowerShell.Commands.GetWtWorktreeCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Equal("nope", error.TargetObject);
        }

        [Fact]
        public void Path_returns_the_worktree_containing_it_and_binds_from_the_pipeline()
        {
            using var sb = GitSandbox.Create();
            var a = sb.AddWorktree("a");
            Directory.CreateDirectory(Path.Combine(a, "src"));
            using var ps = new PowerShellSession(sb.RepoPath);

            var r = ps.Invoke("Get-WtWorktree -Path $args[0]", Path.Combine(a, "src"));
            Assert.Equal("a", r.Single<WtWorktree>().Branch);

            // By property name: anything with a Path property (here, the objects themselves).
            var round = ps.Invoke("Get-WtWorktree | Get-WtWorktree");
            Assert.Equal(2, round.Output.Count);

            var relative = ps.Invoke("$ExecutionContext.SessionState.Path.SetLocation($args[0]) | Out-Null; Get-WtWorktree -Path ./src", a);
            Assert.Equal("a", relative.Single<WtWorktree>().Branch);
        }

        [Fact]
        public void Where_Object_filtering_on_properties_works()
        {
            using var sb = GitSandbox.Create();
            var locked = sb.AddWorktree("locked");
            sb.AddWorktree("free");
            sb.Git(sb.RepoPath, "worktree", "lock", "--reason", "busy", locked);
            using var ps = new PowerShellSession(sb.RepoPath);

            var r = ps.Invoke("Get-WtWorktree | Where-Object IsLocked");
            var w = r.Single<WtWorktree>();
            Assert.Equal("locked", w.Branch);
            Assert.Equal("busy", w.LockReason);
        }

        [Fact]
        public void Outside_a_repository_is_a_terminating_NotARepository_error()
        {
            var dir = Path.Combine(Path.GetTempPath(), "wt-ps-norepo-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(dir);
            try
            {
                using var ps = new PowerShellSession(dir);
                var r = ps.Invoke("Get-WtWorktree");
                Assert.NotNull(r.Terminating);
                Assert.Equal("NotARepository,Worktrunk.PowerShell.Commands.GetWtWorktreeCommand", r.Terminating!.ErrorRecord.FullyQualifiedErrorId);
                Assert.Equal(ErrorCategory.ObjectNotFound, r.Terminating.ErrorRecord.CategoryInfo.Category);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Fact]
        public void A_non_filesystem_location_is_a_clear_error()
        {
            using var ps = new PowerShellSession();
            var r = ps.Invoke("$ExecutionContext.SessionState.Path.SetLocation('Variable:\\') | Out-Null; Get-WtWorktree");
            Assert.NotNull(r.Terminating);
            Assert.StartsWith("NotAFileSystemPath,", r.Terminating!.ErrorRecord.FullyQualifiedErrorId);

            var param = ps.Invoke("Get-WtWorktree -Repository 'Variable:\\'");
            Assert.StartsWith("NotAFileSystemPath,", param.Terminating!.ErrorRecord.FullyQualifiedErrorId);
        }

        [Fact]
        public void Verbose_shows_the_git_command_run()
        {
            using var sb = GitSandbox.Create();
            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("Get-WtWorktree -Verbose");
            Assert.Contains(r.Verbose, v => v.Contains("git --no-optional-locks -c core.quotepath=false", StringComparison.Ordinal) && v.Contains("worktree list --porcelain -z", StringComparison.Ordinal));
        }

        [Fact]
        public void Works_with_spaces_non_ascii_and_a_bare_repository()
        {
            using var sb = GitSandbox.Create("bäre repo.git", bare: true);
            var wt = Path.Combine(sb.Root, "wörk tree");
            sb.Git(sb.RepoPath, "worktree", "add", "-q", wt, "main");
            using var ps = new PowerShellSession(wt);
            var list = ps.Invoke("Get-WtWorktree").All<WtWorktree>();
            Assert.Equal(2, list.Count);
            Assert.True(list[0].IsBare);
            Assert.Equal(PathUtil.Canonicalize(wt), list[1].Path);
            Assert.True(list[1].IsCurrent);
        }

        [Fact]
        public void Default_view_renders_a_table_through_the_console_host()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("feature/view");
            sb.Git(sb.RepoPath, "worktree", "lock", "--reason", "busy", wt);
            var (code, stdout, stderr) = ShellRun.Run(sb.RepoPath, "Get-WtWorktree");
            Assert.True(code == 0, stderr);
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Matches(@"^Branch\s+State\s+Path\s*$", lines[0]);
            Assert.Contains(lines, l => l.StartsWith("main ", StringComparison.Ordinal) && l.Contains(" current, main ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(sb.RepoPath, StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("feature/view", StringComparison.Ordinal) && l.Contains("locked: busy", StringComparison.Ordinal));
            Assert.DoesNotContain("\u001b", stdout, StringComparison.Ordinal);
        }
    }
}
