using System;
using System.Collections.Generic;
using System.Management.Automation;
using Worktrunk.Diagnostics;
using Worktrunk.IO;
using Worktrunk.Operations;
using Worktrunk.PowerShell.Completion;
using Worktrunk.PowerShell.Internal;
using Worktrunk.Removal;

namespace Worktrunk.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Removes git worktrees instantly and safely: guards, fsmonitor stop, trash staging, background deletion and integrated-branch deletion.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "WtWorktree", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = BranchSet)]
    [OutputType(typeof(WtRemovalResult))]
    public sealed class RemoveWtWorktreeCommand : WorktrunkCmdlet
    {
        private const string BranchSet = "Branch";
        private const string PathSet = "Path";
        private const string InputObjectSet = "InputObject";

        private readonly List<RemovalSelector> _selectors = new List<RemovalSelector>();
        private RemovalOptions? _options;

        /// <summary>Gets or sets the branches whose worktrees to remove (a branch with no worktree is itself considered for deletion).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = BranchSet)]
        [ArgumentCompleter(typeof(WorktreeBranchCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Branch { get; set; }

        /// <summary>Gets or sets the root directories of the worktrees to remove; a directory that no longer exists names a stale registration.</summary>
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

        /// <summary>Gets or sets a value indicating whether to remove worktrees with uncommitted changes (lifts the dirty gate and nothing else).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Gets or sets a value indicating whether to keep the branch even when it is integrated.</summary>
        [Parameter]
        public SwitchParameter KeepBranch { get; set; }

        /// <summary>Gets or sets a value indicating whether to delete the branch even when it is not integrated (git branch -D).</summary>
        [Parameter]
        public SwitchParameter ForceDeleteBranch { get; set; }

        /// <summary>Gets or sets a value indicating whether to delete the directory in this process, with progress, before returning.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>Gets or sets a value indicating whether to stop the worktree's processes that have no controlling terminal before its directory moves (identity-checked SIGTERM, then SIGKILL); processes with a terminal are named in a warning and left running.</summary>
        [Parameter]
        public SwitchParameter StopProcess { get; set; }

        /// <summary>Gets or sets a value indicating whether to emit a WtRemovalResult per target.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc/>
        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            try
            {
                _options = RemovalOptions.FromFlags(Force, KeepBranch, ForceDeleteBranch, Wait, StopProcess);
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e);
            }
        }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case BranchSet:
                    foreach (var b in Branch!)
                    {
                        _selectors.Add(new RemovalSelector(SelectorKind.Branch, b, b));
                    }

                    break;
                case PathSet:
                    foreach (var p in Path!)
                    {
                        _selectors.Add(new RemovalSelector(SelectorKind.Path, PathUtil.TrimEnd(ResolveDirectory(p, nameof(Path))), p));
                    }

                    break;
                case InputObjectSet:
                    foreach (var w in InputObject!)
                    {
                        _selectors.Add(new RemovalSelector(SelectorKind.Worktree, w.Path, w));
                    }

                    break;
                default:
                    throw new InvalidOperationException("Unknown parameter set " + ParameterSetName);
            }
        }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            // -Repository (or the session's location) matters only to -Branch and -Path selectors.
            var repository = _selectors.Count > 0 && ParameterSetName != InputObjectSet ? ResolveDirectory(Repository, nameof(Repository)) : null;
            WorktreeRemoval.Run(_selectors, repository, _options!, PassThru, new CmdletHost(this));
            Sink.Drain();
        }
    }
}
