using System.Collections.Generic;

namespace Worktrunk.Creation
{
    /// <summary>How the new worktree gets its branch.</summary>
    internal enum CreationKind
    {
        /// <summary>A new local branch at the base commit, with no upstream (`-b &lt;b&gt; --no-track`).</summary>
        NewBranch,

        /// <summary>An existing local branch, checked out as it is.</summary>
        ExistingBranch,

        /// <summary>A branch that exists only on one remote: a new local branch tracking it (`--track -b &lt;b&gt;`).</summary>
        TrackRemote,
    }

    /// <summary>Everything New-WtWorktree decided before it changes anything: the one git call it will make, and what it needs to undo a half-done one.</summary>
    internal sealed class CreationPlan
    {
        internal CreationPlan(string branch, string path, CreationKind kind, string startPoint, string? startSha, string? baseName, string? remote, IReadOnlyList<string> gitArgs, IReadOnlyList<(string Name, string Value)>? branchConfigBefore)
        {
            Branch = branch;
            Path = path;
            Kind = kind;
            StartPoint = startPoint;
            StartSha = startSha;
            BaseName = baseName;
            Remote = remote;
            GitArgs = gitArgs;
            BranchConfigBefore = branchConfigBefore;
        }

        internal string Branch { get; }

        /// <summary>The destination: absolute, its existing ancestors canonical (symlinks in them resolved), the last component not a symlink.</summary>
        internal string Path { get; }

        internal CreationKind Kind { get; }

        /// <summary>What git is given after the path: the base commit's id, the existing branch's name, or refs/remotes/&lt;remote&gt;/&lt;branch&gt;.</summary>
        internal string StartPoint { get; }

        /// <summary>The commit a branch git creates will point at (null for an existing branch): the only tip a cleanup may delete.</summary>
        internal string? StartSha { get; }

        /// <summary>The base as the user named it (or the default branch), for messages; null for an existing branch.</summary>
        internal string? BaseName { get; }

        /// <summary>The remote tracked (TrackRemote only).</summary>
        internal string? Remote { get; }

        /// <summary>The arguments of the one `git worktree add` call (options, then --, then the path and start point).</summary>
        internal IReadOnlyList<string> GitArgs { get; }

        /// <summary>TrackRemote only: the branch.&lt;b&gt;.* entries of the repository's config before the call (to put back if git fails after writing them).</summary>
        internal IReadOnlyList<(string Name, string Value)>? BranchConfigBefore { get; }

        /// <summary>Gets a value indicating whether git will create the branch (so a failed call may leave one to delete).</summary>
        internal bool CreatesBranch => Kind != CreationKind.ExistingBranch;

        /// <summary>The ShouldProcess action text.</summary>
        internal string Action => Kind switch
        {
            CreationKind.NewBranch => $"Create worktree with new branch '{Branch}' from '{BaseName}' ({Short(StartSha)}, no upstream)",
            CreationKind.TrackRemote => $"Create worktree with new branch '{Branch}' tracking '{Remote}/{Branch}'",
            _ => $"Create worktree for existing branch '{Branch}'",
        };

        private static string Short(string? sha) => sha == null ? string.Empty : sha.Length > 10 ? sha.Substring(0, 10) : sha;
    }
}
