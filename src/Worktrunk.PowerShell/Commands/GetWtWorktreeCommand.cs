using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Operations;
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

        /// <summary>Gets or sets a value indicating whether to read each worktree's status: counts, ahead/behind, integration, operation in progress.</summary>
        [Parameter]
        public SwitchParameter Status { get; set; }

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
            var start = Repository != null
                ? ResolveDirectory(Repository, nameof(Repository))
                : _paths.Count > 0 ? ContainingDirectory.Of(_paths[0]) : ResolveDirectory(null, nameof(Repository));
            var request = new WorktreeListingRequest(start) { Status = Status };
            if (ParameterSetName == PathSet)
            {
                var paths = new List<(string, string)>();
                foreach (var p in _paths)
                {
                    paths.Add((p, ContainingDirectory.Of(p)));
                }

                request.Paths = paths;
            }
            else if (Branch != null)
            {
                var patterns = new List<BranchPattern>();
                foreach (var b in Branch)
                {
                    // Case-sensitive, as git compares ref names on every platform (`git branch --list`
                    // matches patterns case-sensitively unless told -i, even where the filesystem
                    // is case-insensitive): 'Feature*' never selects 'feature-x'.
                    patterns.Add(WildcardPattern.ContainsWildcardCharacters(b)
                        ? new BranchPattern(b, true, WildcardPattern.Get(b, WildcardOptions.None).IsMatch)
                        : BranchPattern.Literal(b));
                }

                request.Branches = patterns;
            }

            try
            {
                IOperationHost host = new CmdletHost(this);
                WorktreeListing.Run(request, Git, Status ? new StatusViewHost(host) : host);
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e);
            }
        }

        /// <summary>
        /// Writes each worktree with the type name Worktrunk.WtWorktree#Status first, so the
        /// default table shows the status column (module/Worktrunk.Worktree.format.ps1xml); the
        /// object is the same WtWorktree.
        /// </summary>
        private sealed class StatusViewHost : IOperationHost
        {
            internal const string TypeName = "Worktrunk.WtWorktree#Status";

            private readonly IOperationHost _inner;

            internal StatusViewHost(IOperationHost inner)
            {
                _inner = inner;
            }

            public IDiagnosticSink Sink => _inner.Sink;

            public CancellationToken Cancellation => _inner.Cancellation;

            public bool IsWhatIf => _inner.IsWhatIf;

            public string? CurrentLocation => _inner.CurrentLocation;

            public bool ShouldProcess(string target, string action) => _inner.ShouldProcess(target, action);

            public void SetLocation(string directory) => _inner.SetLocation(directory);

            public void Output(object item)
            {
                var o = PSObject.AsPSObject(item);
                o.TypeNames.Insert(0, TypeName);
                _inner.Output(o);
            }

            public void Error(WorktrunkException error, object? target) => _inner.Error(error, target);
        }
    }
}
