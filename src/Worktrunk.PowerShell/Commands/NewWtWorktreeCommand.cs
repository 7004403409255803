using System.Management.Automation;
using Worktrunk.Creation;
using Worktrunk.Operations;
using Worktrunk.PowerShell.Completion;
using Worktrunk.PowerShell.Internal;

namespace Worktrunk.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Creates a git worktree for a branch (a new branch, an existing one, or a remote-only one) and emits it as a Worktrunk.WtWorktree.</para>
    /// </summary>
    /// <remarks>
    /// ConfirmImpact Low: the cmdlet only adds (a directory that did not exist or was empty, a
    /// registration, a new branch), refuses to touch anything that exists, and is undone by
    /// Remove-WtWorktree; agents call it in loops, so it must not prompt unless asked (-Confirm).
    /// </remarks>
    [Cmdlet(VerbsCommon.New, "WtWorktree", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(WtWorktree))]
    public sealed class NewWtWorktreeCommand : WorktrunkCmdlet
    {
        /// <summary>Gets or sets the branch: created when new, checked out as it is when it exists, tracked when only a remote has it.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Branch { get; set; }

        /// <summary>Gets or sets where a new branch starts (a branch, tag, commit or remote-tracking branch); defaults to the default branch.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(BaseRefCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Base { get; set; }

        /// <summary>Gets or sets the worktree's directory (new, or an empty directory); defaults to the repository's template.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Gets or sets a path inside the repository; defaults to the session's current location.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Repository { get; set; }

        /// <summary>Gets or sets a value indicating whether the session moves into the new worktree.</summary>
        [Parameter]
        public SwitchParameter Enter { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            var request = new CreationRequest(Branch!)
            {
                Base = Base,
                Path = Path == null ? null : ResolveDirectory(Path, nameof(Path)),
                Repository = Repository == null ? null : ResolveDirectory(Repository, nameof(Repository)),
                Enter = Enter.IsPresent,
            };
            WorktreeCreation.Run(request, Git, new CmdletHost(this));
        }
    }
}
