// Contract: Stop-WtDaemon. Stops the fsmonitor daemons given by object or PID, one ShouldProcess
// per daemon (target `PID <pid> (<socket>)`, action "Stop fsmonitor daemon"), asked as the inputs
// arrive (Consider, called per pipeline input) and signalled together at the end (Finish).
// Data safety: each daemon is re-discovered and re-classified twice: before asking (so -WhatIf
// and -Confirm describe what would really happen, and a Live or Unknown daemon is refused with an
// error unless -Force) and again just before signalling, with fresh listings (a state that changed
// in between is honoured). A PID that is not a `git ... fsmonitor--daemon run` process holding an
// fsmonitor socket is never signalled (DaemonNotFound); a daemon object whose process has exited
// or whose PID now names another process is reported AlreadyGone without any signal.
// Signal discipline: git's own IPC stop first when the daemon's worktree still exists (a daemon
// that exits then is StoppedByIpc), then one batch of identity-checked SIGTERM + SIGCONT → 50 ms
// polls up to the deadline → SIGKILL (DaemonSignaller) for the rest (DaemonStopper.StopClassified);
// a daemon denied or surviving is a DaemonStopFailed error besides its result.
// Platform: Windows stops through `git fsmonitor--daemon stop` and then force-kills only a daemon
// attributed to its named pipe (discovery guarantees that); a PID that serves no attributable
// pipe is DaemonNotAttributable.

using System;
using System.Collections.Generic;
using System.Globalization;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Interop;
using Worktrunk.IO;

namespace Worktrunk.Operations
{
    /// <summary>The Stop-WtDaemon operation: <see cref="Consider(IReadOnlyList{int})"/> per input, then <see cref="Finish"/> once.</summary>
    internal sealed class DaemonStop
    {
        /// <summary>The ShouldProcess action text for stopping one daemon (Stop-WtDaemon and the sweep).</summary>
        internal const string Action = "Stop fsmonitor daemon";

        private readonly IOperationHost _host;
        private readonly GitRunner _git;
        private readonly bool _force;
        private readonly TimeSpan _deadline;
        private readonly List<WtFsmonitorDaemon> _approved = new List<WtFsmonitorDaemon>();

        /// <summary>Listings for the checks before asking; the re-check before signalling lists afresh.</summary>
        private GitWorktreeListings? _listings;
        private string? _sessionCommonDir;
        private bool _sessionResolved;

        /// <summary>Starts one Stop-WtDaemon; <paramref name="force"/> stops Live and Unknown daemons too.</summary>
        internal DaemonStop(bool force, TimeSpan deadline, IOperationHost host)
        {
            _host = host;
            _force = force;
            _deadline = deadline;
            _git = new GitRunner(host.Sink, host.Cancellation);
        }

        /// <summary>The ShouldProcess target naming one daemon.</summary>
        internal static string Target(WtFsmonitorDaemon d) =>
            "PID " + d.ProcessId.ToString(CultureInfo.InvariantCulture) + " (" + (d.SocketPath ?? "no socket") + ")";

        /// <summary>Considers daemons given by PID: each must be a running daemon holding an fsmonitor socket.</summary>
        internal void Consider(IReadOnlyList<int> processIds)
        {
            foreach (var pid in processIds)
            {
                var current = Current(pid, null, Listings());
                if (current == null)
                {
                    var text = pid.ToString(CultureInfo.InvariantCulture);
                    _host.Error(
                        Platform.IsWindows
                            ? new WorktrunkException(
                                ErrorIds.DaemonNotAttributable,
                                ErrorKind.ObjectNotFound,
                                $"PID {text} serves no fsmonitor named pipe Worktrunk can attribute, so it was not stopped.",
                                pid,
                                "Run `git fsmonitor--daemon stop` in its worktree, or Get-WtOrphanDaemon -IncludeLive to list the daemons Worktrunk can attribute.")
                            : new WorktrunkException(
                                ErrorIds.DaemonNotFound,
                                ErrorKind.ObjectNotFound,
                                $"PID {text} is not a running git fsmonitor daemon holding an fsmonitor socket; nothing was signalled.",
                                pid,
                                "Run Get-WtOrphanDaemon -IncludeLive to list the daemons."),
                        pid);
                    continue;
                }

                Consider(current, current);
            }
        }

        /// <summary>Considers daemons from Get-WtOrphanDaemon: the same process (PID and start time) or AlreadyGone.</summary>
        internal void Consider(IReadOnlyList<WtFsmonitorDaemon> daemons)
        {
            foreach (var given in daemons)
            {
                Consider(given, Current(given.ProcessId, given, Listings()));
            }
        }

