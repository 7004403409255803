using System;
using System.Collections.Generic;

namespace Worktrunk
{
    /// <summary>What a removal target turned out to be.</summary>
    public enum WtRemovalKind
    {
        /// <summary>A live worktree: its directory was staged into the trash (or removed in place) and its registration removed.</summary>
        Worktree,

        /// <summary>A registration whose directory was already gone: only the registration was removed (scoped, never a repository-wide prune).</summary>
        StaleEntry,

        /// <summary>A branch with no worktree: only the branch was considered for deletion.</summary>
        BranchOnly,
    }

    /// <summary>How the worktree's directory left its place.</summary>
    public enum WtRemovalMethod
    {
        /// <summary>Renamed into &lt;common&gt;/wt/trash (instant), then deleted from there.</summary>
        Staged,

        /// <summary>The rename failed (another filesystem, a lock, permissions) and `git worktree remove` deleted it in place.</summary>
        Fallback,

        /// <summary>There was no directory to move (a stale entry) or no worktree at all (a branch).</summary>
        None,
    }

    /// <summary>How the staged directory is being deleted.</summary>
    public enum WtDeletionMode
    {
        /// <summary>A detached, low-priority `rm -rf` that survives the end of the session.</summary>
        Background,

        /// <summary>Deleted in this process before the cmdlet returned (-Wait).</summary>
        InProcess,

        /// <summary>Nothing to delete (the fallback already deleted it, or there was no directory).</summary>
        None,
    }

    /// <summary>What happened to the worktree's branch.</summary>
    public enum WtBranchOutcome
    {
        /// <summary>The branch was deleted (integrated into the default branch, or forced with -ForceDeleteBranch).</summary>
        Deleted,

        /// <summary>No deletion was attempted: -KeepBranch, a detached HEAD, or the branch no longer existed.</summary>
        NotAttempted,

        /// <summary>Kept: the branch has changes the default branch does not hold.</summary>
        RetainedUnmerged,

        /// <summary>Kept: the branch is still checked out in another worktree (see BranchCheckedOutAt).</summary>
        RetainedCheckedOut,

        /// <summary>Kept: the branch moved after the tip that was judged was read (since planning, or between the check and the delete).</summary>
        RetainedRaced,

        /// <summary>Kept: the delete command failed (see BranchReason).</summary>
        RetainedFailed,
    }

    /// <summary>Why a branch counts as integrated into the default branch, cheapest check first.</summary>
    public enum WtIntegrationLevel
    {
        /// <summary>The branch points at the same commit as the target.</summary>
        SameCommit,

        /// <summary>The branch is an ancestor of the target.</summary>
        Ancestor,

        /// <summary>The branch adds no file changes since its merge base with the target.</summary>
        NoAddedChanges,

        /// <summary>The branch's tree equals the target's tree.</summary>
        TreesMatch,

        /// <summary>Merging the branch into the target would change nothing (git merge-tree).</summary>
        MergeAddsNothing,

        /// <summary>One commit of the target carries the branch's whole diff (a squash merge; git patch-id).</summary>
        PatchIdMatch,
    }

    /// <summary>The outcome of removing one target with Remove-WtWorktree (type name Worktrunk.WtRemovalResult).</summary>
    public sealed class WtRemovalResult
    {
        internal WtRemovalResult(
            WtRemovalKind kind,
            string? branch,
            string? path,
            string? stagedPath,
            WtRemovalMethod method,
            bool forced,
            WtBranchOutcome branchOutcome,
            string branchReason,
            WtIntegrationLevel? integrationLevel,
            string? integrationTarget,
            string? branchCheckedOutAt,
            WtDaemonStopResult? daemon,
            WtDeletionMode deletion,
            long? filesDeleted,
            long? bytesDeleted,
            string? movedLocationTo,
            string repository,
            TimeSpan elapsed,
            IReadOnlyList<WtProcessStopResult>? stoppedProcesses = null)
        {
            StoppedProcesses = stoppedProcesses;
            Kind = kind;
            Branch = branch;
            Path = path;
            StagedPath = stagedPath;
            Method = method;
            Forced = forced;
            BranchOutcome = branchOutcome;
            BranchReason = branchReason;
            IntegrationLevel = integrationLevel;
            IntegrationTarget = integrationTarget;
            BranchCheckedOutAt = branchCheckedOutAt;
            Daemon = daemon;
            Deletion = deletion;
            FilesDeleted = filesDeleted;
            BytesDeleted = bytesDeleted;
            MovedLocationTo = movedLocationTo;
            Repository = repository;
            Elapsed = elapsed;
        }

