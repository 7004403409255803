namespace Worktrunk.Diagnostics
{
    /// <summary>Error ids of New-WtWorktree (see docs/help/New-WtWorktree.md, NOTES). Each refusal is decided before anything changes.</summary>
    internal static partial class ErrorIds
    {
        /// <summary>The branch name is not one git accepts (`git check-ref-format --branch` refuses it, or expands it: @{-1}, -).</summary>
        internal const string InvalidBranchName = nameof(InvalidBranchName);

        /// <summary>The destination exists and is not an empty directory, or a worktree (even a missing one) is registered there.</summary>
        internal const string WorktreePathExists = nameof(WorktreePathExists);

        /// <summary>The destination itself is a symbolic link (even to an empty directory): never created through.</summary>
        internal const string WorktreePathIsSymlink = nameof(WorktreePathIsSymlink);

        /// <summary>worktrunk.worktreePath holds something other than text, {repo} and {branch}, or expands to nothing.</summary>
        internal const string WorktreePathTemplateInvalid = nameof(WorktreePathTemplateInvalid);

        /// <summary>The branch is checked out in another worktree; the message and hint name that worktree's path.</summary>
        internal const string BranchCheckedOut = nameof(BranchCheckedOut);

        /// <summary>-Base does not resolve to a commit, or (without -Base) the repository has no default branch to start from.</summary>
        internal const string BaseNotFound = nameof(BaseNotFound);

        /// <summary>-Base was given for a branch that already exists (locally, or on a remote): an existing branch is checked out as it is.</summary>
        internal const string BaseWithExistingBranch = nameof(BaseWithExistingBranch);

        /// <summary>The branch exists on more than one remote and nowhere locally: which one to track is the user's choice (-Base &lt;remote&gt;/&lt;branch&gt; with another name, or git branch --track).</summary>
        internal const string BranchOnSeveralRemotes = nameof(BranchOnSeveralRemotes);

        /// <summary>`git worktree add` failed; a branch it had created is deleted again (nothing is left behind).</summary>
        internal const string WorktreeCreateFailed = nameof(WorktreeCreateFailed);

        /// <summary>-Enter: the worktree was created (and is written to the pipeline) but the session could not move into it.</summary>
        internal const string WorktreeEnterFailed = nameof(WorktreeEnterFailed);
    }
}
