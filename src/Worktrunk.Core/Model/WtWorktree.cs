namespace Worktrunk
{
    /// <summary>A worktree of a git repository, as Get-WtWorktree emits it (type name Worktrunk.WtWorktree).</summary>
    public sealed class WtWorktree
    {
        internal WtWorktree(
            string path,
            string? branch,
            string? head,
            bool isMain,
            bool isCurrent,
            bool isDetached,
            bool isBare,
            bool isLocked,
            string? lockReason,
            bool isPrunable,
            string? prunableReason,
            string? gitDir,
            string commonDir,
            bool exists)
        {
            Path = path;
            Branch = branch;
            Head = head;
            IsMain = isMain;
            IsCurrent = isCurrent;
            IsDetached = isDetached;
            IsBare = isBare;
            IsLocked = isLocked;
            LockReason = lockReason;
            IsPrunable = isPrunable;
            PrunableReason = prunableReason;
            GitDir = gitDir;
            CommonDir = commonDir;
            Exists = exists;
        }

        /// <summary>Gets the worktree's directory, as git registered it.</summary>
        public string Path { get; }

        /// <summary>Gets the short name of the checked-out branch (feature/x), or null when detached or bare.</summary>
        public string? Branch { get; }

        /// <summary>Gets the commit checked out (40 zeros for an unborn branch), or null for a bare entry.</summary>
        public string? Head { get; }

        /// <summary>Gets a value indicating whether this is the main worktree (the one holding the common git directory).</summary>
        public bool IsMain { get; }

        /// <summary>Gets a value indicating whether the PowerShell session's location is inside this worktree.</summary>
        public bool IsCurrent { get; }

        /// <summary>Gets a value indicating whether HEAD is detached.</summary>
        public bool IsDetached { get; }

        /// <summary>Gets a value indicating whether this entry is the bare repository itself.</summary>
        public bool IsBare { get; }

        /// <summary>Gets a value indicating whether the worktree is locked (git worktree lock).</summary>
        public bool IsLocked { get; }

        /// <summary>Gets the lock reason; empty when locked without one, null when not locked.</summary>
        public string? LockReason { get; }

        /// <summary>Gets a value indicating whether git considers the registration prunable (its directory is gone).</summary>
        public bool IsPrunable { get; }

        /// <summary>Gets git's reason the worktree is prunable, or null.</summary>
        public string? PrunableReason { get; }

        /// <summary>Gets the worktree's own git directory (the common directory for the main worktree), or null when it cannot be found.</summary>
        public string? GitDir { get; }

        /// <summary>Gets the repository's common git directory.</summary>
        public string CommonDir { get; }

        /// <summary>Gets a value indicating whether the worktree's directory exists.</summary>
        public bool Exists { get; }

        /// <inheritdoc/>
        public override string ToString() => Path;
    }
}
