// Contract: one sweep of one repository: reap its provably orphaned fsmonitor daemons (see
// FsmonitorSweep for the scope and signal discipline) and hand its stale trash entries (older than
// 24 h, named `<name>-<unix seconds>`) to the detached low-priority deleter. One ShouldProcess per
// daemon and per trash entry; -WhatIf lists them and changes nothing. Every step is best effort: a
// failure becomes a warning (and an entry of the summary's Warnings), never a failed command.
// Exactly one Worktrunk.WtSweepSummary is written.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.PowerShell.Internal;
using Worktrunk.Trash;

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
                var git = Git;
                var repo = Worktrunk.Git.RepositoryLocator.Locate(ResolveDirectory(Repository, nameof(Repository)), git);
                var whatIf = IsWhatIf();
                var summary = FsmonitorSweep.Run(
                    repo,
                    git,
                    whatIf,
                    TimeSpan.FromSeconds(TimeoutSec),
                    d => ShouldProcess("PID " + d.ProcessId.ToString(CultureInfo.InvariantCulture) + " (" + (d.SocketPath ?? "no socket") + ")", StopWtDaemonCommand.Action));
                Sink.Drain();

                var warnings = new List<string>();
                var stale = new List<string>();
                var approved = new List<string>();
                try
                {
                    stale = TrashPaths.CollectStale(repo.CommonDir, DateTimeOffset.UtcNow, Sink);
                    foreach (var entry in stale)
                    {
                        if (ShouldProcess(entry, "Delete stale trash entry"))
                        {
                            approved.Add(entry);
                        }
                    }

                    if (!whatIf && approved.Count > 0)
                    {
                        BackgroundDeleter.Start(repo.CommonDir, approved, System.IO.Path.Combine(TrashPaths.LogsDir(repo.CommonDir), "internal-trash-sweep.log"), Sink);
                    }
                }
                catch (Exception e) when (e is WorktrunkException || e is System.IO.IOException || e is UnauthorizedAccessException)
                {
                    var message = "Removing stale trash of " + repo.CommonDir + " failed: " + e.Message;
                    warnings.Add(message);
                    WriteWarning(message);
                    approved.Clear();
                }

                Sink.Drain();
                WriteObject(summary.WithTrash(stale, whatIf ? 0 : approved.Count, warnings, summary.Elapsed));
            }
            catch (OperationCanceledException)
            {
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e);
            }
        }

        /// <summary>True for -WhatIf or $WhatIfPreference.</summary>
        private bool IsWhatIf()
        {
            if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w))
            {
                return w is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(w);
            }

            return LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference", false));
        }
    }
}
