using System;
using System.Collections.Generic;
using System.IO;
using Worktrunk.Git;

namespace Worktrunk.Removal
{
    /// <summary>
    /// One repository as the planner sees it: a single worktree listing snapshot (its IsCurrent
    /// flags from the session's location) and the default branch. Built once per repository per invocation; execution
    /// never trusts it and reads fresh state instead.
    /// </summary>
    internal sealed class RemovalContext
    {
        internal RemovalContext(RepositoryLocation repository, IReadOnlyList<WtWorktree> worktrees, string? defaultBranch, RefSnapshot? refs = null)
        {
            Repository = repository;
            Worktrees = worktrees;
            DefaultBranch = defaultBranch;
            Refs = refs;
        }

        /// <summary>
        /// The refs planning reads, each as it was when first used (RefSnapshot.OnDemand), or every
        /// local branch and origin/HEAD as one `git for-each-ref` printed them; null when not read.
        /// </summary>
        internal RefSnapshot? Refs { get; }

        internal RepositoryLocation Repository { get; }

        internal string CommonDir => Repository.CommonDir;

        /// <summary>The listing the plan was made from (main worktree first, as git prints it).</summary>
        internal IReadOnlyList<WtWorktree> Worktrees { get; }

        /// <summary>The default branch (see <see cref="DefaultBranchResolver"/>), or null when none can be determined.</summary>
        internal string? DefaultBranch { get; }

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
        /// Reads the listing, the refs planning needs and the default branch of
        /// <paramref name="repository"/>, from git's own files where that is exact: refs from the
        /// files backend (Git/RefFiles, one ref at a time on first use), the listing from the
        /// registration files (Git/WorktreeFiles), init.defaultBranch and each branch's upstream
        /// setting from the config files (Git/ConfigLookup). Each asks git instead
        /// (`git for-each-ref`, `git worktree list`, `git config`) for whatever it cannot read
        /// exactly; a branch with an upstream is always read by git, which maps it to its
        /// remote-tracking ref. On the plain layout this starts no process at all.
        /// </summary>
        internal static RemovalContext Load(RepositoryLocation repository, GitRunner git, string? currentLocation)
        {
            var dir = repository.RunDirectory;
            var repositoryConfig = ConfigLookup.ReadRepositoryConfig(repository.CommonDir);
            var config = ConfigLookup.Load(git, repository, repositoryConfig);
            var files = RefFiles.Open(repository.CommonDir, repositoryConfig);
            RefSnapshot refs;
            if (files != null)
            {
                git.Sink.Debug("refs read from the ref files of " + repository.CommonDir + " (git for any it cannot read exactly)");
                refs = RefSnapshot.OnDemand(name => Resolve(name, files, config, git, dir));
            }
            else
            {
                refs = RefSnapshot.Read(git, dir, "refs/heads/", "refs/remotes/origin/HEAD");
            }

            List<WtWorktree> worktrees;
            var records = WorktreeFiles.TryRead(repository.CommonDir, repositoryConfig, name => refs[name] is RefEntry e && e.Symref == null ? e.Sha : null, out var registrations);
            if (records != null)
            {
                git.Sink.Debug($"worktree list read from the registration files: {records.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)} worktrees");
                worktrees = WorktreeLister.Build(records, repository.CommonDir, currentLocation, registrations);
            }
            else
            {
                worktrees = WorktreeLister.List(repository, git, currentLocation);
            }

            var main = (WtWorktree?)null;
            foreach (var w in worktrees)
            {
                if (w.IsMain)
                {
                    main = w;
                    break;
                }
            }

            var defaultBranch = DefaultBranchResolver.Resolve(refs, config.Get("init", null, "defaultBranch"), main?.Branch);
            return new RemovalContext(repository, worktrees, defaultBranch, refs);
        }

        /// <summary>One ref for the on-demand snapshot: from the files when exact, else from `git for-each-ref &lt;ref&gt;`.</summary>
        private static RefEntry? Resolve(string name, RefFiles files, ConfigLookup config, GitRunner git, string dir)
        {
            const string Heads = "refs/heads/";
            if (files.TryRead(name, out var sha, out var symref))
            {
                if (sha == null)
                {
                    return null;
                }

                if (!name.StartsWith(Heads, StringComparison.Ordinal))
                {
                    return new RefEntry(name, sha, symref, null, null);
                }

                // A branch: exact only when it is not symbolic and has no upstream (no branch.<b>.merge).
                if (symref == null && config.TryGet("branch", name.Substring(Heads.Length), "merge", out var merge) && merge == null)
                {
                    return new RefEntry(name, sha, null, null, null);
                }
            }

            return RefSnapshot.Read(git, dir, name)[name];
        }
    }
}
