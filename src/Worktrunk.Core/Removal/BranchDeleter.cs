// Contract: deletes a removed worktree's branch, or says why it kept it.
// Guarantees:
//   * SafeDelete judges integration on refs read now (never the planning snapshot), then reads
//     the worktree topology fresh (`git worktree list`, no cache): a branch checked out in any
//     live or locked worktree is kept (update-ref bypasses git's own checked-out protection).
//   * The delete is a compare-and-swap: `git update-ref -d refs/heads/<b> <sha>` with the tip
//     the integration check judged. A branch that moved in between is not deleted
//     (RetainedRaced); commits made meanwhile are never lost.
//   * ForceDelete uses `git branch -D -- <b>` (the `--` protects names starting with '-').
//   * Never throws for a git failure: the outcome is RetainedFailed with git's message.
// Data safety: when in doubt (git failed, no default branch, an unknown state), keep the branch.

using System;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;

namespace Worktrunk.Removal
{
    /// <summary>What happened to one branch.</summary>
    internal sealed class BranchResult
    {
        internal BranchResult(WtBranchOutcome outcome, string reason, WtIntegrationLevel? level = null, string? target = null, string? checkedOutAt = null)
        {
            Outcome = outcome;
            Reason = reason;
            Level = level;
            Target = target;
            CheckedOutAt = checkedOutAt;
        }

        internal WtBranchOutcome Outcome { get; }

        internal string Reason { get; }

        internal WtIntegrationLevel? Level { get; }

        internal string? Target { get; }

        internal string? CheckedOutAt { get; }
    }

    /// <summary>Deletes a branch after its worktree is gone, by the rules of the branch mode.</summary>
    internal static class BranchDeleter
    {
        /// <summary>
        /// Applies <paramref name="mode"/> to <paramref name="branch"/>. <paramref name="step"/> is
        /// called at <see cref="RemovalStep.BeforeBranchDelete"/> (between the integration check and the
        /// compare-and-swap) so tests can move the branch there.
        /// </summary>
        internal static BranchResult Delete(
            GitRunner git,
            RemovalContext context,
            string? branch,
            BranchMode mode,
            string? sharedCheckoutPath,
            Action<RemovalStep> step,
            System.Threading.Tasks.Task<RefSnapshot>? freshRead = null)
        {
            if (branch == null)
            {
                return new BranchResult(WtBranchOutcome.NotAttempted, "detached HEAD: no branch to delete");
            }

            if (sharedCheckoutPath != null)
            {
                return new BranchResult(WtBranchOutcome.RetainedCheckedOut, $"still checked out at '{sharedCheckoutPath}'", checkedOutAt: sharedCheckoutPath);
            }

            if (mode == BranchMode.Keep)
            {
                return new BranchResult(WtBranchOutcome.NotAttempted, "kept (-KeepBranch)");
            }

            var dir = context.RunDirectory;
            try
            {
                // Fresh refs, read now (or a moment ago, beside the unregister): never the planning snapshot.
                RefSnapshot fresh;
                try
                {
                    fresh = freshRead != null ? freshRead.GetAwaiter().GetResult() : ReadFresh(git, context, branch, mode);
                }
                catch (AggregateException e) when (e.InnerException is WorktrunkException w)
                {
                    throw w;
                }

                var tip = fresh.Branch(branch)?.Sha;
                if (tip == null)
                {
                    return new BranchResult(WtBranchOutcome.NotAttempted, $"branch '{branch}' no longer exists");
                }

                if (mode == BranchMode.ForceDelete)
                {
                    var holder = CheckedOutAt(git, context, branch);
                    if (holder != null)
                    {
                        return new BranchResult(WtBranchOutcome.RetainedCheckedOut, $"still checked out at '{holder}'", checkedOutAt: holder);
                    }

                    step(RemovalStep.BeforeBranchDelete);
                    var forced = git.Run(dir, GitAccess.Mutating, new[] { "branch", "-D", "--", branch });
                    return forced.Succeeded
                        ? new BranchResult(WtBranchOutcome.Deleted, "force-deleted (-ForceDeleteBranch)")
                        : new BranchResult(WtBranchOutcome.RetainedFailed, "git branch -D failed: " + forced.Stderr.Trim());
                }

                if (context.DefaultBranch == null)
                {
                    return new BranchResult(WtBranchOutcome.RetainedUnmerged, "the default branch cannot be determined, so integration cannot be judged");
                }

                var verdict = IntegrationChecker.Check(git, dir, tip, context.DefaultBranch, fresh);
                if (!verdict.Integrated)
                {
                    return new BranchResult(WtBranchOutcome.RetainedUnmerged, "has changes not in " + verdict.Target + "; to delete it anyway, use -ForceDeleteBranch", target: verdict.Target);
                }

                var checkedOut = CheckedOutAt(git, context, branch);
                if (checkedOut != null)
                {
                    return new BranchResult(WtBranchOutcome.RetainedCheckedOut, $"still checked out at '{checkedOut}'", verdict.Level, verdict.Target, checkedOut);
                }

                step(RemovalStep.BeforeBranchDelete);
                var cas = git.Run(dir, GitAccess.Mutating, new[] { "update-ref", "-d", "refs/heads/" + branch, tip });
                if (cas.Succeeded)
                {
                    return new BranchResult(WtBranchOutcome.Deleted, verdict.Phrase, verdict.Level, verdict.Target);
                }

                if (IntegrationChecker.RevParse(git, dir, "refs/heads/" + branch) != null)
                {
                    return new BranchResult(WtBranchOutcome.RetainedRaced, $"branch '{branch}' moved while it was being deleted; inspect its commits, then use -ForceDeleteBranch if it is safe", verdict.Level, verdict.Target);
                }

                return new BranchResult(WtBranchOutcome.RetainedFailed, "git update-ref -d failed: " + cas.Stderr.Trim(), verdict.Level, verdict.Target);
            }
            catch (WorktrunkException e)
            {
                return new BranchResult(WtBranchOutcome.RetainedFailed, e.Message);
            }
        }

