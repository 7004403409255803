using System;

namespace Worktrunk.Creation
{
    /// <summary>A point of New-WtWorktree's execution a test can stop at (race and fault injection).</summary>
    internal enum CreationStep
    {
        /// <summary>Every check passed and ShouldProcess said yes; `git worktree add` is next.</summary>
        BeforeWorktreeAdd,

        /// <summary>`git worktree add` failed; the cleanup of a branch it created is next.</summary>
        BeforeCleanup,
    }

    /// <summary>The inputs of one New-WtWorktree: paths already resolved against the session (never the process's working directory).</summary>
    internal sealed class CreationRequest
    {
        internal CreationRequest(string branch)
        {
            Branch = branch;
        }

        internal string Branch { get; }

        /// <summary>Gets or sets the start of a new branch (-Base); null: the default branch.</summary>
        internal string? Base { get; set; }

        /// <summary>Gets or sets the destination (-Path), absolute; null: the template.</summary>
        internal string? Path { get; set; }

        /// <summary>Gets or sets a directory inside the repository (-Repository), absolute; null: the session's location.</summary>
        internal string? Repository { get; set; }

        /// <summary>Gets or sets a value indicating whether the session moves into the new worktree (-Enter).</summary>
        internal bool Enter { get; set; }

        /// <summary>Gets or sets the test seam called at each <see cref="CreationStep"/>.</summary>
        internal Action<CreationStep>? OnStep { get; set; }
    }
}
