using System.Collections.Generic;

namespace Worktrunk.Removal
{
    /// <summary>Execution order within one invocation, first to last.</summary>
    internal enum RemovalOrder
    {
        /// <summary>A worktree the session is not in.</summary>
        OtherWorktree,

        /// <summary>A branch alone, or a stale registration.</summary>
        BranchOrStale,

        /// <summary>The worktree the session is in: last, after the location has moved out.</summary>
        CurrentWorktree,
    }

    /// <summary>One target that passed every guard at planning: what to do, decided before anything is touched.</summary>
    internal sealed class RemovalPlan
    {
        internal RemovalPlan(
            RemovalSelector selector,
            RemovalContext context,
            WtRemovalKind kind,
            WtWorktree? worktree,
            string? branch,
            BranchMode mode,
            bool force,
            string? sharedCheckoutPath,
            IReadOnlyList<string> warnings,
            bool stopProcesses = false)
        {
            StopProcesses = stopProcesses;
            Selector = selector;
            Context = context;
            Kind = kind;
            Worktree = worktree;
            Branch = branch;
            Mode = mode;
            Force = force;
            SharedCheckoutPath = sharedCheckoutPath;
            Warnings = warnings;
        }

        internal RemovalSelector Selector { get; }

        internal RemovalContext Context { get; }

        internal WtRemovalKind Kind { get; }

        /// <summary>The worktree (live or stale entry); null for a branch alone.</summary>
        internal WtWorktree? Worktree { get; }

        /// <summary>The worktree's path as git registered it (what `git worktree remove` is given).</summary>
        internal string? Path => Worktree?.Path;

        internal string? Branch { get; }

        /// <summary>The branch mode after planning: Keep when the branch is checked out elsewhere.</summary>
        internal BranchMode Mode { get; }

        internal bool Force { get; }

        /// <summary>-StopProcess (a live worktree only): the executor stops its terminal-less processes before the gate.</summary>
        internal bool StopProcesses { get; }

        /// <summary>Another live worktree with the same branch checked out (the branch is then kept).</summary>
        internal string? SharedCheckoutPath { get; }

        /// <summary>Things the user should hear about this plan (for example a branch checked out twice).</summary>
        internal IReadOnlyList<string> Warnings { get; }

        /// <summary>True when the session's location is inside this worktree.</summary>
        internal bool IsCurrent => Kind == WtRemovalKind.Worktree && Worktree != null && Worktree.IsCurrent;

        /// <summary>Where this plan runs in an invocation (see <see cref="RemovalOrder"/>).</summary>
        internal RemovalOrder Order => IsCurrent ? RemovalOrder.CurrentWorktree : Kind == WtRemovalKind.Worktree ? RemovalOrder.OtherWorktree : RemovalOrder.BranchOrStale;

        /// <summary>The ShouldProcess target: the path (and branch), or the branch alone.</summary>
        internal string Description => Kind == WtRemovalKind.BranchOnly
            ? "branch " + Branch
            : Path + (Branch != null ? " (branch " + Branch + ")" : " (detached HEAD)");

        /// <summary>The ShouldProcess action.</summary>
        internal string Action
        {
            get
            {
                var branchPart = Branch == null || Mode == BranchMode.Keep ? string.Empty
                    : Mode == BranchMode.ForceDelete ? " and force-delete its branch"
                    : " and delete its branch if integrated";
                switch (Kind)
                {
                    case WtRemovalKind.BranchOnly:
                        return Mode == BranchMode.ForceDelete ? "Force-delete branch" : "Delete branch if integrated";
                    case WtRemovalKind.StaleEntry:
                        return "Remove stale worktree registration" + branchPart;
                    default:
                        return (Force ? "Remove worktree (discarding uncommitted changes)" : "Remove worktree") + (StopProcesses ? ", stopping its processes without a terminal," : string.Empty) + branchPart;
                }
            }
        }
    }
}
