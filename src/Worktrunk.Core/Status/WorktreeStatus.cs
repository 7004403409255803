namespace Worktrunk.Status
{
    /// <summary>What `Get-WtWorktree -Status` adds to one worktree (see <see cref="WtWorktree.WithStatus"/>); every part null when not known.</summary>
    internal sealed class WorktreeStatus
    {
        internal StatusCounts? Counts { get; set; }

        internal int? Staged => Counts?.Staged;

        internal int? Modified => Counts?.Modified;

        internal int? Untracked => Counts?.Untracked;

        internal int? Conflicted => Counts?.Conflicted;

        internal int? Ahead { get; set; }

        internal int? Behind { get; set; }

        internal bool? IsIntegrated { get; set; }

        internal WtIntegrationLevel? IntegrationReason { get; set; }

        internal string? IntegrationTarget { get; set; }

        internal WtWorktreeOperation? Operation { get; set; }

        /// <summary>Why (part of) the status could not be read; null when read whole.</summary>
        internal string? Error { get; set; }

        /// <summary>Adds <paramref name="message"/> to <see cref="Error"/> (several parts may fail).</summary>
        internal void AddError(string message) => Error = Error == null ? message : Error + "; " + message;
    }
}