        /// <summary>Starts reading the refs a deletion will need, on another thread; null when none will be needed.</summary>
        internal static System.Threading.Tasks.Task<RefSnapshot>? StartFreshRead(GitRunner git, RemovalContext context, string? branch, BranchMode mode, string? sharedCheckoutPath)
        {
            if (branch == null || sharedCheckoutPath != null || mode == BranchMode.Keep)
            {
                return null;
            }

            return System.Threading.Tasks.Task.Run(() => ReadFresh(git, context, branch, mode));
        }

        private static RefSnapshot ReadFresh(GitRunner git, RemovalContext context, string branch, BranchMode mode) =>
            context.DefaultBranch != null && mode == BranchMode.SafeDelete
                ? RefSnapshot.Read(git, context.RunDirectory, "refs/heads/" + branch, "refs/heads/" + context.DefaultBranch)
                : RefSnapshot.Read(git, context.RunDirectory, "refs/heads/" + branch);

        /// <summary>
        /// A worktree that has <paramref name="branch"/> checked out now (live or locked; a branch being
        /// rebased counts), or null. Read fresh from the registration files git itself reads; falls
        /// back to `git worktree list` when they cannot be read plainly (for example the reftable backend).
        /// </summary>
        internal static string? CheckedOutAt(GitRunner git, RemovalContext context, string branch)
        {
            var heads = WorktreeHeads.Read(context.CommonDir, context.Main?.Path);
            if (heads != null)
            {
                foreach (var h in heads)
                {
                    if (h.Holds(branch))
                    {
                        return h.Path;
                    }
                }

                return null;
            }

            var output = git.RunChecked(context.RunDirectory, GitAccess.ReadOnly, new[] { "worktree", "list", "--porcelain", "-z" });
            foreach (var r in WorktreeListParser.Parse(output))
            {
                if (r.IsBare || r.BranchRef == null)
                {
                    continue;
                }

                if (string.Equals(WorktreeListParser.ShortBranchName(r.BranchRef), branch, StringComparison.Ordinal) && (r.IsLocked || !r.IsPrunable))
                {
                    return PathUtil.TrimEnd(r.Path);
                }
            }

            return null;
        }
    }
}
