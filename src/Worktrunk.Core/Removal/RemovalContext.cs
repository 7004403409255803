using System.Collections.Generic;
using System.IO;
using Worktrunk.Git;
using Worktrunk.IO;

namespace Worktrunk.Removal
{
    /// <summary>
    /// One repository as the planner sees it: a single `git worktree list` snapshot, the default
    /// branch, and the session's location. Built once per repository per invocation; execution
    /// never trusts it and reads fresh state instead.
    /// </summary>
    internal sealed class RemovalContext
    {
        internal RemovalContext(RepositoryLocation repository, IReadOnlyList<WtWorktree> worktrees, string? defaultBranch, string? currentLocation)
        {
            Repository = repository;
            Worktrees = worktrees;
            DefaultBranch = defaultBranch;
            CurrentLocation = currentLocation == null ? null : PathUtil.Canonicalize(currentLocation);
        }

        internal RepositoryLocation Repository { get; }

        internal string CommonDir => Repository.CommonDir;

        /// <summary>The listing the plan was made from (main worktree first, as git prints it).</summary>
        internal IReadOnlyList<WtWorktree> Worktrees { get; }

        /// <summary>The default branch (see <see cref="DefaultBranchResolver"/>), or null when none can be determined.</summary>
        internal string? DefaultBranch { get; }

        /// <summary>The session's canonical location, or null when it is not on the filesystem.</summary>
        internal string? CurrentLocation { get; }

        /// <summary>The main worktree, or null in a bare repository.</summary>
        internal WtWorktree? Main
        {
            get
            {
                foreach (var w in Worktrees)
                {
                    if (w.IsMain)
                    {
                        return w;
                    }
                }

                return null;
            }
        }

        /// <summary>
        /// Where repository-wide git commands run: the main worktree when it exists, else the common
        /// dir. Never a worktree being removed, whose directory disappears mid-command.
        /// </summary>
        internal string RunDirectory
        {
            get
            {
                var main = Main;
                return main != null && Directory.Exists(main.Path) ? main.Path : CommonDir;
            }
        }

        /// <summary>Reads the listing and the default branch of <paramref name="repository"/>.</summary>
        internal static RemovalContext Load(RepositoryLocation repository, GitRunner git, string? currentLocation)
        {
            var worktrees = WorktreeLister.List(repository, git, currentLocation);
            var main = (WtWorktree?)null;
            foreach (var w in worktrees)
            {
                if (w.IsMain)
                {
                    main = w;
                    break;
                }
            }

            var runDir = main != null && Directory.Exists(main.Path) ? main.Path : repository.CommonDir;
            var defaultBranch = DefaultBranchResolver.Resolve(git, runDir, main?.Branch);
            return new RemovalContext(repository, worktrees, defaultBranch, currentLocation);
        }
    }
}