        /// <summary>Re-verifies every approved daemon with fresh listings, stops the ones still to stop, writes one result each.</summary>
        internal void Finish()
        {
            if (_approved.Count == 0)
            {
                return;
            }

            // Ctrl+C before the signals: nothing is signalled.
            _host.Cancellation.ThrowIfCancellationRequested();
            var toSignal = new List<WtFsmonitorDaemon>();
            var fresh = new GitWorktreeListings(_git, null, allowOtherRepositories: true);
            foreach (var d in _approved)
            {
                var now = Current(d.ProcessId, d, fresh);
                if (now == null)
                {
                    _host.Output(Gone(d));
                }
                else if (!Refuse(now))
                {
                    toSignal.Add(now);
                }
            }

            _host.Cancellation.ThrowIfCancellationRequested();
            foreach (var r in DaemonStopper.StopClassified(toSignal, _git, _deadline))
            {
                _host.Output(r);
                if (DaemonStopOutcomes.Failed(r.Outcome))
                {
                    _host.Error(
                        new WorktrunkException(
                            ErrorIds.DaemonStopFailed,
                            r.Outcome == WtDaemonStopOutcome.Denied ? ErrorKind.PermissionDenied : ErrorKind.OperationTimeout,
                            $"The fsmonitor daemon PID {r.ProcessId.ToString(CultureInfo.InvariantCulture)} was not stopped ({r.Outcome}): {r.Message}",
                            r),
                        r);
                }
            }
        }

        private static WtDaemonStopResult Gone(WtFsmonitorDaemon d) =>
            new WtDaemonStopResult(d.ProcessId, d.SocketPath, d.GitDir, d.State, WtDaemonStopOutcome.AlreadyGone, TimeSpan.Zero, "The process had exited (or its PID now names another process); nothing was signalled.");

        private void Consider(WtFsmonitorDaemon shown, WtFsmonitorDaemon? current)
        {
            if (current == null)
            {
                // The process exited (or its PID was reused) since it was listed: nothing to signal.
                if (_host.ShouldProcess(Target(shown), Action))
                {
                    _host.Output(Gone(shown));
                }

                return;
            }

            if (!Refuse(current) && _host.ShouldProcess(Target(current), Action))
            {
                _approved.Add(current);
            }
        }

        /// <summary>Writes the refusal error and returns true for a Live or Unknown daemon without -Force.</summary>
        private bool Refuse(WtFsmonitorDaemon d)
        {
            if (_force || d.IsOrphaned)
            {
                return false;
            }

            var live = d.State == WtDaemonState.Live;
            var pid = d.ProcessId.ToString(CultureInfo.InvariantCulture);
            _host.Error(
                new WorktrunkException(
                    live ? ErrorIds.DaemonServesLiveWorktree : ErrorIds.DaemonNotProvablyOrphaned,
                    ErrorKind.InvalidOperation,
                    live
                        ? $"The fsmonitor daemon PID {pid} serves the live worktree {d.WorktreePath ?? d.GitDir}; it was not stopped. {d.Reason}"
                        : $"The fsmonitor daemon PID {pid} cannot be proven orphaned; it was not stopped. {d.Reason}",
                    d,
                    "Pass -Force to stop it anyway (git restarts a live worktree's daemon on demand)."),
                d);
            return true;
        }

        /// <summary>The daemon now running with this PID and the same identity, freshly classified; null when it is gone or not a daemon.</summary>
        private WtFsmonitorDaemon? Current(int pid, WtFsmonitorDaemon? original, GitWorktreeListings listings)
        {
            var probe = DaemonDiscovery.Probe(pid, _host.Sink, _host.Cancellation);
            if (probe == null || (original != null && probe.Identity.StartTicks != original.StartTicks))
            {
                return null;
            }

            return DaemonInventory.Describe(probe, original?.CommonDir ?? SessionCommonDir(), listings);
        }

        private GitWorktreeListings Listings() => _listings ??= new GitWorktreeListings(_git, null, allowOtherRepositories: true);

        /// <summary>The common dir of the session's repository, found without spawning git (for attributing socketDir sockets).</summary>
        private string? SessionCommonDir()
        {
            if (!_sessionResolved)
            {
                _sessionResolved = true;
                var here = _host.CurrentLocation;
                _sessionCommonDir = here == null ? null : RepositoryLocator.Walk(PathUtil.Canonicalize(here))?.CommonDir;
            }

            return _sessionCommonDir;
        }
    }
}
