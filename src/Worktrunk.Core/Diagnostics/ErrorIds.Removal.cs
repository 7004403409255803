namespace Worktrunk.Diagnostics
{
    /// <summary>Error ids of Remove-WtWorktree (planning refusals and execution failures).</summary>
    internal static partial class ErrorIds
    {
        // Refusals at planning (the target is left exactly as it was). WorktreeNotFound lives in ErrorIds.cs.

        /// <summary>The target is the main worktree (or the bare repository); nothing lifts this.</summary>
        internal const string MainWorktreeRefused = nameof(MainWorktreeRefused);

        /// <summary>The worktree is locked (git worktree lock); -Force does not lift this.</summary>
        internal const string WorktreeLocked = nameof(WorktreeLocked);

        /// <summary>The directory's .git does not point back at this registration (the ownership gate).</summary>
        internal const string WorktreeNotOwned = nameof(WorktreeNotOwned);

        /// <summary>Another registered worktree lives inside the target's directory; removing it would take that one along.</summary>
        internal const string WorktreeContainsWorktree = nameof(WorktreeContainsWorktree);

        /// <summary>
        /// The worktree has staged, modified or untracked files, or `git status` could not prove it
        /// clean (it failed, or could not read a directory); lifted by -Force.
        /// </summary>
        internal const string WorktreeDirty = nameof(WorktreeDirty);

        /// <summary>The worktree has initialized submodules (their repositories live in the registration removal deletes); -Force does not lift this.</summary>
        internal const string WorktreeHasSubmodules = nameof(WorktreeHasSubmodules);

        /// <summary>The worktree's HEAD is detached at a commit no ref and no other worktree's HEAD reaches; lifted by -Force.</summary>
        internal const string DetachedHeadUnreachable = nameof(DetachedHeadUnreachable);

        /// <summary>The branch is the repository's default branch; lifted only by -ForceDeleteBranch.</summary>
        internal const string DefaultBranchRefused = nameof(DefaultBranchRefused);

        /// <summary>-KeepBranch and -ForceDeleteBranch together.</summary>
        internal const string ConflictingBranchOptions = nameof(ConflictingBranchOptions);

        /// <summary>git calls the worktree prunable but its directory exists without the worktree in it.</summary>
        internal const string WorktreeMissing = nameof(WorktreeMissing);

        /// <summary>-Branch names neither a worktree nor a local branch.</summary>
        internal const string BranchNotFound = nameof(BranchNotFound);

        // Execution.

        /// <summary>git failed to remove the worktree in place (the rename fallback), or a step could not run.</summary>
        internal const string RemovalFailed = nameof(RemovalFailed);

        /// <summary>Another removal of the same worktree ran at the same time and got there first.</summary>
        internal const string RemovalRaced = nameof(RemovalRaced);
    }
}
