using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
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
        internal RemovalContext(RepositoryLocation repository, IReadOnlyList<WtWorktree> worktrees, string? defaultBranch, string? currentLocation, RefSnapshot? refs = null)
        {
            Repository = repository;
            Worktrees = worktrees;
            DefaultBranch = defaultBranch;
            CurrentLocation = currentLocation == null ? null : PathUtil.Canonicalize(currentLocation);
            Refs = refs;
        }

        /// <summary>Every local branch (and origin/HEAD) at planning time; null when not read.</summary>
        internal RefSnapshot? Refs { get; }

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

        /// <summary>
        /// Reads the listing, the local branches and the default branch of <paramref name="repository"/>:
        /// three read-only git calls, run at the same time.
        /// </summary>
        internal static RemovalContext Load(RepositoryLocation repository, GitRunner git, string? currentLocation)
        {
            var dir = repository.RunDirectory;
            var refsTask = Task.Run(() => RefSnapshot.Read(git, dir, "refs/heads/", "refs/remotes/origin/HEAD"));
            var configTask = Task.Run(() => git.Run(dir, GitAccess.ReadOnly, new[] { "config", "--get", "init.defaultBranch" }));
            List<WtWorktree> worktrees;
            try
            {
                worktrees = WorktreeLister.List(repository, git, currentLocation);
            }
            finally
            {
                // Never leave a call running behind an exception.
                Task.WaitAll(new Task[] { refsTask, configTask }.Where(t => !t.IsCompleted).ToArray());
            }

            var refs = Await(refsTask);
            var configured = Await(configTask);
            var main = (WtWorktree?)null;
            foreach (var w in worktrees)
            {
                if (w.IsMain)
                {
                    main = w;
                    break;
                }
            }

            var defaultBranch = DefaultBranchResolver.Resolve(refs, configured.Succeeded ? configured.Stdout.Trim() : null, main?.Branch);
            return new RemovalContext(repository, worktrees, defaultBranch, currentLocation, refs);
        }

        private static T Await<T>(Task<T> task)
        {
            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (AggregateException e) when (e.InnerException != null)
            {
                throw e.InnerException;
            }
        }
    }
}
