namespace Worktrunk.Git
{
    /// <summary>Where a repository lives, as seen from one directory inside it. Paths are canonical.</summary>
    internal sealed class RepositoryLocation
    {
        internal RepositoryLocation(string commonDir, string gitDir, string? workTreeRoot, string runDirectory)
        {
            CommonDir = commonDir;
            GitDir = gitDir;
            WorkTreeRoot = workTreeRoot;
            RunDirectory = runDirectory;
        }

        /// <summary>The shared git directory (`git rev-parse --git-common-dir`).</summary>
        internal string CommonDir { get; }

        /// <summary>The git directory of the worktree the start directory belongs to (the common dir for the main worktree or a bare repository).</summary>
        internal string GitDir { get; }

        /// <summary>The worktree root holding the start directory; null when it lies in a bare repository or inside a git directory.</summary>
        internal string? WorkTreeRoot { get; }

        /// <summary>A directory git commands about this repository can run in.</summary>
        internal string RunDirectory { get; }
    }
}
