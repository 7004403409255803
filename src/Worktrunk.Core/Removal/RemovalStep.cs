namespace Worktrunk.Removal
{
    /// <summary>
    /// The points of a removal, in order. The executor announces each one to its step hook (an
    /// internal seam tests use to inject a fault or a race) and to <see cref="TestPausePoint"/>
    /// (inert unless a test harness switched it on). Ctrl+C is honoured up to AfterStop; from the
    /// rename on, nothing can be cancelled until the unregister is done.
    /// </summary>
    internal enum RemovalStep
    {
        /// <summary>Planned and confirmed; the removal lock is next. Nothing has changed.</summary>
        BeforeLock,

        /// <summary>Under the removal lock, the registration found; the daemon stop is next. Nothing has changed yet.</summary>
        BeforeStop,

        /// <summary>
        /// The fsmonitor daemon was stopped; the worktree is intact and registered. The session move
        /// and the last-moment gate are next, then at once the rename: anything changed at this step
        /// is seen by the gate.
        /// </summary>
        AfterStop,

        /// <summary>The directory is in the trash; the registration is still there (prunable).</summary>
        AfterRename,

        /// <summary>
        /// The registration is gone (staged path: reported once the branch, decided beside the
        /// unregister, is settled too) or git removed the worktree in place (fallback).
        /// </summary>
        AfterUnregister,

        /// <summary>Integrated and not checked out: the compare-and-swap delete is next.</summary>
        BeforeBranchDelete,

        /// <summary>The in-process deletion (-Wait) has deleted its first files.</summary>
        DuringDeletion,

        /// <summary>The background deletion has been started.</summary>
        AfterDeletionStarted,
    }
}
