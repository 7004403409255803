namespace Worktrunk.Git
{
    /// <summary>One record of `git worktree list --porcelain -z`, as git printed it.</summary>
    internal sealed class WorktreeRecord
    {
        internal WorktreeRecord(string path)
        {
            Path = path;
        }

        internal string Path { get; }

        internal string? Head { get; set; }

        /// <summary>The full ref (refs/heads/...), or null when detached or bare.</summary>
        internal string? BranchRef { get; set; }

        internal bool IsBare { get; set; }

        internal bool IsDetached { get; set; }

        internal bool IsLocked { get; set; }

        /// <summary>The lock reason; empty when locked without one.</summary>
        internal string? LockReason { get; set; }

        internal bool IsPrunable { get; set; }

        internal string? PrunableReason { get; set; }
    }
}
