// Contract: one Remove-WtWorktree, from the selectors to the closing sweep. Plans every target
// before touching any (refusals are per-target errors; a target named twice is removed once),
// orders them (other worktrees, then branches and stale entries, then the worktree the session
// stands in), and for each: its planning warnings, under -WhatIf the whole guard read-only (a
// refusal is the error -WhatIf shows), one ShouldProcess, then the removal (RemovalExecutor: the
// last-moment guard under the lock). Data safety: nothing is changed for a target whose
// ShouldProcess is declined, under -WhatIf nothing is changed at all, and a refusal at any point
// leaves the target as it was. The session is moved out of the worktree being removed only after
// its daemon stop and before the rename (the executor's beforeRename), and moved back when the
// removal then fails while the worktree is still there. After all output, one closing sweep
// (RepositorySweep) per repository a removal touched, handed the worktree list read at planning.
// Ctrl+C (host.Cancellation) stops between targets; the target in progress finishes or refuses.

using System;
using System.Collections.Generic;
using System.IO;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.Removal;

namespace Worktrunk.Operations
{
    /// <summary>What became of one planned target.</summary>
    internal enum TargetOutcome
    {
        /// <summary>Removed: its repository gets the closing sweep.</summary>
        Removed,

        /// <summary>Declined, previewed under -WhatIf, refused or failed: the next target goes on.</summary>
        NotRemoved,

        /// <summary>Ctrl+C: no further target is started.</summary>
        Stopped,
    }

