namespace Worktrunk.Removal
{
    /// <summary>
    /// The points of a removal, in order. The executor announces each one to its step hook (an
    /// internal seam tests use to inject a fault or a race) and to <see cref="TestPausePoint"/>.
    /// </summary>
    internal enum RemovalStep
    {
        /// <summary>Planned and confirmed; the removal lock is next. Nothing has changed.</summary>
        BeforeLock,

        /// <summary>Under the removal lock, re-checks passed; nothing has changed yet.</summary>
        BeforeStop,

        /// <summary>The fsmonitor daemon was stopped; the worktree is intact and registered.</summary>
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