        /// <summary>Gets what the target was: a worktree, a stale registration, or a branch alone.</summary>
        public WtRemovalKind Kind { get; }

        /// <summary>Gets the branch the worktree had checked out, or null when its HEAD was detached.</summary>
        public string? Branch { get; }

        /// <summary>Gets the worktree's path as git registered it; null for a branch without a worktree.</summary>
        public string? Path { get; }

        /// <summary>Gets where the directory was moved in the trash (&lt;common&gt;/wt/trash/&lt;name&gt;-&lt;unix seconds&gt;), or null when it was not staged.</summary>
        public string? StagedPath { get; }

        /// <summary>Gets how the directory left its place: staged in the trash, removed in place by the fallback, or not at all.</summary>
        public WtRemovalMethod Method { get; }

        /// <summary>Gets a value indicating whether -Force lifted the dirty gate.</summary>
        public bool Forced { get; }

        /// <summary>Gets what happened to the branch.</summary>
        public WtBranchOutcome BranchOutcome { get; }

        /// <summary>Gets a sentence saying why (for example "ancestor of main", "still checked out at /src/app.b").</summary>
        public string BranchReason { get; }

        /// <summary>Gets the integration level that allowed the deletion, or null when the branch was not judged integrated.</summary>
        public WtIntegrationLevel? IntegrationLevel { get; }

        /// <summary>Gets the ref the branch was judged against (main, or origin/main when the local branch is behind it), or null.</summary>
        public string? IntegrationTarget { get; }

        /// <summary>Gets the worktree that still has the branch checked out, for RetainedCheckedOut; otherwise null.</summary>
        public string? BranchCheckedOutAt { get; }

        /// <summary>Gets how stopping the worktree's fsmonitor daemon ended (after git's own IPC stop, the process holding exactly this worktree's socket), or null when no daemon held the socket.</summary>
        public WtDaemonStopResult? Daemon { get; }

        /// <summary>Gets the daemon's outcome as a word for tables: the stop outcome, or None when no daemon held the socket.</summary>
        public string DaemonOutcome => Daemon == null ? "None" : Daemon.Outcome.ToString();

        /// <summary>Gets what -StopProcess did to each process working in the worktree (stopped, or left running because it has a terminal); null without -StopProcess.</summary>
        public IReadOnlyList<WtProcessStopResult>? StoppedProcesses { get; }

        /// <summary>Gets how the staged directory is being deleted.</summary>
        public WtDeletionMode Deletion { get; }

        /// <summary>Gets the number of files (and symbolic links) deleted in-process with -Wait; null otherwise.</summary>
        public long? FilesDeleted { get; }

        /// <summary>Gets the bytes deleted in-process with -Wait; null otherwise.</summary>
        public long? BytesDeleted { get; }

        /// <summary>Gets where the session's location was moved because it was inside the removed worktree; null when it was not moved.</summary>
        public string? MovedLocationTo { get; }

        /// <summary>Gets the repository's common git directory.</summary>
        public string Repository { get; }

        /// <summary>Gets how long this target took, from the start of its removal to the deletion being handed off (or finished with -Wait).</summary>
        public TimeSpan Elapsed { get; }

        /// <inheritdoc/>
        public override string ToString() => Path ?? Branch ?? string.Empty;
    }
}
