using System.Collections.Generic;
using System.Globalization;
using Worktrunk.Status;

namespace Worktrunk
{
    /// <summary>An operation git has in progress in a worktree, as `git status` decides it (wt-status.c).</summary>
    public enum WtWorktreeOperation
    {
        /// <summary>Nothing in progress.</summary>
        None,

        /// <summary>A rebase (rebase-merge/ or rebase-apply/ without applying).</summary>
        Rebase,

        /// <summary>`git am` (rebase-apply/applying).</summary>
        Am,

        /// <summary>A merge (MERGE_HEAD).</summary>
        Merge,

        /// <summary>A cherry-pick (CHERRY_PICK_HEAD, or a sequencer whose next command is pick).</summary>
        CherryPick,

        /// <summary>A revert (REVERT_HEAD, or a sequencer whose next command is revert).</summary>
        Revert,

        /// <summary>A bisect (BISECT_LOG).</summary>
        Bisect,
    }

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

        /// <summary>Gets a value indicating whether the status was asked for (Get-WtWorktree -Status); the properties below are null without it.</summary>
        public bool HasStatus { get; private set; }

        /// <summary>Gets the number of paths with staged changes (X of `git status --porcelain` set, conflicts excluded); null without -Status or when unreadable.</summary>
        public int? Staged { get; private set; }

        /// <summary>Gets the number of tracked paths changed in the working tree but not staged (Y set, conflicts excluded).</summary>
        public int? Modified { get; private set; }

        /// <summary>Gets the number of untracked paths (`??`, untracked directories counted once, as git status shows them).</summary>
        public int? Untracked { get; private set; }

        /// <summary>Gets the number of unmerged (conflicted) paths.</summary>
        public int? Conflicted { get; private set; }

        /// <summary>Gets the number of commits HEAD has that the default branch does not (`git rev-list --left-right --count &lt;default&gt;...HEAD`, right side).</summary>
        public int? Ahead { get; private set; }

        /// <summary>Gets the number of commits the default branch has that HEAD does not (left side).</summary>
        public int? Behind { get; private set; }

        /// <summary>
        /// Gets a value indicating whether the branch is integrated into the default branch (the
        /// removal's rule: it would delete the branch); null for the main worktree, a worktree of the
        /// default branch itself, a detached HEAD, a bare entry, when there is no default branch,
        /// or without -Status.
        /// </summary>
        public bool? IsIntegrated { get; private set; }

        /// <summary>Gets the first integration level that matched, cheapest first; null when not integrated.</summary>
        public WtIntegrationLevel? IntegrationReason { get; private set; }

        /// <summary>Gets the ref the branch was judged against (main, origin/main); null when not judged.</summary>
        public string? IntegrationTarget { get; private set; }

        /// <summary>Gets the operation in progress (None when nothing is); null without -Status or when the directory is gone.</summary>
        public WtWorktreeOperation? Operation { get; private set; }

        /// <summary>Gets why (part of) the status could not be read; null when it was read whole. A warning said so too.</summary>
        public string? StatusError { get; private set; }

        /// <summary>
        /// Gets the status in a few characters, as the -Status table shows it: `+N` staged, `!N`
        /// modified, `?N` untracked, `xN` conflicted, the operation, `↑N ↓N` against the default
        /// branch, `⊂` integrated (`_` same commit), `unreadable`; empty when clean and even; null
        /// without -Status.
        /// </summary>
        public string? StatusSummary
        {
            get
            {
                if (!HasStatus)
                {
                    return null;
                }

                var parts = new List<string>();
                void Count(string symbol, int? n)
                {
                    if (n > 0)
                    {
                        parts.Add(symbol + n.Value.ToString(CultureInfo.InvariantCulture));
                    }
                }

                Count("+", Staged);
                Count("!", Modified);
                Count("?", Untracked);
                Count("x", Conflicted);
                if (Operation != null && Operation != WtWorktreeOperation.None)
                {
                    parts.Add(Operation.Value.ToString().ToLowerInvariant());
                }

                Count("↑", Ahead);
                Count("↓", Behind);
                if (IsIntegrated == true)
                {
                    parts.Add(IntegrationReason == WtIntegrationLevel.SameCommit ? "_" : "⊂");
                }

                if (StatusError != null)
                {
                    parts.Add("unreadable");
                }

                return string.Join(" ", parts);
            }
        }

        /// <summary>A copy carrying <paramref name="status"/> (Get-WtWorktree -Status).</summary>
        internal WtWorktree WithStatus(WorktreeStatus status) =>
            new WtWorktree(Path, Branch, Head, IsMain, IsCurrent, IsDetached, IsBare, IsLocked, LockReason, IsPrunable, PrunableReason, GitDir, CommonDir, Exists)
            {
                // Set once here, on the new copy; never changed after (the setters are private).
                Staged = status.Staged,
                Modified = status.Modified,
                Untracked = status.Untracked,
                Conflicted = status.Conflicted,
                Ahead = status.Ahead,
                Behind = status.Behind,
                IsIntegrated = status.IsIntegrated,
                IntegrationReason = status.IntegrationReason,
                IntegrationTarget = status.IntegrationTarget,
                Operation = status.Operation,
                StatusError = status.Error,
                HasStatus = true,
            };

        /// <inheritdoc/>
        public override string ToString() => Path;
    }
}
