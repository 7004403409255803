// Contract: stops the fsmonitor daemons given by object or PID, one ShouldProcess per daemon
// (target `PID <pid> (<socket>)`, action "Stop fsmonitor daemon").
// Data safety: each daemon is re-discovered and re-classified twice: before asking (so -WhatIf
// and -Confirm describe what would really happen, and a Live or Unknown daemon is refused with an
// error unless -Force) and again just before signalling (a state that changed in between is
// honoured). A PID that is not a `git ... fsmonitor--daemon run` process holding an fsmonitor
// socket is never signalled (DaemonNotFound); a daemon object whose process has exited or whose
// PID now names another process is reported AlreadyGone without any signal.
// Signal discipline: git's own IPC stop first when the daemon's worktree still exists (a daemon
// that exits then is StoppedByIpc), then one batch of identity-checked SIGTERM + SIGCONT → 50 ms
// polls up to -TimeoutSec → SIGKILL (DaemonSignaller) for the rest (DaemonStopper.StopClassified).
// Platform: Windows stops through `git fsmonitor--daemon stop` and then force-kills only a daemon
// attributed to its named pipe (discovery guarantees that); anything else is reported.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.PowerShell.Completion;
using Worktrunk.PowerShell.Internal;

namespace Worktrunk.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Stops git fsmonitor daemons: IPC stop, then identity-checked SIGTERM, a bounded wait and SIGKILL.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "WtDaemon", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = InputObjectSet)]
    [OutputType(typeof(WtDaemonStopResult))]
    public sealed class StopWtDaemonCommand : WorktrunkCmdlet
    {
        /// <summary>The ShouldProcess action text.</summary>
        internal const string Action = "Stop fsmonitor daemon";

        private const string InputObjectSet = "InputObject";
        private const string ProcessIdSet = "ProcessId";

        private readonly List<WtFsmonitorDaemon> _approved = new List<WtFsmonitorDaemon>();

        /// <summary>Listings for the checks before asking; the re-check before signalling lists afresh.</summary>
        private GitWorktreeListings? _listings;
        private string? _sessionCommonDir;
        private bool _sessionResolved;

        /// <summary>Gets or sets daemons from Get-WtOrphanDaemon.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
        [ValidateNotNull]
        public WtFsmonitorDaemon[]? InputObject { get; set; }

        /// <summary>Gets or sets process ids of daemons; binds by property name (any object with a ProcessId).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ProcessIdSet)]
        [ArgumentCompleter(typeof(DaemonProcessIdCompleter))]
        public int[]? ProcessId { get; set; }

        /// <summary>Gets or sets a value indicating whether Live and Unknown daemons are stopped too.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Gets or sets how long a daemon has after SIGTERM before SIGKILL, in seconds.</summary>
        [Parameter]
        [ValidateRange(0.0, 300.0)]
        public double TimeoutSec { get; set; } = DaemonSignaller.DefaultDeadline.TotalSeconds;

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            try
            {
                if (ParameterSetName == ProcessIdSet)
                {
                    foreach (var pid in ProcessId!)
                    {
                        var current = Current(pid, null, Listings());
                        if (current == null)
                        {
                            WriteError(Worktrunk.Interop.Platform.IsWindows
                                ? ErrorMapper.Create(
                                    ErrorIds.DaemonNotAttributable,
                                    ErrorCategory.ObjectNotFound,
                                    $"PID {pid.ToString(CultureInfo.InvariantCulture)} serves no fsmonitor named pipe Worktrunk can attribute, so it was not stopped.",
                                    pid,
                                    "Run `git fsmonitor--daemon stop` in its worktree, or Get-WtOrphanDaemon -IncludeLive to list the daemons Worktrunk can attribute.")
                                : ErrorMapper.Create(
                                    ErrorIds.DaemonNotFound,
                                    ErrorCategory.ObjectNotFound,
                                    $"PID {pid.ToString(CultureInfo.InvariantCulture)} is not a running git fsmonitor daemon holding an fsmonitor socket; nothing was signalled.",
                                    pid,
                                    "Run Get-WtOrphanDaemon -IncludeLive to list the daemons."));
                            continue;
                        }

                        Consider(current, current);
                    }
                }
                else
                {
                    foreach (var given in InputObject!)
                    {
                        Consider(given, Current(given.ProcessId, given, Listings()));
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (WorktrunkException e)
            {
                WriteWorktrunkError(e);
            }
        }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            if (_approved.Count == 0)
            {
                return;
            }

            try
            {
                // Re-verify every approved daemon just before signalling, with fresh listings.
                var toSignal = new List<WtFsmonitorDaemon>();
                var fresh = new GitWorktreeListings(Git, null, allowOtherRepositories: true);
                foreach (var d in _approved)
                {
                    var now = Current(d.ProcessId, d, fresh);
                    if (now == null)
                    {
                        WriteObject(Gone(d));
                    }
                    else if (Refuse(now))
                    {
                        continue;
                    }
                    else
                    {
                        toSignal.Add(now);
                    }
                }

                var results = DaemonStopper.StopClassified(toSignal, Git, TimeSpan.FromSeconds(TimeoutSec));
                Sink.Drain();
                foreach (var r in results)
                {
                    WriteObject(r);
                    if (r.Outcome == WtDaemonStopOutcome.Denied || r.Outcome == WtDaemonStopOutcome.Survived)
                    {
                        WriteError(ErrorMapper.Create(
                            ErrorIds.DaemonStopFailed,
                            r.Outcome == WtDaemonStopOutcome.Denied ? ErrorCategory.PermissionDenied : ErrorCategory.OperationTimeout,
                            $"The fsmonitor daemon PID {r.ProcessId.ToString(CultureInfo.InvariantCulture)} was not stopped ({r.Outcome}): {r.Message}",
                            r));
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e);
            }
        }

        /// <summary>The daemon now running with this PID and the same identity, freshly classified; null when it is gone or not a daemon.</summary>
        private WtFsmonitorDaemon? Current(int pid, WtFsmonitorDaemon? original, GitWorktreeListings listings)
        {
            var probe = DaemonDiscovery.Probe(pid, Sink, Cancellation);
            if (probe == null || (original != null && probe.Identity.StartTicks != original.StartTicks))
            {
                return null;
            }

            return DaemonInventory.Describe(probe, original?.CommonDir ?? SessionCommonDir(), listings);
        }

        private GitWorktreeListings Listings() => _listings ??= new GitWorktreeListings(Git, null, allowOtherRepositories: true);

        private void Consider(WtFsmonitorDaemon shown, WtFsmonitorDaemon? current)
        {
            if (current == null)
            {
                // The process exited (or its PID was reused) since it was listed: nothing to signal.
                if (ShouldProcess(Target(shown), Action))
                {
                    WriteObject(Gone(shown));
                }

                return;
            }

            if (Refuse(current))
            {
                return;
            }

            if (ShouldProcess(Target(current), Action))
            {
                _approved.Add(current);
            }
        }

        /// <summary>Writes the refusal error and returns true for a Live or Unknown daemon without -Force.</summary>
        private bool Refuse(WtFsmonitorDaemon d)
        {
            if (Force.IsPresent || d.IsOrphaned)
            {
                return false;
            }

            var live = d.State == WtDaemonState.Live;
            WriteError(ErrorMapper.Create(
                live ? ErrorIds.DaemonServesLiveWorktree : ErrorIds.DaemonNotProvablyOrphaned,
                ErrorCategory.InvalidOperation,
                live
                    ? $"The fsmonitor daemon PID {d.ProcessId.ToString(CultureInfo.InvariantCulture)} serves the live worktree {d.WorktreePath ?? d.GitDir}; it was not stopped. {d.Reason}"
                    : $"The fsmonitor daemon PID {d.ProcessId.ToString(CultureInfo.InvariantCulture)} cannot be proven orphaned; it was not stopped. {d.Reason}",
                d,
                "Pass -Force to stop it anyway (git restarts a live worktree's daemon on demand)."));
            return true;
        }

        private static string Target(WtFsmonitorDaemon d) =>
            "PID " + d.ProcessId.ToString(CultureInfo.InvariantCulture) + " (" + (d.SocketPath ?? "no socket") + ")";

        private static WtDaemonStopResult Gone(WtFsmonitorDaemon d) =>
            new WtDaemonStopResult(d.ProcessId, d.SocketPath, d.GitDir, d.State, WtDaemonStopOutcome.AlreadyGone, TimeSpan.Zero, "The process had exited (or its PID now names another process); nothing was signalled.");

        /// <summary>The common dir of the session's repository, found without spawning git (for attributing socketDir sockets).</summary>
        private string? SessionCommonDir()
        {
            if (!_sessionResolved)
            {
                _sessionResolved = true;
                var here = CurrentFileSystemLocation();
                _sessionCommonDir = here == null ? null : RepositoryLocator.Walk(Worktrunk.IO.PathUtil.Canonicalize(here))?.CommonDir;
            }

            return _sessionCommonDir;
        }
    }
}