    /// <summary>The Remove-WtWorktree operation.</summary>
    internal static class WorktreeRemoval
    {
        /// <summary>
        /// Removes the worktrees (and branches) <paramref name="selectors"/> name.
        /// <paramref name="repositoryDirectory"/> is the directory -Repository names (or the
        /// session's location), already resolved; it is needed only for -Branch and -Path selectors.
        /// <paramref name="passThru"/> writes one WtRemovalResult per removed target.
        /// </summary>
        internal static void Run(IReadOnlyList<RemovalSelector> selectors, string? repositoryDirectory, RemovalOptions options, bool passThru, IOperationHost host)
        {
            var git = new GitRunner(host.Sink, host.Cancellation);
            var probe = new GitRemovalProbe(git);
            var contexts = new Dictionary<string, RemovalContext>(PathUtil.Comparison == StringComparison.Ordinal ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
            var plans = new List<RemovalPlan>();
            var seen = new HashSet<string>(StringComparer.Ordinal);

            // Plan every target before touching any.
            foreach (var selector in selectors)
            {
                try
                {
                    var context = ContextFor(selector, repositoryDirectory, git, contexts, host.CurrentLocation, out var found);
                    var plan = RemovalPlanner.Plan(selector, context, found, options, probe);
                    var key = plan.Kind == WtRemovalKind.BranchOnly ? context.CommonDir + "\0b\0" + plan.Branch : "p\0" + PathUtil.Canonicalize(plan.Path!);
                    if (seen.Add(key))
                    {
                        plans.Add(plan);
                    }
                    else
                    {
                        host.Sink.Verbose($"'{selector.Text}' names a target already selected; it is removed once.");
                    }
                }
                catch (WorktrunkException e)
                {
                    host.Error(e, selector.Input);
                }
            }

            var executor = new RemovalExecutor(git, host.Sink, host.Cancellation);
            var touched = new Dictionary<string, RemovalContext>(StringComparer.Ordinal);
            foreach (var plan in Ordered(plans))
            {
                if (host.Cancellation.IsCancellationRequested)
                {
                    break;
                }

                var outcome = Execute(plan, options, passThru, probe, executor, host);
                if (outcome == TargetOutcome.Stopped)
                {
                    break;
                }

                if (outcome == TargetOutcome.Removed)
                {
                    touched[plan.Context.CommonDir] = plan.Context;
                }
            }

            // After all output: each touched repository's sweep. Bounded, best effort, never under
            // -WhatIf (nothing was executed then, so nothing is touched).
            foreach (var context in touched.Values)
            {
                if (host.Cancellation.IsCancellationRequested)
                {
                    break;
                }

                RemovalSweep.Run(context.Repository, git, host.Sink, DateTimeOffset.UtcNow, context.Worktrees);
            }
        }

        /// <summary>Others, then branches and stale entries, then the worktree the session is in; the given order within each.</summary>
        internal static List<RemovalPlan> Ordered(IReadOnlyList<RemovalPlan> plans)
        {
            var ordered = new List<RemovalPlan>(plans.Count);
            foreach (var order in new[] { RemovalOrder.OtherWorktree, RemovalOrder.BranchOrStale, RemovalOrder.CurrentWorktree })
            {
                foreach (var p in plans)
                {
                    if (p.Order == order)
                    {
                        ordered.Add(p);
                    }
                }
            }

            return ordered;
        }

        /// <summary>One planned target: warnings, the -WhatIf preview, ShouldProcess, execution, report.</summary>
        private static TargetOutcome Execute(RemovalPlan plan, RemovalOptions options, bool passThru, IRemovalProbe probe, RemovalExecutor executor, IOperationHost host)
        {
            foreach (var w in plan.Warnings)
            {
                host.Sink.Warning(w);
            }

            if (host.IsWhatIf)
            {
                // -WhatIf says what would be refused: the whole guard, read only, nothing stopped
                // (a confirmed removal runs it once, at the last moment, in the executor).
                try
                {
                    RemovalPlanner.Preview(plan, probe);
                }
                catch (WorktrunkException e)
                {
                    host.Error(e, plan.Selector.Input);
                    return TargetOutcome.NotRemoved;
                }
            }

            if (!host.ShouldProcess(plan.Description, plan.Action))
            {
                return TargetOutcome.NotRemoved;
            }

            string? leftFrom = null;
            try
            {
                Func<string?>? move = null;
                if (plan.IsCurrent)
                {
                    move = () =>
                    {
                        leftFrom = host.CurrentLocation;
                        return MoveSessionOut(plan, host);
                    };
                }

                var result = executor.Execute(plan, options.Wait, move);
                Report(result, host.Sink);
                if (passThru)
                {
                    host.Output(result);
                }

                return TargetOutcome.Removed;
            }
            catch (WorktrunkException e)
            {
                // The session left a worktree that is still there (the in-place fallback failed): take it back.
                if (leftFrom != null && Directory.Exists(leftFrom))
                {
                    try
                    {
                        host.SetLocation(leftFrom);
                    }
                    catch (WorktrunkException back)
                    {
                        host.Error(back, plan.Selector.Input);
                    }
                }

                host.Error(e, plan.Selector.Input);
                return TargetOutcome.NotRemoved;
            }
            catch (OperationCanceledException)
            {
                return TargetOutcome.Stopped;
            }
        }

        /// <summary>
        /// The repository a selector belongs to: a WtWorktree's own repository; for a path, the
        /// repository of -Repository (or the session) when the path is registered there, else the
        /// repository holding the path; for a branch, -Repository or the session's.
        /// <paramref name="found"/> is the worktree registered at a path selector's path in the
        /// returned context (looked up once, here), or null; always null for a branch.
        /// </summary>
        internal static RemovalContext ContextFor(RemovalSelector selector, string? repositoryDirectory, GitRunner git, Dictionary<string, RemovalContext> cache, string? currentLocation, out WtWorktree? found)
        {
            found = null;
            if (selector.Kind == SelectorKind.Worktree)
            {
                var own = Load(RepositoryLocator.Locate(((WtWorktree)selector.Input).CommonDir, git), git, cache, currentLocation);
                found = RemovalPlanner.FindByPath(own, selector.Text);
                return own;
            }

            RemovalContext? fallback = null;
            WorktrunkException? fallbackError = null;
            try
            {
                fallback = Load(RepositoryLocator.Locate(repositoryDirectory ?? throw new ArgumentNullException(nameof(repositoryDirectory)), git), git, cache, currentLocation);
            }
            catch (WorktrunkException e) when (selector.Kind == SelectorKind.Path)
            {
                fallbackError = e;
            }

            if (selector.Kind == SelectorKind.Branch)
            {
                return fallback!;
            }

            if (fallback != null)
            {
                found = RemovalPlanner.FindByPath(fallback, selector.Text);
                if (found != null)
                {
                    return fallback;
                }
            }

            if (Directory.Exists(selector.Text))
            {
                try
                {
                    var holder = Load(RepositoryLocator.Locate(selector.Text, git), git, cache, currentLocation);
                    found = ReferenceEquals(holder, fallback) ? null : RemovalPlanner.FindByPath(holder, selector.Text);
                    return holder;
                }
                catch (WorktrunkException) when (fallback != null)
                {
                }
            }

            return fallback ?? throw fallbackError!;
        }

        private static RemovalContext Load(RepositoryLocation repo, GitRunner git, Dictionary<string, RemovalContext> cache, string? currentLocation)
        {
            if (!cache.TryGetValue(repo.CommonDir, out var context))
            {
                context = RemovalContext.Load(repo, git, currentLocation);
                cache[repo.CommonDir] = context;
            }

            return context;
        }

        /// <summary>
        /// Moves the session's location out of the worktree about to move: to the same
        /// subdirectory of the main worktree when it exists there, else to its root (in a bare
        /// repository, the repository directory). Returns the new location.
        /// </summary>
        private static string? MoveSessionOut(RemovalPlan plan, IOperationHost host)
        {
            var current = host.CurrentLocation;
            if (current == null)
            {
                return null;
            }

            var root = PathUtil.Canonicalize(plan.Path!);
            var here = PathUtil.Canonicalize(current);
            if (!PathUtil.IsAtOrUnder(here, root))
            {
                return null;
            }

            var main = plan.Context.Main;
            var destination = main != null && Directory.Exists(main.Path) ? PathUtil.TrimEnd(main.Path) : plan.Context.CommonDir;
            var relative = here.Length > root.Length ? here.Substring(root.Length).TrimStart(Path.DirectorySeparatorChar, '/') : string.Empty;
            if (relative.Length > 0 && Directory.Exists(Path.Combine(destination, relative)))
            {
                destination = Path.Combine(destination, relative);
            }

            try
            {
                host.SetLocation(destination);
            }
            catch (WorktrunkException e)
            {
                var why = e.InnerException?.Message ?? e.Message;
                throw new WorktrunkException(
                    ErrorIds.RemovalFailed,
                    ErrorKind.InvalidOperation,
                    $"Cannot move the session out of '{plan.Path}' to '{destination}': {why}. Nothing was removed.",
                    plan.Selector.Input,
                    "Set-Location out of the worktree, then run Remove-WtWorktree again.",
                    e.InnerException ?? e);
            }

            host.Sink.Verbose($"The session was inside the worktree; its location is now '{destination}'.");
            return destination;
        }

        /// <summary>What one removal did, as a verbose line; a branch kept against the request is a warning.</summary>
        private static void Report(WtRemovalResult r, IDiagnosticSink sink)
        {
            var what = r.Kind == WtRemovalKind.BranchOnly ? "branch " + r.Branch
                : r.Kind == WtRemovalKind.StaleEntry ? "stale registration " + r.Path
                : "worktree " + r.Path + (r.StagedPath != null ? " (staged at " + r.StagedPath + ")" : " (removed in place by git)");
            sink.Verbose($"Removed {what}; branch: {r.BranchOutcome} ({r.BranchReason}).");
            if (r.BranchOutcome == WtBranchOutcome.RetainedRaced || r.BranchOutcome == WtBranchOutcome.RetainedFailed)
            {
                sink.Warning($"Kept branch '{r.Branch}': {r.BranchReason}.");
            }
        }
    }
}
