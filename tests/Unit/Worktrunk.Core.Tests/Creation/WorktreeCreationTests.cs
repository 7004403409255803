using System;
using System.IO;
using System.Linq;
using Worktrunk.Creation;
using Worktrunk.Diagnostics;
using Worktrunk.PowerShell.Tests.Removal;
using Worktrunk.TestSupport;
using Xunit;
using static Worktrunk.Core.Tests.Creation.CreationFixture;

namespace Worktrunk.Core.Tests.Creation
{
    /// <summary>New-WtWorktree's operation on real repositories (and a real clone of a real bare remote), through a RecordingOperationHost.</summary>
    public sealed class WorktreeCreationTests
    {
        [Fact]
        public void A_new_branch_starts_at_the_default_branch_in_a_sibling_directory_with_no_upstream()
        {
            using var sb = GitSandbox.Create("myproject");
            sb.Git(sb.RepoPath, "config", "branch.autoSetupMerge", "always");
            var (created, host) = Create(sb.RepoPath, "feature/auth");

            var expected = Path.Combine(sb.Root, "myproject.feature-auth");
            Assert.NotNull(created);
            Assert.Same(created, Assert.Single(host.Outputs));
            Assert.Equal(expected, created!.Path);
            Assert.Equal("feature/auth", created.Branch);
            Assert.Equal(Sha(sb.RepoPath, "main"), created.Head);
            Assert.False(created.IsMain);
            Assert.False(created.IsCurrent);
            Assert.True(created.Exists);
            Assert.Equal(Sha(sb.RepoPath, "main"), Sha(sb.RepoPath, "refs/heads/feature/auth"));
            Assert.True(File.Exists(Path.Combine(expected, "README.md")));

            // One question, about the destination; the git call with -- before the path, shown to -Verbose.
            var (target, action) = Assert.Single(host.Questions);
            Assert.Equal(expected, target);
            Assert.Contains("feature/auth", action, StringComparison.Ordinal);
            Assert.Contains(host.VerboseLines, v => v.Contains("worktree add --no-track -b feature/auth -- " + expected + " " + Sha(sb.RepoPath, "main"), StringComparison.Ordinal));

            // No upstream even with branch.autoSetupMerge=always (a local base would otherwise be tracked).
            Assert.Null(Config(sb.RepoPath, "branch.feature/auth.remote"));
            Assert.Null(Config(sb.RepoPath, "branch.feature/auth.merge"));
            Assert.Empty(host.Errors);
        }

        [Fact]
        public void Base_names_a_branch_a_tag_or_a_commit()
        {
            using var sb = GitSandbox.Create();
            sb.CommitFile(sb.RepoPath, "two.txt", "2\n", "two");
            var first = Sha(sb.RepoPath, "main~1");
            sb.Git(sb.RepoPath, "tag", "-a", "-m", "v1", "v1", first);
            sb.Git(sb.RepoPath, "branch", "old", first);

            Assert.Equal(first, Create(sb.RepoPath, "from-tag", "v1").Created!.Head);
            Assert.Equal(first, Create(sb.RepoPath, "from-branch", "old").Created!.Head);
            Assert.Equal(first, Create(sb.RepoPath, "from-sha", first.Substring(0, 12)).Created!.Head);
            Assert.Equal(Sha(sb.RepoPath, "main"), Create(sb.RepoPath, "from-default").Created!.Head);
        }

        [Fact]
        public void An_existing_local_branch_is_checked_out_as_it_is()
        {
            using var sb = GitSandbox.Create();
            var wt = sb.AddWorktree("existing");
            sb.CommitFile(wt, "work.txt", "work\n", "work");
            var tip = Sha(sb.RepoPath, "existing");
            sb.Git(sb.RepoPath, "worktree", "remove", wt);

            var (created, host) = Create(sb.RepoPath, "existing");
            Assert.Equal(tip, created!.Head);
            Assert.Equal(tip, Sha(sb.RepoPath, "refs/heads/existing"));
            Assert.Contains(host.VerboseLines, v => v.Contains("worktree add -- " + created.Path + " existing", StringComparison.Ordinal));
        }

