using System;
using System.Collections.Generic;
using System.Management.Automation;
using Worktrunk.Diagnostics;
using Worktrunk.Operations;
using Worktrunk.PowerShell.Completion;
using Worktrunk.PowerShell.Internal;

namespace Worktrunk.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Lists the processes whose working directory is inside a worktree, as Worktrunk.WtWorktreeProcess objects (read-only).</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "WtWorktreeProcess", DefaultParameterSetName = BranchSet)]
    [OutputType(typeof(WtWorktreeProcess))]
    public sealed class GetWtWorktreeProcessCommand : WorktrunkCmdlet
    {
        private const string BranchSet = "Branch";
        private const string PathSet = "Path";
        private const string InputObjectSet = "InputObject";

        private readonly List<string> _paths = new List<string>();
        private readonly List<WtWorktree> _worktrees = new List<WtWorktree>();

        /// <summary>Gets or sets the branches whose worktrees to look in; none: every worktree of the repository.</summary>
        [Parameter(Position = 0, ParameterSetName = BranchSet)]
        [ArgumentCompleter(typeof(WorktreeBranchCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Branch { get; set; }

        /// <summary>Gets or sets paths; the worktree holding each is looked in.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>Gets or sets worktrees from Get-WtWorktree.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public WtWorktree[]? InputObject { get; set; }

        /// <summary>Gets or sets a path inside the repository; defaults to the session's current location.</summary>
        [Parameter(ParameterSetName = BranchSet)]
        [Parameter(ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string? Repository { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            if (ParameterSetName == PathSet)
            {
                foreach (var p in Path!)
                {
                    _paths.Add(ContainingDirectory.Of(ResolveDirectory(p, nameof(Path))));
                }
            }
            else if (ParameterSetName == InputObjectSet)
            {
                _worktrees.AddRange(InputObject!);
            }
        }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            var query = new WorktreeProcessQuery
            {
                Branches = Branch,
                Paths = ParameterSetName == PathSet ? _paths : null,
                Worktrees = ParameterSetName == InputObjectSet ? _worktrees : null,
                Repository = Repository != null ? ResolveDirectory(Repository, nameof(Repository)) : null,
            };
            try
            {
                WorktreeProcessListing.Run(query, new CmdletHost(this));
                Sink.Drain();
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e);
            }
            catch (OperationCanceledException)
            {
                Sink.Drain();
            }
        }
    }
}
