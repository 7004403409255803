using System;
using System.Management.Automation;
using Worktrunk.Diagnostics;
using Worktrunk.Operations;
using Worktrunk.PowerShell.Internal;

namespace Worktrunk.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Lists git fsmonitor daemons that provably serve no live worktree (read-only).</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "WtOrphanDaemon")]
    [OutputType(typeof(WtFsmonitorDaemon))]
    public sealed class GetWtOrphanDaemonCommand : WorktrunkCmdlet
    {
        /// <summary>Gets or sets a path inside the repository whose orphans to list; defaults to the session's current location.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Repository { get; set; }

        /// <summary>Gets or sets a value indicating whether live and unknown daemons (of any repository) are listed too.</summary>
        [Parameter]
        public SwitchParameter IncludeLive { get; set; }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            try
            {
                OrphanDaemonListing.Run(Repository == null ? null : ResolveDirectory(Repository, nameof(Repository)), IncludeLive.IsPresent, new CmdletHost(this));
                Sink.Drain();
            }
            catch (OperationCanceledException)
            {
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e);
            }
        }
    }
}
