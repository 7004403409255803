namespace Worktrunk.Removal
{
    /// <summary>How a target was named.</summary>
    internal enum SelectorKind
    {
        /// <summary>-Branch: a worktree's branch, or a branch with no worktree.</summary>
        Branch,

        /// <summary>-Path: the path of a registered worktree (resolved against the session; it may no longer exist).</summary>
        Path,

        /// <summary>-InputObject: a WtWorktree from Get-WtWorktree, re-found by its path in a fresh listing.</summary>
        Worktree,
    }

    /// <summary>One requested target, as the user named it.</summary>
    internal sealed class RemovalSelector
    {
        internal RemovalSelector(SelectorKind kind, string text, object input)
        {
            Kind = kind;
            Text = text;
            Input = input;
        }

        internal SelectorKind Kind { get; }

        /// <summary>The branch name, or the absolute filesystem path.</summary>
        internal string Text { get; }

        /// <summary>What the user passed (a string or a WtWorktree); the TargetObject of any error about it.</summary>
        internal object Input { get; }

        /// <inheritdoc/>
        public override string ToString() => Text;
    }
}
