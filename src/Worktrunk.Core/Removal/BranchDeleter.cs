// Contract: deletes a removed worktree's branch, or says why it kept it.
// Guarantees:
//   * SafeDelete judges integration on the tips in a ref snapshot, then deletes with one git ref
//     transaction (`git update-ref --stdin`) that verifies every tip the verdict read (the local
//     default branch, its upstream) and deletes refs/heads/<b> only at the tip judged. So the
//     deletion happens only while the verdict still holds, on the refs as they are at that instant:
//     a branch or a default branch that moved since the snapshot makes the transaction fail and
//     nothing is deleted. The snapshot is the planning read (no extra git call on the common path);
//     a verdict of "not integrated" on it, or a transaction refused because a verified tip moved, is
//     judged once more on refs read fresh, so a merge that landed meanwhile still counts.
//   * Before the transaction, the worktree topology is read fresh (registration files, no cache):
//     a branch checked out in any live or locked worktree is kept (update-ref bypasses git's own
//     checked-out protection).
//   * A branch whose tip moved after the tip that was judged was read (since planning, or
//     between the check and the delete) is kept (RetainedRaced); commits made meanwhile are never
//     lost. It is not judged again: someone is working on it.
//   * ForceDelete uses `git branch -D -- <b>` (the `--` protects names starting with '-').
//   * Never throws for a git failure: the outcome is RetainedFailed with git's message.
// Data safety: when in doubt (git failed, no default branch, an unknown state), keep the branch.
// Side effect: the transaction holds refs/heads/<default>.lock for the few milliseconds it runs;
//   a concurrent commit there waits (git retries ref locks for core.filesRefLockTimeout, 100 ms).

using System;
using System.Collections.Generic;
using System.Linq;
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
            Action<RemovalStep> step)
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
                if (mode == BranchMode.ForceDelete)
                {
                    if (ReadFresh(git, context, branch, mode).Branch(branch) == null)
                    {
                        return new BranchResult(WtBranchOutcome.NotAttempted, $"branch '{branch}' no longer exists");
                    }

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

                return SafeDelete(git, context, branch, step);
            }
            catch (WorktrunkException e)
            {
                return new BranchResult(WtBranchOutcome.RetainedFailed, e.Message);
            }
        }

        private static BranchResult SafeDelete(GitRunner git, RemovalContext context, string branch, Action<RemovalStep> step)
        {
            var dir = context.RunDirectory;

            // The planning snapshot when there is one: every tip judged from it is verified by the
            // transaction below, so it is never trusted blindly.
            var refs = context.Refs ?? ReadFresh(git, context, branch, BranchMode.SafeDelete);
            var fresh = context.Refs == null;
            while (true)
            {
                var tip = refs.Branch(branch)?.Sha;
                if (tip == null)
                {
                    if (!fresh)
                    {
                        refs = ReadFresh(git, context, branch, BranchMode.SafeDelete);
                        fresh = true;
                        continue;
                    }

                    return new BranchResult(WtBranchOutcome.NotAttempted, $"branch '{branch}' no longer exists");
                }

                if (context.DefaultBranch == null)
                {
                    return new BranchResult(WtBranchOutcome.RetainedUnmerged, "the default branch cannot be determined, so integration cannot be judged");
                }

                var verdict = IntegrationChecker.Check(git, dir, tip, context.DefaultBranch, refs);
                if (!verdict.Integrated)
                {
                    if (!fresh)
                    {
                        // The snapshot may predate a merge that landed since: judge the refs as they are now.
                        refs = ReadFresh(git, context, branch, BranchMode.SafeDelete);
                        fresh = true;
                        continue;
                    }

                    return new BranchResult(WtBranchOutcome.RetainedUnmerged, "has changes not in " + verdict.Target + "; to delete it anyway, use -ForceDeleteBranch", target: verdict.Target);
                }

                var checkedOut = CheckedOutAt(git, context, branch);
                if (checkedOut != null)
                {
                    return new BranchResult(WtBranchOutcome.RetainedCheckedOut, $"still checked out at '{checkedOut}'", verdict.Level, verdict.Target, checkedOut);
                }

                step(RemovalStep.BeforeBranchDelete);
                var commands = Commands(branch, tip, verdict.Basis);
                var cas = git.Run(
                    dir,
                    GitAccess.Mutating,
                    new[] { "update-ref", "--stdin", "-z" },
                    stdin: Transaction(commands),
                    stdinDisplay: "'" + string.Join("; ", commands.Select(c => c.Verb + " " + c.Ref + " " + c.Sha)) + "'");
                if (cas.Succeeded)
                {
                    return new BranchResult(WtBranchOutcome.Deleted, verdict.Phrase, verdict.Level, verdict.Target);
                }

                // Refused: find out what moved.
                var now = ReadFresh(git, context, branch, BranchMode.SafeDelete);
                var nowTip = now.Branch(branch)?.Sha;
                if (nowTip != null && !string.Equals(nowTip, tip, StringComparison.OrdinalIgnoreCase))
                {
                    return new BranchResult(WtBranchOutcome.RetainedRaced, $"branch '{branch}' moved while it was being removed (from {Short(tip)} to {Short(nowTip)}); inspect its commits, then use -ForceDeleteBranch if it is safe", verdict.Level, verdict.Target);
                }

                if (nowTip != null && !fresh)
                {
                    // The branch is where it was; a tip the verdict read moved since the snapshot: judge again, once.
                    refs = now;
                    fresh = true;
                    continue;
                }

                return new BranchResult(WtBranchOutcome.RetainedFailed, "git update-ref failed: " + cas.Stderr.Trim(), verdict.Level, verdict.Target);
            }
        }

        private static string Short(string sha) => sha.Length > 12 ? sha.Substring(0, 12) : sha;

        /// <summary>
        /// The `git update-ref --stdin -z` input: verify each ref of <paramref name="basis"/> at its
        /// tip, delete refs/heads/<paramref name="branch"/> only at <paramref name="tip"/>; one
        /// transaction, all or nothing.
        /// </summary>
        internal static byte[] Transaction(string branch, string tip, IReadOnlyList<(string Ref, string Sha)> basis) => Transaction(Commands(branch, tip, basis));

        private static byte[] Transaction(List<(string Verb, string Ref, string Sha)> commands) =>
            System.Text.Encoding.UTF8.GetBytes(string.Concat(commands.Select(c => c.Verb + " " + c.Ref + "\0" + c.Sha + "\0")));

        /// <summary>The transaction's commands: verify each tip of <paramref name="basis"/>, then delete the branch at <paramref name="tip"/>.</summary>
        private static List<(string Verb, string Ref, string Sha)> Commands(string branch, string tip, IReadOnlyList<(string Ref, string Sha)> basis)
        {
            var commands = new List<(string, string, string)>();
            foreach (var (name, sha) in basis)
            {
                commands.Add(("verify", name, sha));
            }

            commands.Add(("delete", "refs/heads/" + branch, tip));
            return commands;
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
