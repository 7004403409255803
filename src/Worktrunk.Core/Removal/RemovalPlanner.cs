using System;
using System.Collections.Generic;
using System.Globalization;
using Worktrunk.Diagnostics;
using Worktrunk.IO;

namespace Worktrunk.Removal
{
    /// <summary>
    /// Turns one selector into a plan, or refuses it. Planning changes nothing: it reads the
    /// listing snapshot in the context and asks the probe (files, read-only git). Refusals come in
    /// this order, so the first reason to refuse is the one reported:
    /// not found → main worktree (or the bare repository) → locked → (directory gone: a stale
    /// entry, planned for a scoped unregister) → prunable but present → default branch → the cheap
    /// depth of <see cref="RemovalGuards"/> (locked, ownership, another worktree nested inside).
    /// Planning starts no process for a live worktree: the rest of the guard (submodules, detached
    /// HEAD, the dirty gate's `git status`) runs once, at the last moment, under the removal lock
    /// and after the daemon stop (RemovalExecutor). <see cref="Preview"/> runs it all at planning
    /// for -WhatIf, which stops and changes nothing.
    /// </summary>
    internal static class RemovalPlanner
    {
        /// <summary>Plans <paramref name="selector"/>; throws <see cref="WorktrunkException"/> with the refusal.</summary>
        internal static RemovalPlan Plan(RemovalSelector selector, RemovalContext context, RemovalOptions options, IRemovalProbe probe) =>
            Plan(selector, context, selector.Kind == SelectorKind.Branch ? null : FindByPath(context, selector.Text), options, probe);

        /// <summary>
        /// Plans <paramref name="selector"/> when the caller already looked its path up in
        /// <paramref name="context"/> (<see cref="FindByPath"/>, once per selector): <paramref name="found"/>
        /// is that worktree, or null when none is registered there (ignored for a branch).
        /// </summary>
        internal static RemovalPlan Plan(RemovalSelector selector, RemovalContext context, WtWorktree? found, RemovalOptions options, IRemovalProbe probe)
        {
            switch (selector.Kind)
            {
                case SelectorKind.Path:
                case SelectorKind.Worktree:
                {
                    var worktree = found;
                    if (worktree == null)
                    {
                        throw new WorktrunkException(
                            ErrorIds.WorktreeNotFound,
                            ErrorKind.ObjectNotFound,
                            $"No worktree of the repository at '{context.CommonDir}' is registered at '{selector.Text}'.",
                            selector.Input,
                            "Run Get-WtWorktree to list the worktrees; pass the worktree's root directory.");
                    }

                    return PlanWorktree(selector, worktree, context, options, probe, new List<string>());
                }

                case SelectorKind.Branch:
                    return PlanBranch(selector, context, options, probe);

                default:
                    throw new InvalidOperationException("Unknown selector kind " + selector.Kind);
            }
        }

        /// <summary>The registered worktree whose canonical path equals <paramref name="path"/>'s, or null.</summary>
        internal static WtWorktree? FindByPath(RemovalContext context, string path)
        {
            var wanted = PathUtil.Canonicalize(path);
            foreach (var w in context.Worktrees)
            {
                if (string.Equals(PathUtil.Canonicalize(w.Path), wanted, PathUtil.Comparison))
                {
                    return w;
                }
            }

            return null;
        }

        private static RemovalPlan PlanBranch(RemovalSelector selector, RemovalContext context, RemovalOptions options, IRemovalProbe probe)
        {
            var name = selector.Text;
            var holders = new List<WtWorktree>();
            foreach (var w in context.Worktrees)
            {
                if (!w.IsBare && string.Equals(w.Branch, name, StringComparison.Ordinal))
                {
                    holders.Add(w);
                }
            }

            var warnings = new List<string>();
            if (holders.Count > 0)
            {
                if (holders.Count > 1)
                {
                    var paths = new List<string>();
                    foreach (var h in holders)
                    {
                        paths.Add(h.Path);
                    }

                    warnings.Add($"Branch '{name}' is checked out in {holders.Count.ToString(CultureInfo.InvariantCulture)} worktrees ({string.Join(", ", paths)}); removing the first, '{holders[0].Path}'. Use -Path to choose another.");
                }

                return PlanWorktree(selector, holders[0], context, options, probe, warnings);
            }

            // A branch with no worktree: only the branch is at stake.
            if (options.Mode == BranchMode.Keep)
            {
                throw new WorktrunkException(
                    ErrorIds.WorktreeNotFound,
                    ErrorKind.ObjectNotFound,
                    $"No worktree has branch '{name}' checked out, and -KeepBranch keeps the branch: there is nothing to remove.",
                    selector.Input,
                    "Run Get-WtWorktree to list the worktrees.");
            }

            if (!probe.LocalBranchExists(name, context))
            {
                var remote = probe.RemoteBranch(name, context);
                throw new WorktrunkException(
                    ErrorIds.BranchNotFound,
                    ErrorKind.ObjectNotFound,
                    remote != null
                        ? $"No worktree and no local branch is named '{name}'; it exists only as the remote-tracking branch '{remote}'."
                        : $"No worktree has branch '{name}' checked out, and no local branch has that name.",
                    selector.Input,
                    "Run Get-WtWorktree to list the worktrees, or `git branch --list` to list the branches.");
            }

            GuardDefaultBranch(name, context, options, selector.Input);
            return new RemovalPlan(selector, context, WtRemovalKind.BranchOnly, null, name, options.Mode, options.Force, null, warnings);
        }

