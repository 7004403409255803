using System;
using System.Collections.Generic;
using System.Management.Automation;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.PowerShell.Completion;
using Worktrunk.PowerShell.Internal;

namespace Worktrunk.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Lists the worktrees of a git repository as Worktrunk.WtWorktree objects.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "WtWorktree", DefaultParameterSetName = BranchSet)]
    [OutputType(typeof(WtWorktree))]
    public sealed class GetWtWorktreeCommand : WorktrunkCmdlet
    {
        private const string BranchSet = "Branch";
        private const string PathSet = "Path";

        private readonly List<string> _paths = new List<string>();

        /// <summary>Gets or sets branch names to keep; wildcards allowed.</summary>
        [Parameter(Position = 0, ParameterSetName = BranchSet)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(WorktreeBranchCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Branch { get; set; }

        /// <summary>Gets or sets paths; the worktree containing each is returned.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>Gets or sets a path inside the repository; defaults to the session's current location.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Repository { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            if (ParameterSetName == PathSet)
            {
                foreach (var p in Path!)
                {
                    _paths.Add(ResolveDirectory(p, nameof(Path)));
                }
            }
        }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            try
            {
                var start = Repository != null
                    ? ResolveDirectory(Repository, nameof(Repository))
                    : _paths.Count > 0 ? ContainingDirectory.Of(_paths[0]) : ResolveDirectory(null, nameof(Repository));
                var git = Git;
                var repo = RepositoryLocator.Locate(start, git);
                var worktrees = WorktreeLister.List(repo, git, CurrentFileSystemLocation());
                Sink.Drain();

                switch (ParameterSetName)
                {
                    case PathSet:
                        WritePathMatches(worktrees);
                        break;
                    case BranchSet:
                        WriteBranchMatches(worktrees);
                        break;
                    default:
                        throw new InvalidOperationException("Unknown parameter set " + ParameterSetName);
                }
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e);
            }
        }

        private void WriteBranchMatches(List<WtWorktree> worktrees)
        {
            if (Branch == null)
            {
                foreach (var w in worktrees)
                {
                    WriteObject(w);
                }

                return;
            }

            var patterns = new List<(string Text, WildcardPattern Pattern, bool Matched)>();
            foreach (var b in Branch)
            {
                // Case-sensitive, as git compares ref names on every platform (`git branch --list`
                // matches patterns case-sensitively unless told -i, even where the filesystem
                // is case-insensitive): 'Feature*' never selects 'feature-x'.
                patterns.Add((b, WildcardPattern.Get(b, WildcardOptions.None), false));
            }

            foreach (var w in worktrees)
            {
                var hit = false;
                for (var i = 0; i < patterns.Count; i++)
                {
                    if (w.Branch != null && (WildcardPattern.ContainsWildcardCharacters(patterns[i].Text)
                        ? patterns[i].Pattern.IsMatch(w.Branch)
                        : string.Equals(w.Branch, patterns[i].Text, StringComparison.Ordinal)))
                    {
                        patterns[i] = (patterns[i].Text, patterns[i].Pattern, true);
                        hit = true;
                    }
                }

                if (hit)
                {
                    WriteObject(w);
                }
            }

            foreach (var p in patterns)
            {
                if (!p.Matched && !WildcardPattern.ContainsWildcardCharacters(p.Text))
                {
                    WriteError(ErrorMapper.Create(
                        ErrorIds.WorktreeNotFound,
                        ErrorCategory.ObjectNotFound,
                        $"No worktree has branch {Printable.Quote(p.Text)} checked out.",
                        p.Text,
                        "Run Get-WtWorktree to list the worktrees."));
                }
            }
        }

        private void WritePathMatches(List<WtWorktree> worktrees)
        {
            var written = new HashSet<WtWorktree>();
            foreach (var p in _paths)
            {
                var target = PathUtil.Canonicalize(ContainingDirectory.Of(p));
                WtWorktree? best = null;
                var bestLength = -1;
                foreach (var w in worktrees)
                {
                    var root = PathUtil.Canonicalize(w.Path);
                    if (PathUtil.IsAtOrUnder(target, root) && root.Length > bestLength)
                    {
                        best = w;
                        bestLength = root.Length;
                    }
                }

                if (best == null)
                {
                    WriteError(ErrorMapper.Create(
                        ErrorIds.WorktreeNotFound,
                        ErrorCategory.ObjectNotFound,
                        $"{Printable.Quote(p)} is not inside any worktree of this repository.",
                        p,
                        "Run Get-WtWorktree to list the worktrees."));
                }
                else if (written.Add(best))
                {
                    WriteObject(best);
                }
            }
        }
    }
}