        [Fact]
        public void The_path_template_in_git_config_places_the_worktree_relative_to_the_main_worktree()
        {
            using var sb = GitSandbox.Create("app");
            sb.Git(sb.RepoPath, "config", "worktrunk.worktreePath", ".worktrees/{repo}-{branch}");
            var sub = Path.Combine(sb.RepoPath, "src");
            Directory.CreateDirectory(sub);

            // From a subdirectory: relative to the main worktree, never to the location or the process.
            var created = Create(sub, "agent/7").Created!;
            Assert.Equal(Path.Combine(sb.RepoPath, ".worktrees", "app-agent-7"), created.Path);

            sb.Git(sb.RepoPath, "config", "worktrunk.worktreePath", Path.Combine(sb.Root, "trees", "{branch}"));
            Assert.Equal(Path.Combine(sb.Root, "trees", "b"), Create(sb.RepoPath, "b").Created!.Path);

            sb.Git(sb.RepoPath, "config", "worktrunk.worktreePath", "../{owner}/{branch}");
            var before = RepoSnapshot.Take(sb);
            var e = Refused(sb.RepoPath, "c", ErrorIds.WorktreePathTemplateInvalid);
            Assert.Contains("{owner}", e.Message, StringComparison.Ordinal);
            before.AssertUnchanged(sb);
        }

        [Fact]
        public void Path_template_expansion()
        {
            Assert.Equal("/src/app.feature-x", WorktreePathTemplate.Expand(null, "/src/app", "feature/x", "/home/u"));
            Assert.Equal("/src/app.a-b-c", WorktreePathTemplate.Expand(null, "/src/app/", "a/b\\c", "/home/u"));
            Assert.Equal("/home/u/wt/app/x", WorktreePathTemplate.Expand("~/wt/{repo}/{branch}", "/src/app", "x", "/home/u"));
            Assert.Equal("/src/app/.wt/x", WorktreePathTemplate.Expand(".wt/{branch}", "/src/app", "x", null));
            Assert.Equal("/abs/x", WorktreePathTemplate.Expand("/abs/{branch}", "/src/app", "x", null));
            foreach (var bad in new[] { "", "  ", "../{repo", "../}x", "../{Branch}", "{owner}", "~/x" })
            {
                var e = Assert.Throws<WorktrunkException>(() => WorktreePathTemplate.Expand(bad, "/src/app", "x", null));
                Assert.Equal(ErrorIds.WorktreePathTemplateInvalid, e.ErrorId);
            }
        }

        [Fact]
        public void Every_refusal_changes_nothing_and_creates_no_branch()
        {
            using var sb = GitSandbox.Create("repo");
            var busy = sb.AddWorktree("busy");
            sb.Git(sb.RepoPath, "branch", "parked");
            var full = Path.Combine(sb.Root, "full");
            Directory.CreateDirectory(full);
            File.WriteAllText(Path.Combine(full, "keep.txt"), "mine\n");
            var file = Path.Combine(sb.Root, "a-file");
            File.WriteAllText(file, "x\n");
            var emptyTarget = Path.Combine(sb.Root, "empty-target");
            Directory.CreateDirectory(emptyTarget);
            var link = Path.Combine(sb.Root, "link");
            File.CreateSymbolicLink(link, emptyTarget);
            var dangling = Path.Combine(sb.Root, "dangling");
            File.CreateSymbolicLink(dangling, Path.Combine(sb.Root, "nowhere"));
            var missing = sb.AddWorktree("gone");
            Directory.Delete(missing, true);

            var before = RepoSnapshot.Take(sb);

            var e = Refused(sb.RepoPath, "busy", ErrorIds.BranchCheckedOut);
            Assert.Contains(busy, e.Message, StringComparison.Ordinal);
            Assert.Contains(busy, e.Hint, StringComparison.Ordinal);
            Assert.Contains("Get-WtWorktree -Branch 'busy' | Set-Location", e.Hint, StringComparison.Ordinal);
            Assert.Contains(sb.RepoPath, Refused(busy, "main", ErrorIds.BranchCheckedOut).Message, StringComparison.Ordinal);

            foreach (var name in new[] { "bad name", "-dash", "a..b", "HEAD", "x.lock", "@{-1}", "-", "trail/" })
            {
                Refused(sb.RepoPath, name, ErrorIds.InvalidBranchName);
            }

            Assert.Contains("nope", Refused(sb.RepoPath, "new1", ErrorIds.BaseNotFound, baseRef: "nope").Message, StringComparison.Ordinal);
            Refused(sb.RepoPath, "new1", ErrorIds.BaseNotFound, baseRef: "--all");
            Refused(sb.RepoPath, "new1", ErrorIds.BaseNotFound, baseRef: "main^{tree}");
            Refused(sb.RepoPath, "parked", ErrorIds.BaseWithExistingBranch, baseRef: "main");

            Assert.Contains("not empty", Refused(sb.RepoPath, "new2", ErrorIds.WorktreePathExists, path: full).Message, StringComparison.Ordinal);
            Refused(sb.RepoPath, "new2", ErrorIds.WorktreePathExists, path: file);
            Refused(sb.RepoPath, "new2", ErrorIds.WorktreePathExists, path: busy);
            Refused(sb.RepoPath, "new2", ErrorIds.WorktreePathExists, path: missing);
            Refused(sb.RepoPath, "new2", ErrorIds.WorktreePathExists, path: sb.RepoPath);
            Refused(sb.RepoPath, "new2", ErrorIds.WorktreePathIsSymlink, path: link);
            Refused(sb.RepoPath, "new2", ErrorIds.WorktreePathIsSymlink, path: dangling);

            // The default path taken by a file: refused the same way.
            File.WriteAllText(Path.Combine(sb.Root, "repo.taken"), "x\n");
            before = RepoSnapshot.Take(sb);
            Refused(sb.RepoPath, "taken", ErrorIds.WorktreePathExists);
            before.AssertUnchanged(sb);
            Assert.False(BranchExists(sb.RepoPath, "new1"));
            Assert.False(BranchExists(sb.RepoPath, "new2"));
        }