        private static RemovalPlan PlanWorktree(RemovalSelector selector, WtWorktree worktree, RemovalContext context, RemovalOptions options, IRemovalProbe probe, List<string> warnings)
        {
            var target = selector.Input;
            if (worktree.IsBare)
            {
                throw new WorktrunkException(
                    ErrorIds.MainWorktreeRefused,
                    ErrorKind.InvalidOperation,
                    $"'{worktree.Path}' is the bare repository itself, not a worktree; it cannot be removed.",
                    target);
            }

            if (worktree.IsMain)
            {
                throw new WorktrunkException(
                    ErrorIds.MainWorktreeRefused,
                    ErrorKind.InvalidOperation,
                    $"The main worktree '{worktree.Path}' cannot be removed: it holds the repository.",
                    target);
            }

            if (worktree.IsLocked)
            {
                // Before the missing-directory case: a locked worktree on an unmounted volume must not be unregistered.
                throw RemovalGuards.Locked(worktree.Path, worktree.Branch, worktree.LockReason, target);
            }

            var branch = worktree.Branch;
            if (!probe.DirectoryExists(worktree.Path))
            {
                // The directory is already gone (deleted by hand, or a removal killed after staging):
                // only the registration is left, and it is removed alone (never a repository-wide prune).
                if (branch != null)
                {
                    GuardDefaultBranch(branch, context, options, target);
                }

                var staleShared = branch == null ? null : OtherCheckout(context, worktree, branch, probe);
                return new RemovalPlan(selector, context, WtRemovalKind.StaleEntry, worktree, branch, staleShared != null ? BranchMode.Keep : options.Mode, options.Force, staleShared, warnings);
            }

            if (worktree.IsPrunable)
            {
                throw new WorktrunkException(
                    ErrorIds.WorktreeMissing,
                    ErrorKind.InvalidOperation,
                    $"The directory '{worktree.Path}' exists but no longer holds the worktree registered there (git: {worktree.PrunableReason}). It was left untouched.",
                    target,
                    "Move the directory aside if you no longer need it; then Remove-WtWorktree removes the stale registration alone.");
            }

            if (branch != null)
            {
                GuardDefaultBranch(branch, context, options, target);
            }

            RemovalGuards.Check(GuardFacts.FromListing(worktree, context), branch, options.Force, GuardDepth.Cheap, probe, context, target);

            var shared = branch == null ? null : OtherCheckout(context, worktree, branch, probe);
            return new RemovalPlan(selector, context, WtRemovalKind.Worktree, worktree, branch, shared != null ? BranchMode.Keep : options.Mode, options.Force, shared, warnings, options.StopProcess);
        }

        /// <summary>
        /// The whole guard on a planned worktree, from the listing the plan was made from, without
        /// the lock and without stopping anything: what -WhatIf reports. Throws the refusal.
        /// </summary>
        internal static void Preview(RemovalPlan plan, IRemovalProbe probe)
        {
            if (plan.Kind == WtRemovalKind.Worktree)
            {
                RemovalGuards.Check(GuardFacts.FromListing(plan.Worktree!, plan.Context), plan.Branch, plan.Force, GuardDepth.Full, probe, plan.Context, plan.Selector.Input);
            }
        }

        /// <summary>The first of <paramref name="others"/> strictly inside <paramref name="path"/>, or null.</summary>
        internal static string? NestedPath(string path, IEnumerable<string> others)
        {
            var root = PathUtil.Canonicalize(path);
            foreach (var o in others)
            {
                var other = PathUtil.Canonicalize(o);
                if (!string.Equals(other, root, PathUtil.Comparison) && PathUtil.IsAtOrUnder(other, root))
                {
                    return o;
                }
            }

            return null;
        }

        private static void GuardDefaultBranch(string branch, RemovalContext context, RemovalOptions options, object target)
        {
            if (options.Mode != BranchMode.ForceDelete && context.DefaultBranch != null && string.Equals(branch, context.DefaultBranch, StringComparison.Ordinal))
            {
                throw new WorktrunkException(
                    ErrorIds.DefaultBranchRefused,
                    ErrorKind.InvalidOperation,
                    $"Cannot remove the default branch '{branch}' (or its worktree). Nothing was changed.",
                    target,
                    $"If you really mean it, pass -ForceDeleteBranch: the worktree is removed and branch '{branch}' is deleted.");
            }
        }

        /// <summary>Another live worktree (directory present, not prunable) with <paramref name="branch"/> checked out.</summary>
        private static string? OtherCheckout(RemovalContext context, WtWorktree self, string branch, IRemovalProbe probe)
        {
            var selfPath = PathUtil.Canonicalize(self.Path);
            foreach (var w in context.Worktrees)
            {
                if (!w.IsBare && string.Equals(w.Branch, branch, StringComparison.Ordinal) &&
                    !string.Equals(PathUtil.Canonicalize(w.Path), selfPath, PathUtil.Comparison) &&
                    (w.IsLocked || (!w.IsPrunable && probe.DirectoryExists(w.Path))))
                {
                    return w.Path;
                }
            }

            return null;
        }
    }
}
