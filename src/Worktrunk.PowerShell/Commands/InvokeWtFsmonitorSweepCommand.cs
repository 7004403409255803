// Contract: binding for Operations/RepositorySweep (one sweep of one repository: orphaned
// fsmonitor daemons and stale trash; one ShouldProcess per daemon and per trash entry; -WhatIf
// changes nothing; best effort, exactly one Worktrunk.WtSweepSummary is written).

using System;
using System.Management.Automation;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Operations;
using Worktrunk.PowerShell.Internal;

namespace Worktrunk.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Reaps this repository's orphaned git fsmonitor daemons and removes its stale trash.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "WtFsmonitorSweep", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(WtSweepSummary))]
    public sealed class InvokeWtFsmonitorSweepCommand : WorktrunkCmdlet
    {
        /// <summary>Gets or sets a path inside the repository to sweep; defaults to the session's current location.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Repository { get; set; }

        /// <summary>Gets or sets how long an orphan has after SIGTERM before SIGKILL, in seconds.</summary>
        [Parameter]
        [ValidateRange(0.0, 300.0)]
        public double TimeoutSec { get; set; } = DaemonSignaller.DefaultDeadline.TotalSeconds;

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            try
            {
                RepositorySweep.Invoke(ResolveDirectory(Repository, nameof(Repository)), TimeSpan.FromSeconds(TimeoutSec), new CmdletHost(this));
                Sink.Drain();
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e);
            }
        }
    }
}