        [Fact]
        public void In_a_bare_repository_the_default_path_is_beside_the_bare_directory()
        {
            using var sb = GitSandbox.Create("store.git", bare: true);
            var created = Create(sb.RepoPath, "agent/1").Created!;
            Assert.Equal(Path.Combine(sb.Root, "store.git.agent-1"), created.Path);
            Assert.Equal(Sha(sb.RepoPath, "main"), created.Head);
            Assert.False(created.IsBare);
        }

        [Fact]
        public void An_empty_directory_is_taken_and_missing_parents_are_created()
        {
            using var sb = GitSandbox.Create();
            var empty = Path.Combine(sb.Root, "empty");
            Directory.CreateDirectory(empty);
            Assert.Equal(empty, Create(sb.RepoPath, "e", path: empty).Created!.Path);
            var deep = Path.Combine(sb.Root, "a", "b", "c");
            Assert.Equal(deep, Create(sb.RepoPath, "d", path: deep).Created!.Path);
        }

        [Fact]
        public void A_symlinked_parent_is_resolved_once_and_git_gets_the_real_path()
        {
            using var sb = GitSandbox.Create();
            var real = Path.Combine(sb.Root, "real");
            Directory.CreateDirectory(real);
            var alias = Path.Combine(sb.Root, "alias");
            File.CreateSymbolicLink(alias, real);
            var (created, host) = Create(sb.RepoPath, "s", path: Path.Combine(alias, "wt"));
            Assert.Equal(Path.Combine(real, "wt"), created!.Path);
            Assert.Equal(Path.Combine(real, "wt"), host.Questions.Single().Target);
        }

        [Fact]
        public void A_dash_leading_path_is_a_path_not_an_option()
        {
            using var sb = GitSandbox.Create();
            var path = Path.Combine(sb.Root, "-b");
            var (created, host) = Create(sb.RepoPath, "dash", path: path);
            Assert.Equal(path, created!.Path);
            Assert.True(Directory.Exists(Path.Combine(path, ".git")) || File.Exists(Path.Combine(path, ".git")));
            Assert.Empty(host.Errors);
        }

        [Fact]
        public void WhatIf_asks_and_creates_nothing()
        {
            using var sb = GitSandbox.Create();
            var before = RepoSnapshot.Take(sb);
            var (created, host) = Create(sb.RepoPath, "dry", whatIf: true);
            Assert.Null(created);
            Assert.Empty(host.Outputs);
            Assert.Empty(host.Errors);
            Assert.Single(host.Questions);
            Assert.DoesNotContain(host.VerboseLines, v => v.Contains("worktree add", StringComparison.Ordinal));
            before.AssertUnchanged(sb);
        }

