using System.Collections.Generic;
using System.Management.Automation;
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

        /// <summary>
        /// With -Status each worktree is written with this type name first, so the default table
        /// shows the status column (module/Worktrunk.Worktree.format.ps1xml); the object is the
        /// same WtWorktree.
        /// </summary>
        private const string StatusTypeName = "Worktrunk.WtWorktree#Status";

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
                WorktreeListing.Run(request, Git, new CmdletHost(this, Status ? StatusTypeName : null));
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e);
            }
        }
    }
}
