// Contract: New-WtWorktree's one change to a repository.
// Guarantees
//   * Every refusal (CreationPlanner) is decided before anything changes: refs, registrations,
//     config and files stay byte-for-byte as they were; -WhatIf (ShouldProcess false) stops there.
//   * The change is one `git worktree add` (options, `--`, then the path and start point, so a
//     dash-leading path is never an option) through GitRunner, whose -c core.fsmonitor=false also
//     reaches git's own child processes (GIT_CONFIG_PARAMETERS): no fsmonitor daemon is started
//     or waited on.
//   * A new branch never gets an upstream unless it is the local copy of a remote-only branch
//     (--no-track, and the base is given to git as a commit id): an agent's `git push` cannot
//     reach the base's remote branch.
// Data safety: `git worktree add -b` is not atomic: git creates the branch (a `git branch`
//   child), then the worktree, and leaves the branch behind when the second half fails (checked
//   with git 2.39 and 2.55). After any failure of that call (including Ctrl+C) the branch is
//   deleted again, but only when it did not exist before the call, still points at exactly the
//   commit git was told to start it at (a compare-and-swap `git update-ref -d <ref> <sha>`) and is
//   checked out nowhere; deleting it can lose no commit (that commit is the base's). For a tracking
//   branch the branch.<b>.* config git wrote is put back as it was. Git removes a half-made
//   worktree directory and registration itself when it fails; an empty <common>/worktrees it
//   made is rmdir'ed (only if it did not exist before).
// Signal discipline: git is never stopped once started (Ctrl+C before it runs stops the
//   operation; during it, git finishes and -Enter is skipped): a git killed mid-way leaves
//   refs/heads/<b>.lock, which blocks the branch until removed by hand, or a half-made worktree.
//   The call is bounded by AddTimeout (30 minutes), after which ProcessRunner does stop it.
// Platform: the same on every platform (git does the work); the destination checks are
//   path-based lstat (FileSystemInfo), not descriptor-based: git re-checks the destination itself.

using System;
using System.Globalization;
using System.IO;
using System.Threading;
using Worktrunk.Creation;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.Processes;
using Worktrunk.Removal;

namespace Worktrunk.Operations
{
    /// <summary>New-WtWorktree: creates one worktree (and its branch when new) and writes it as a <see cref="WtWorktree"/>.</summary>
    internal static class WorktreeCreation
    {
        /// <summary>The bound on `git worktree add` (a checkout of a very large tree takes minutes; git is not waited on forever).</summary>
        internal static readonly TimeSpan AddTimeout = TimeSpan.FromMinutes(30);

        /// <summary>
        /// Plans, asks ShouldProcess (target: the destination path), runs `git worktree add`,
        /// moves the session in on -Enter, and writes the new worktree to <see cref="IOperationHost.Output"/>.
        /// A refusal or failure is reported through <see cref="IOperationHost.Error"/> (target: the
        /// branch) and the result is null; so is a -WhatIf run.
        /// </summary>
        internal static WtWorktree? Run(CreationRequest request, GitRunner git, IOperationHost host)
        {
            try
            {
                return Create(request, git, host);
            }
            catch (WorktrunkException e)
            {
                host.Error(e, request.Branch);
                return null;
            }
        }

        private static WtWorktree? Create(CreationRequest request, GitRunner git, IOperationHost host)
        {
            var start = request.Repository ?? host.CurrentLocation ?? throw new WorktrunkException(
                ErrorIds.NotAFileSystemPath,
                ErrorKind.InvalidArgument,
                "The current location is not a filesystem path.",
                request.Branch,
                "Set-Location to a directory inside a repository, or pass -Repository.");
            var repo = RepositoryLocator.Locate(start, git);
            var plan = CreationPlanner.Plan(repo, git, request.Branch, request.Base, request.Path, host.CurrentLocation);
            if (!host.ShouldProcess(plan.Path, plan.Action))
            {
                return null;
            }

            request.OnStep?.Invoke(CreationStep.BeforeWorktreeAdd);
            if (host.Cancellation.IsCancellationRequested)
            {
                return null;
            }

            // From here git is never stopped: a git killed mid-way leaves refs/heads/<b>.lock (which
            // blocks the branch until removed by hand) or a half-made worktree. Ctrl+C waits for it.
            git = git.Derive(git.Sink, CancellationToken.None);
            var registrations = Path.Combine(repo.CommonDir, "worktrees");
            var registrationsExisted = Directory.Exists(registrations);
            CommandResult? result = null;
            try
            {
                result = git.Run(repo.RunDirectory, GitAccess.Mutating, plan.GitArgs, AddTimeout);
            }
            finally
            {
                if (result == null || !result.Succeeded)
                {
                    request.OnStep?.Invoke(CreationStep.BeforeCleanup);
                    Cleanup(repo, git, plan);
                    if (!registrationsExisted)
                    {
                        RemoveIfEmpty(registrations);
                    }
                }
            }

            if (!result.Succeeded)
            {
                var detail = result.Stderr.Trim();
                throw new WorktrunkException(
                    ErrorIds.WorktreeCreateFailed,
                    ErrorKind.InvalidOperation,
                    $"{result.CommandLine} failed: {(detail.Length > 0 ? detail : "exit code " + result.ExitCode.ToString(CultureInfo.InvariantCulture))}",
                    plan.Path,
                    plan.CreatesBranch ? $"Nothing was left behind (no branch {Printable.Quote(plan.Branch)}, no worktree)." : null);
            }

            WorktrunkException? enterFailed = null;
            if (request.Enter && !host.Cancellation.IsCancellationRequested)
            {
                try
                {
                    host.SetLocation(plan.Path);
                }
                catch (WorktrunkException e)
                {
                    enterFailed = new WorktrunkException(
                        ErrorIds.WorktreeEnterFailed,
                        ErrorKind.InvalidOperation,
                        $"The worktree {Printable.Quote(plan.Path)} was created, but the session could not move into it: {e.Message}",
                        plan.Path,
                        "Set-Location -LiteralPath " + Printable.Quote(plan.Path),
                        e);
                }
            }

            WtWorktree? created = null;
            foreach (var w in WorktreeLister.List(repo, git, host.CurrentLocation))
            {
                if (string.Equals(PathUtil.Canonicalize(w.Path), plan.Path, PathUtil.Comparison))
                {
                    created = w;
                }
            }

            if (created == null)
            {
                throw new WorktrunkException(
                    ErrorIds.WorktreeNotFound,
                    ErrorKind.ObjectNotFound,
                    $"git worktree add succeeded, but git worktree list does not show {Printable.Quote(plan.Path)}.",
                    plan.Path);
            }

            host.Output(created);
            if (enterFailed != null)
            {
                host.Error(enterFailed, plan.Path);
            }

            return created;
        }