        [Fact]
        public void Answering_no_and_Ctrl_C_before_git_leave_nothing()
        {
            using var sb = GitSandbox.Create();
            var before = RepoSnapshot.Take(sb);

            var host = new RecordingOperationHost(sb.RepoPath) { Approve = (_, _) => false };
            Assert.Null(Worktrunk.Operations.WorktreeCreation.Run(new CreationRequest("declined"), new Worktrunk.Git.GitRunner(host.Sink), host));
            Assert.Single(host.Questions);
            Assert.Empty(host.Errors);
            before.AssertUnchanged(sb);

            // Ctrl+C after the question, at the last moment before git: nothing runs, nothing is reported.
            var stopped = new RecordingOperationHost(sb.RepoPath);
            var request = new CreationRequest("stopped") { OnStep = step => stopped.Cancel() };
            Assert.Null(Worktrunk.Operations.WorktreeCreation.Run(request, new Worktrunk.Git.GitRunner(stopped.Sink, stopped.Cancellation), stopped));
            Assert.Empty(stopped.Errors);
            Assert.DoesNotContain(stopped.VerboseLines, v => v.Contains("worktree add", StringComparison.Ordinal));
            before.AssertUnchanged(sb);
        }

        [Fact]
        public void Ctrl_C_while_git_runs_lets_git_finish_and_skips_Enter()
        {
            using var sb = GitSandbox.Create();
            var host = new RecordingOperationHost(sb.RepoPath);
            var git = new Worktrunk.Git.GitRunner(host.Sink, host.Cancellation);

            // The cancellation arrives while git worktree add runs: its first verbose line is the moment it starts.
            var request = new CreationRequest("finished") { Enter = true };
            var sink = new CancelOnCommand(host, "worktree add");
            var created = Worktrunk.Operations.WorktreeCreation.Run(request, git.Derive(sink, host.Cancellation), host);

            Assert.True(host.Cancellation.IsCancellationRequested);
            Assert.NotNull(created);
            Assert.True(BranchExists(sb.RepoPath, "finished"));
            Assert.False(File.Exists(Path.Combine(sb.CommonDir, "refs", "heads", "finished.lock")));
            Assert.Empty(host.Moves);
            Assert.Empty(host.Errors);
        }

        /// <summary>Presses Ctrl+C on the host when a command containing <c>text</c> is about to run.</summary>
        private sealed class CancelOnCommand : IDiagnosticSink
        {
            private readonly RecordingOperationHost _host;
            private readonly string _text;

            internal CancelOnCommand(RecordingOperationHost host, string text)
            {
                _host = host;
                _text = text;
            }

            public void Verbose(string message)
            {
                _host.Verbose(message);
                if (message.Contains(_text, StringComparison.Ordinal))
                {
                    _host.Cancel();
                }
            }

            public void Warning(string message) => _host.Warning(message);

            public void Debug(string message)
            {
            }

            public void Progress(int activityId, string activity, string status, int percent, bool completed)
            {
            }
        }

        [Fact]
        public void Enter_moves_the_session_and_the_object_says_it_is_current()
        {
            using var sb = GitSandbox.Create();
            var (created, host) = Create(sb.RepoPath, "go", enter: true);
            Assert.Equal(created!.Path, Assert.Single(host.Moves));
            Assert.True(created.IsCurrent);
        }

        [Fact]
        public void A_branch_from_a_remote_tracking_base_has_no_upstream()
        {
            var (sb, clone) = CloneWithRemote();
            using (sb)
            {
                var created = Create(clone, "agent/1", "origin/main").Created!;
                Assert.Equal(Sha(clone, "origin/main"), created.Head);
                Assert.Null(Config(clone, "branch.agent/1.remote"));
                Assert.Null(Config(clone, "branch.agent/1.merge"));

                // The default base in a clone is the local default branch (origin/HEAD → main).
                Assert.Equal(Sha(clone, "main"), Create(clone, "agent/2").Created!.Head);
                Assert.Null(Config(clone, "branch.agent/2.remote"));
            }
        }

        [Fact]
        public void A_branch_only_on_one_remote_becomes_a_local_branch_tracking_it()
        {
            var (sb, clone) = CloneWithRemote();
            using (sb)
            {
                Assert.False(BranchExists(clone, "remote-only"));
                var (created, host) = Create(clone, "remote-only");
                Assert.Equal(Sha(clone, "origin/remote-only"), created!.Head);
                Assert.Equal("origin", Config(clone, "branch.remote-only.remote"));
                Assert.Equal("refs/heads/remote-only", Config(clone, "branch.remote-only.merge"));
                Assert.Contains(host.VerboseLines, v => v.Contains("worktree add --track -b remote-only -- " + created.Path + " refs/remotes/origin/remote-only", StringComparison.Ordinal));
            }
        }

