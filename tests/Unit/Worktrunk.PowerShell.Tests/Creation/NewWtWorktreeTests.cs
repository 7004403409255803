using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using Worktrunk.PowerShell.Tests.Removal;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests.Creation
{
    /// <summary>New-WtWorktree through the hosted engine on real repositories (and a real clone of a real bare remote).</summary>
    public sealed class NewWtWorktreeTests
    {
        private const string Suffix = ",Worktrunk.PowerShell.Commands.NewWtWorktreeCommand";

        private static ErrorRecord RefusedUnchanged(GitSandbox sb, PowerShellSession ps, string script, string errorId, params object[] args)
        {
            return Refusals.Unchanged(sb, ps, script, errorId + Suffix, args);
        }

        private static string Sha(string dir, string rev) => GitSandbox.TryGit(dir, "rev-parse", "--verify", "--quiet", rev).Stdout.Trim();

        [Fact]
        public void Creates_a_worktree_and_emits_the_object_Get_WtWorktree_emits()
        {
            using var sb = GitSandbox.Create("myproject");
            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("New-WtWorktree feature/auth");
            Assert.Empty(r.Errors);
            var o = Assert.Single(r.Output);
            Assert.Equal("Worktrunk.WtWorktree", o.TypeNames[0]);
            var w = (WtWorktree)o.BaseObject;
            Assert.Equal(Path.Combine(sb.Root, "myproject.feature-auth"), w.Path);
            Assert.Equal("feature/auth", w.Branch);

            var listed = ps.Invoke("Get-WtWorktree -Branch feature/auth").Single<WtWorktree>();
            Assert.Equal(listed.Path, w.Path);
            Assert.Equal(listed.GitDir, w.GitDir);
            Assert.Equal(listed.Head, w.Head);
        }

        [Fact]
        public void Branch_names_bind_from_the_pipeline_and_the_output_pipes_into_Remove_WtWorktree()
        {
            using var sb = GitSandbox.Create("app");
            sb.Git(sb.RepoPath, "tag", "v1");
            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("'agent/1', 'agent/2' | New-WtWorktree; [pscustomobject]@{ Branch = 'agent/3'; Base = 'v1' } | New-WtWorktree");
            Assert.Empty(r.Errors);
            Assert.Equal(new[] { "agent/1", "agent/2", "agent/3" }, r.All<WtWorktree>().Select(w => w.Branch).ToArray());
            Assert.All(r.All<WtWorktree>(), w => Assert.True(Directory.Exists(w.Path)));

            // A refusal in the middle of a pipeline is per branch: the others are created.
            r = ps.Invoke("'agent/4', 'bad name', 'agent/5' | New-WtWorktree");
            Assert.Equal(new[] { "agent/4", "agent/5" }, r.All<WtWorktree>().Select(w => w.Branch).ToArray());
            Assert.Equal("InvalidBranchName" + Suffix, Assert.Single(r.Errors).FullyQualifiedErrorId);
            Assert.Equal("bad name", r.Errors[0].TargetObject);

            // The object binds to Remove-WtWorktree (-InputObject by value).
            var path = Path.Combine(sb.Root, "app.agent-6");
            r = ps.Invoke("New-WtWorktree agent/6 | Remove-WtWorktree -Wait -PassThru");
            Assert.Empty(r.Errors);
            Assert.Single(r.Output);
            Assert.False(Directory.Exists(path));
        }

        [Fact]
        public void Every_refusal_has_its_id_and_leaves_the_repository_byte_for_byte_unchanged()
        {
            using var sb = GitSandbox.Create("repo");
            var busy = sb.AddWorktree("busy");
            sb.Git(sb.RepoPath, "branch", "parked");
            var full = Path.Combine(sb.Root, "full");
            Directory.CreateDirectory(full);
            File.WriteAllText(Path.Combine(full, "keep.txt"), "mine\n");
            var empty = Path.Combine(sb.Root, "empty");
            Directory.CreateDirectory(empty);
            File.CreateSymbolicLink(Path.Combine(sb.Root, "link"), empty);
            using var ps = new PowerShellSession(sb.RepoPath);

            var e = RefusedUnchanged(sb, ps, "New-WtWorktree busy", "BranchCheckedOut");
            Assert.Equal(ErrorCategory.ResourceBusy, e.CategoryInfo.Category);
            Assert.Equal("busy", e.TargetObject);
            Assert.Contains(busy, e.Exception.Message, StringComparison.Ordinal);
            Assert.Contains("Get-WtWorktree -Branch 'busy' | Set-Location", e.ErrorDetails.RecommendedAction, StringComparison.Ordinal);

            Assert.Equal(ErrorCategory.InvalidArgument, RefusedUnchanged(sb, ps, "New-WtWorktree 'bad..name'", "InvalidBranchName").CategoryInfo.Category);
            RefusedUnchanged(sb, ps, "New-WtWorktree -Branch '-f' -Path x", "InvalidBranchName");
            RefusedUnchanged(sb, ps, "New-WtWorktree fresh -Base no-such-ref", "BaseNotFound");
            RefusedUnchanged(sb, ps, "New-WtWorktree parked -Base main", "BaseWithExistingBranch");
            RefusedUnchanged(sb, ps, "New-WtWorktree fresh -Path $args[0]", "WorktreePathExists", full);
            RefusedUnchanged(sb, ps, "New-WtWorktree fresh -Path ../full", "WorktreePathExists");
            RefusedUnchanged(sb, ps, "New-WtWorktree fresh -Path $args[0]", "WorktreePathExists", busy);
            RefusedUnchanged(sb, ps, "New-WtWorktree fresh -Path ../link", "WorktreePathIsSymlink");
            RefusedUnchanged(sb, ps, "New-WtWorktree $args[0]", "InvalidBranchName", "a\0b");
            RefusedUnchanged(sb, ps, "New-WtWorktree fresh -Base $args[0]", "BaseNotFound", "main\0x");
            var nul = ps.Invoke("New-WtWorktree fresh -Path $args[0]", "x\0y");
            Assert.Equal("InvalidPath" + Suffix, nul.Terminating?.ErrorRecord.FullyQualifiedErrorId);
            sb.Git(sb.RepoPath, "config", "worktrunk.worktreePath", "../{nope}");
            RefusedUnchanged(sb, ps, "New-WtWorktree fresh", "WorktreePathTemplateInvalid");
            Assert.Equal(1, GitSandbox.TryGit(sb.RepoPath, "rev-parse", "--verify", "--quiet", "refs/heads/fresh").Code);
        }

        [Fact]
        public void A_branch_from_a_remote_tracking_base_has_no_upstream_and_a_remote_only_branch_tracks_its_remote()
        {
            using var sb = GitSandbox.Create("origin.git", bare: true);
            var clone = Path.Combine(sb.Root, "app");
            sb.Git(sb.Root, "clone", "-q", sb.RepoPath, clone);
            sb.Git(sb.RepoPath, "branch", "remote-only", "main");
            sb.Git(clone, "fetch", "-q", "origin");
            using var ps = new PowerShellSession(clone);

            var w = ps.Invoke("New-WtWorktree agent/x -Base origin/main").Single<WtWorktree>();
            Assert.Equal(Sha(clone, "origin/main"), w.Head);
            Assert.Equal(1, GitSandbox.TryGit(clone, "config", "--get", "branch.agent/x.remote").Code);

            w = ps.Invoke("New-WtWorktree remote-only").Single<WtWorktree>();
            Assert.Equal("remote-only", w.Branch);
            Assert.Equal("origin", sb.Git(clone, "config", "--get", "branch.remote-only.remote").Trim());

            sb.Git(sb.RepoPath, "branch", "both", "main");
            sb.Git(clone, "remote", "add", "second", sb.RepoPath);
            sb.Git(clone, "fetch", "-q", "--all");
            RefusedUnchanged(sb, ps, "New-WtWorktree both", "BranchOnSeveralRemotes");
        }

        [Fact]
        public void WhatIf_creates_nothing_and_Verbose_shows_the_git_command()
        {
            using var sb = GitSandbox.Create("app");
            using var ps = new PowerShellSession(sb.RepoPath);
            var before = RepoSnapshot.Take(sb);
            var r = ps.Invoke("New-WtWorktree dry -WhatIf");
            Assert.Empty(r.Output);
            Assert.Empty(r.Errors);
            before.AssertUnchanged(sb);

            r = ps.Invoke("New-WtWorktree wet -Verbose");
            var path = Path.Combine(sb.Root, "app.wet");
            Assert.Contains(r.Verbose, v => v.Contains("-c core.fsmonitor=false worktree add --no-track -b wet -- " + path + " ", StringComparison.Ordinal));
        }

        [Fact]
        public void Paths_resolve_against_the_session_and_Enter_moves_the_session()
        {
            using var sb = GitSandbox.Create("app");
            var elsewhere = Path.Combine(sb.Root, "elsewhere");
            Directory.CreateDirectory(elsewhere);
            using var ps = new PowerShellSession(elsewhere);
            Assert.NotEqual(elsewhere, Directory.GetCurrentDirectory());

            var w = ps.Invoke("New-WtWorktree rel -Repository $args[0] -Path ./trees/rel", sb.RepoPath).Single<WtWorktree>();
            Assert.Equal(Path.Combine(elsewhere, "trees", "rel"), w.Path);
            Assert.Equal(elsewhere, ps.Location);

            w = ps.Invoke("New-WtWorktree inside -Repository $args[0] -Enter", sb.RepoPath).Single<WtWorktree>();
            Assert.Equal(Path.Combine(sb.Root, "app.inside"), ps.Location);
            Assert.True(w.IsCurrent);
        }

        [Fact]
        public void Base_completes_local_and_remote_tracking_branches()
        {
            using var sb = GitSandbox.Create("origin.git", bare: true);
            var clone = Path.Combine(sb.Root, "app");
            sb.Git(sb.Root, "clone", "-q", sb.RepoPath, clone);
            sb.Git(clone, "branch", "feature/one");
            using var ps = new PowerShellSession(clone);

            string[] Complete(string line) =>
                ps.Invoke("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches.CompletionText", line)
                    .Output.Where(o => o != null).Select(o => (string)o.BaseObject).OrderBy(t => t, StringComparer.Ordinal).ToArray();

            Assert.Equal(new[] { "feature/one", "main", "origin/main" }, Complete("New-WtWorktree x -Base "));
            Assert.Equal(new[] { "origin/main" }, Complete("New-WtWorktree x -Base orig"));
            Assert.Empty(Complete("New-WtWorktree x -Base Orig"));
        }

        [Fact]
        public void The_cmdlet_declares_its_contract()
        {
            using var ps = new PowerShellSession();
            var type = (Type)ps.Invoke("(Get-Command New-WtWorktree).ImplementingType").Output.Single().BaseObject;
            Assert.True(type.IsSealed);
            var cmdlet = type.GetCustomAttribute<CmdletAttribute>()!;
            Assert.True(cmdlet.SupportsShouldProcess);
            Assert.Equal(ConfirmImpact.Low, cmdlet.ConfirmImpact);
            Assert.Equal(typeof(WtWorktree), Assert.Single(type.GetCustomAttribute<OutputTypeAttribute>()!.Type).Type);
            var branch = type.GetProperty("Branch")!.GetCustomAttribute<ParameterAttribute>()!;
            Assert.True(branch.Mandatory && branch.ValueFromPipeline && branch.ValueFromPipelineByPropertyName);
            Assert.Equal(0, branch.Position);
        }
    }
}