        /// <summary>Undoes what a failed `git worktree add -b` left: the branch (compare-and-swap on its start commit) and, for a tracking branch, its config.</summary>
        private static void Cleanup(RepositoryLocation repo, GitRunner git, CreationPlan plan)
        {
            if (!plan.CreatesBranch || plan.StartSha == null)
            {
                return;
            }

            var refName = "refs/heads/" + plan.Branch;
            try
            {
                var now = RefSnapshot.Read(git, repo.RunDirectory, refName)[refName];
                if (now == null)
                {
                    return;
                }

                if (!string.Equals(now.Sha, plan.StartSha, StringComparison.Ordinal))
                {
                    git.Sink.Warning($"Branch {Printable.Quote(plan.Branch)} appeared during the failed git worktree add at another commit ({now.Sha}); it is not ours to delete and was left.");
                    return;
                }

                foreach (var w in WorktreeLister.List(repo, git, null))
                {
                    if (string.Equals(w.Branch, plan.Branch, StringComparison.Ordinal))
                    {
                        git.Sink.Warning($"Branch {Printable.Quote(plan.Branch)} is checked out in {Printable.Quote(w.Path)}; it was left.");
                        return;
                    }
                }

                var deleted = git.Run(repo.RunDirectory, GitAccess.Mutating, new[] { "update-ref", "-d", refName, plan.StartSha });
                if (!deleted.Succeeded)
                {
                    git.Sink.Warning($"The branch {Printable.Quote(plan.Branch)} the failed git worktree add created could not be deleted: {deleted.Stderr.Trim()}");
                    return;
                }

                if (plan.BranchConfigBefore != null)
                {
                    RestoreBranchConfig(repo, git, plan);
                }
            }
            catch (WorktrunkException e)
            {
                git.Sink.Warning($"Could not check for a branch {Printable.Quote(plan.Branch)} left by the failed git worktree add: {e.Message}");
            }
        }

        /// <summary>
        /// rmdir of &lt;common&gt;/worktrees when a failed or stopped call made it and left it empty (git
        /// removes its own registration on failure or SIGTERM, not the folder). rmdir(2) removes only
        /// an empty real directory (a symlink is ENOTDIR): it cannot delete anything else.
        /// </summary>
        private static void RemoveIfEmpty(string directory)
        {
            try
            {
                Directory.Delete(directory, recursive: false);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // Not empty (git left a registration: it was SIGKILLed mid-way) or not there: left as it is.
            }
        }

        /// <summary>Puts branch.&lt;b&gt;.* back as it was before the call: removed when there was none, else each key git may have written reset.</summary>
        private static void RestoreBranchConfig(RepositoryLocation repo, GitRunner git, CreationPlan plan)
        {
            var before = plan.BranchConfigBefore!;
            var section = "branch." + plan.Branch;
            if (before.Count == 0)
            {
                // Exit code 128 "no such section": git wrote nothing.
                git.Run(repo.RunDirectory, GitAccess.Mutating, new[] { "config", "--local", "--remove-section", section });
                return;
            }

            foreach (var key in new[] { "remote", "merge" })
            {
                var name = section + "." + key;
                git.Run(repo.RunDirectory, GitAccess.Mutating, new[] { "config", "--local", "--unset-all", name });
                foreach (var (n, v) in before)
                {
                    if (string.Equals(n, "branch." + plan.Branch + "." + key, StringComparison.Ordinal))
                    {
                        git.Run(repo.RunDirectory, GitAccess.Mutating, new[] { "config", "--local", "--add", name, v });
                    }
                }
            }
        }
    }
}