        [Fact]
        public void A_remote_branch_whose_name_only_ends_like_the_branch_is_not_the_branch()
        {
            var (sb, clone) = CloneWithRemote();
            using (sb)
            {
                // origin has feature/only; "only" is a new branch, not origin/feature's "only".
                sb.Git(sb.RepoPath, "branch", "feature/only", "main");
                sb.Git(clone, "fetch", "-q", "origin");
                var (created, host) = Create(clone, "only");
                Assert.Equal(Sha(clone, "main"), created!.Head);
                Assert.Null(Config(clone, "branch.only.remote"));
                Assert.Contains(host.VerboseLines, v => v.Contains("worktree add --no-track -b only -- ", StringComparison.Ordinal));
            }
        }

        [Fact]
        public void A_branch_on_two_remotes_and_Base_with_a_remote_branch_are_refused_unchanged()
        {
            var (sb, clone) = CloneWithRemote();
            using (sb)
            {
                var before = RepoSnapshot.Take(sb);
                Refused(clone, "remote-only", ErrorIds.BaseWithExistingBranch, baseRef: "main");
                before.AssertUnchanged(sb);

                sb.Git(clone, "remote", "add", "upstream", sb.RepoPath);
                sb.Git(clone, "fetch", "-q", "upstream");
                before = RepoSnapshot.Take(sb);
                var e = Refused(clone, "remote-only", ErrorIds.BranchOnSeveralRemotes);
                Assert.Contains("'origin'", e.Message, StringComparison.Ordinal);
                Assert.Contains("'upstream'", e.Message, StringComparison.Ordinal);
                before.AssertUnchanged(sb);
            }
        }

        [Fact]
        public void A_racer_taking_the_path_after_the_checks_makes_git_fail_and_the_branch_it_created_is_deleted()
        {
            using var sb = GitSandbox.Create("repo");
            var path = Path.Combine(sb.Root, "repo.raced");
            var steps = new System.Collections.Generic.List<CreationStep>();
            var before = (RepoSnapshot?)null;
            var (created, host) = Create(sb.RepoPath, "raced", onStep: step =>
            {
                steps.Add(step);
                if (step == CreationStep.BeforeWorktreeAdd)
                {
                    // Someone else's directory appears at the destination between the checks and git.
                    Directory.CreateDirectory(path);
                    File.WriteAllText(Path.Combine(path, "theirs.txt"), "not yours\n");
                    before = RepoSnapshot.Take(sb);
                }
                else
                {
                    // git did create the branch before failing: the cleanup has work to do.
                    Assert.True(BranchExists(sb.RepoPath, "raced"));
                }
            });

            Assert.Null(created);
            Assert.Equal(new[] { CreationStep.BeforeWorktreeAdd, CreationStep.BeforeCleanup }, steps);
            var (error, _) = Assert.Single(host.Errors);
            Assert.Equal(ErrorIds.WorktreeCreateFailed, error.ErrorId);
            Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
            Assert.False(BranchExists(sb.RepoPath, "raced"));
            Assert.Equal("not yours\n", File.ReadAllText(Path.Combine(path, "theirs.txt")));
            before!.AssertUnchanged(sb);
            Assert.Empty(host.Warnings);
        }

        [Fact]
        public void A_failed_tracking_call_leaves_neither_the_branch_nor_its_config()
        {
            var (sb, clone) = CloneWithRemote();
            using (sb)
            {
                sb.Git(clone, "config", "branch.remote-only.description", "kept as it was");
                var path = Path.Combine(sb.Root, "app.remote-only");
                RepoSnapshot? before = null;
                var (created, host) = Create(clone, "remote-only", onStep: step =>
                {
                    if (step == CreationStep.BeforeWorktreeAdd)
                    {
                        Directory.CreateDirectory(path);
                        File.WriteAllText(Path.Combine(path, "theirs.txt"), "x\n");
                        before = RepoSnapshot.Take(sb);
                    }
                    else
                    {
                        Assert.Equal("origin", Config(clone, "branch.remote-only.remote"));
                    }
                });

                Assert.Null(created);
                Assert.Equal(ErrorIds.WorktreeCreateFailed, host.Errors.Single().Error.ErrorId);
                Assert.False(BranchExists(clone, "remote-only"));
                Assert.Null(Config(clone, "branch.remote-only.remote"));
                Assert.Null(Config(clone, "branch.remote-only.merge"));
                Assert.Equal("kept as it was", Config(clone, "branch.remote-only.description"));

                // Without other keys, the section git wrote goes entirely: the config file holds the
                // same bytes as before (git rewrote it, so only its modification time differs), and
                // the refs and registrations are as they were.
                sb.Git(clone, "config", "--remove-section", "branch.remote-only");
                Directory.Delete(path, true);
                var config = Path.Combine(clone, ".git", "config");
                byte[]? configBefore = null;
                string? refsBefore = null;
                var (again, host2) = Create(clone, "remote-only", onStep: step =>
                {
                    if (step == CreationStep.BeforeWorktreeAdd)
                    {
                        Directory.CreateDirectory(path);
                        File.WriteAllText(Path.Combine(path, "theirs.txt"), "x\n");
                        configBefore = File.ReadAllBytes(config);
                        refsBefore = sb.Git(clone, "for-each-ref", "--format=%(refname) %(objectname) %(upstream)");
                    }
                    else
                    {
                        Assert.NotEqual(configBefore, File.ReadAllBytes(config));
                    }
                });
                Assert.Null(again);
                Assert.Equal(ErrorIds.WorktreeCreateFailed, host2.Errors.Single().Error.ErrorId);
                Assert.Equal(configBefore, File.ReadAllBytes(config));
                Assert.Equal(refsBefore, sb.Git(clone, "for-each-ref", "--format=%(refname) %(objectname) %(upstream)"));
                Assert.False(Directory.Exists(Path.Combine(clone, ".git", "worktrees")));
            }
        }

        [Fact]
        public void A_branch_created_by_someone_else_during_the_call_is_not_deleted()
        {
            using var sb = GitSandbox.Create();
            sb.CommitFile(sb.RepoPath, "two.txt", "2\n", "two");
            var (created, host) = Create(sb.RepoPath, "contested", onStep: step =>
            {
                if (step == CreationStep.BeforeWorktreeAdd)
                {
                    // Another process creates the branch at another commit: git's `git branch` then fails.
                    sb.Git(sb.RepoPath, "branch", "contested", "main~1");
                }
            });

            Assert.Null(created);
            Assert.Equal(ErrorIds.WorktreeCreateFailed, host.Errors.Single().Error.ErrorId);
            Assert.Equal(Sha(sb.RepoPath, "main~1"), Sha(sb.RepoPath, "refs/heads/contested"));
            Assert.Contains(host.Warnings, w => w.Contains("not ours to delete", StringComparison.Ordinal));
        }

        [Fact]
        public void Outside_a_repository_is_NotARepository()
        {
            using var sb = GitSandbox.Create();
            var outside = Path.Combine(sb.Root, "plain");
            Directory.CreateDirectory(outside);
            File.WriteAllText(Path.Combine(sb.Root, ".git"), "not a gitdir\n");
            var (created, host) = Create(outside, "x");
            Assert.Null(created);
            Assert.Contains(host.Errors.Single().Error.ErrorId, new[] { ErrorIds.NotARepository });
        }

        [RealGitFact]
        public void With_core_fsmonitor_true_no_daemon_is_started_for_the_new_worktree()
        {
            using var sb = GitSandbox.Create();
            using var procs = new TestProcesses();
            RealGit.Git(sb.RepoPath, "config", "core.fsmonitor", "true");

            var created = Create(sb.RepoPath, "quiet", gitExecutable: RealGit.Executable).Created!;
            var socket = Path.Combine(created.GitDir!, "fsmonitor--daemon.ipc");
            Assert.Null(RealDaemon.ListenerOf(socket));
            Assert.Null(RealDaemon.ListenerOf(Path.Combine(sb.CommonDir, "fsmonitor--daemon.ipc")));

            // The control: the same git call without -c core.fsmonitor=false does start one (so the check above can fail).
            var control = Path.Combine(sb.Root, "control");
            RealGit.Git(sb.RepoPath, "worktree", "add", "-q", "--no-track", "-b", "control", "--", control, "main");
            var controlSocket = Path.Combine(Worktrunk.IO.PathUtil.Canonicalize(RealGit.Git(control, "rev-parse", "--absolute-git-dir").Trim()), "fsmonitor--daemon.ipc");
            var pid = RealDaemon.ListenerOf(controlSocket);
            if (pid != null)
            {
                procs.Track(pid.Value);
            }

            Assert.NotNull(pid);
        }
    }
}
