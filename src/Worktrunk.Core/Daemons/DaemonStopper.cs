// Contract: stops the fsmonitor daemon of ONE worktree that is about to be removed. Best effort:
// it never throws; every failure becomes a sink warning or verbose line and a null result.
// Steps (Unix): (1) when /proc/net/unix can be read and nothing listens on
// <gitDir>/fsmonitor--daemon.ipc, there is no daemon: nothing runs, no process is scanned, the
// result is null. (2) The processes that are exactly `git ... fsmonitor--daemon run` AND listen on
// exactly that socket (canonical paths compared) are found, their identities captured. (3) git's
// own IPC stop (`git fsmonitor--daemon stop`, bounded at 2 s) runs in the worktree while it
// exists, unless every holder is stopped (SIGSTOP: it could not answer, the stop would only wait
// out its bound). (4) A holder gone after the IPC stop is StoppedByIpc; the others get
// identity-checked SIGTERM + SIGCONT → 50 ms polls up to the deadline → SIGKILL
// (DaemonSignaller). Bound: 2 s + deadline + the kill wait.
// State reported: the daemon as found, Live while its worktree's directory exists, otherwise
// OrphanedWorktreeRemoved (the removal of a worktree whose directory was already gone).
// Data safety: only a daemon holding this worktree's own socket can be signalled, so no other
// worktree's daemon is ever touched; a process that merely names the daemon in its command line,
// or that holds no socket, is never signalled.
// Platform: where /proc/net/unix cannot tell (macOS), step 1 is skipped when the socket file
// exists. Windows performs step 3 only (the daemon listens on a named pipe).

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Interop;
using Worktrunk.IO;
using Worktrunk.Processes;

namespace Worktrunk.Daemons
{
    /// <summary>Stops the fsmonitor daemon serving one worktree (used by Remove-WtWorktree).</summary>
    internal static class DaemonStopper
    {
        private const string StoppedByIpcMessage = "Exited after git's IPC stop (git fsmonitor--daemon stop); no signal was sent.";

        /// <summary>The bound on git's own IPC stop.</summary>
        internal static readonly TimeSpan IpcStopTimeout = TimeSpan.FromSeconds(2);

        /// <summary>
        /// Best effort, never throws. Returns the outcome for the daemon that held the worktree's
        /// socket, or null when none was found holding it (no daemon ran, or Windows). When several
        /// processes held it, all are stopped and the first is returned.
        /// </summary>
        internal static WtDaemonStopResult? StopForWorktree(string worktreePath, string gitDir, GitRunner git, TimeSpan deadline)
        {
            var sink = git.Sink;
            try
            {
                var clock = Stopwatch.StartNew();
                if (Platform.IsWindows)
                {
                    IpcStop(worktreePath, git);
                    return null;
                }

                var socket = Path.Combine(gitDir, FsmonitorSocket.FileName);
                var wanted = CanonicalSocket(socket);
                var listening = DaemonDiscovery.AnyListeningSocket(p => string.Equals(CanonicalSocket(p), wanted, PathUtil.Comparison));
                if (listening == false || (listening == null && !SocketFileExists(socket)))
                {
                    sink.Verbose("No fsmonitor daemon serves " + worktreePath + ": " + (SocketFileExists(socket) ? "no process listens on " : "no socket at ") + socket + ".");
                    return null;
                }

                var holders = Holders(wanted, sink, git);
                if (holders.Count == 0)
                {
                    // Something listens but is not attributable (another user's process, or it
                    // exited meanwhile): git's own stop is still safe to ask; nothing is signalled.
                    sink.Verbose("No fsmonitor daemon Worktrunk can attribute holds " + socket + ".");
                    IpcStop(worktreePath, git);
                    return null;
                }

                var state = Directory.Exists(worktreePath) ? WtDaemonState.Live : WtDaemonState.OrphanedWorktreeRemoved;
                var results = Stop(holders, worktreePath, git, deadline);
                WtDaemonStopResult? first = null;
                for (var i = 0; i < results.Count; i++)
                {
                    var r = results[i];
                    DaemonStopOutcomes.Report(sink, r.Id.Pid, "of " + worktreePath, r.Outcome, r.Message);

                    first ??= new WtDaemonStopResult(r.Id.Pid, holders[i].SocketPath, PathUtil.Canonicalize(gitDir), state, r.Outcome, clock.Elapsed, r.Message + " (fsmonitor daemon of " + worktreePath + ")");
                }

                return first;
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            catch (Exception e)
            {
                // Best effort by contract: removal goes on whatever happened here.
                sink.Warning("Stopping the fsmonitor daemon of " + worktreePath + " failed: " + e.Message);
                return null;
            }
        }

        /// <summary>
        /// Stops daemons that were found and attributed: git's IPC stop in <paramref name="worktreePath"/>
        /// (when it exists and not every daemon is SIGSTOPped), then signals for whichever did not exit.
        /// One result per daemon, in order; a daemon that exited after the IPC stop is StoppedByIpc.
        /// </summary>
        internal static List<SignalResult> Stop(IReadOnlyList<DiscoveredDaemon> daemons, string? worktreePath, GitRunner git, TimeSpan deadline)
        {
            var ids = new List<ProcessIdentity>(daemons.Count);
            foreach (var d in daemons)
            {
                ids.Add(d.Identity);
            }

            return Stop(ids, worktreePath, git, deadline);
        }

        /// <summary>As <see cref="Stop(IReadOnlyList{DiscoveredDaemon}, string, GitRunner, TimeSpan)"/>, from identities.</summary>
        internal static List<SignalResult> Stop(IReadOnlyList<ProcessIdentity> ids, string? worktreePath, GitRunner git, TimeSpan deadline)
        {
            var sink = git.Sink;
            var clock = Stopwatch.StartNew();
            var byIpc = TryIpcStop(ids, worktreePath, git);
            var rest = new List<ProcessIdentity>();
            foreach (var (id, i) in Indexed(ids))
            {
                if (!byIpc[i])
                {
                    rest.Add(id);
                }
            }

            var signalled = rest.Count == 0 ? new List<SignalResult>() : DaemonSignaller.Terminate(rest, deadline, sink, git.Cancellation);
            var results = new List<SignalResult>(ids.Count);
            var next = 0;
            for (var i = 0; i < ids.Count; i++)
            {
                results.Add(byIpc[i]
                    ? new SignalResult(ids[i], WtDaemonStopOutcome.StoppedByIpc, clock.Elapsed, StoppedByIpcMessage)
                    : signalled[next++]);
            }

            return results;
        }

        /// <summary>
        /// Stops daemons Get-WtOrphanDaemon classified (Stop-WtDaemon): git's IPC stop in each one's
        /// worktree while it exists, then one batch of signals for the rest (FsmonitorSweep.Stop).
        /// One result per daemon, in order; the state reported is the one each was classified with.
        /// </summary>
        internal static List<WtDaemonStopResult> StopClassified(IReadOnlyList<WtFsmonitorDaemon> daemons, GitRunner git, TimeSpan deadline)
        {
            var clock = Stopwatch.StartNew();
            var byIpc = new bool[daemons.Count];
            var rest = new List<WtFsmonitorDaemon>();
            for (var i = 0; i < daemons.Count; i++)
            {
                var d = daemons[i];
                byIpc[i] = TryIpcStop(new[] { new ProcessIdentity(d.ProcessId, d.StartTicks) }, d.WorktreePath, git)[0];
                if (!byIpc[i])
                {
                    rest.Add(d);
                }
            }

            var signalled = rest.Count == 0 ? new List<WtDaemonStopResult>() : FsmonitorSweep.Stop(rest, deadline, git.Sink, git.Cancellation);
            var results = new List<WtDaemonStopResult>(daemons.Count);
            var next = 0;
            for (var i = 0; i < daemons.Count; i++)
            {
                var d = daemons[i];
                if (byIpc[i])
                {
                    var r = new WtDaemonStopResult(d.ProcessId, d.SocketPath, d.GitDir, d.State, WtDaemonStopOutcome.StoppedByIpc, clock.Elapsed, StoppedByIpcMessage);
                    DaemonStopOutcomes.Report(git.Sink, d.ProcessId, d.SocketPath, r.Outcome, r.Message);
                    results.Add(r);
                }
                else
                {
                    results.Add(signalled[next++]);
                }
            }

            return results;
        }

        /// <summary>
        /// git's IPC stop in <paramref name="worktreePath"/> when it exists and not every process is
        /// SIGSTOPped; true for each process that is gone afterwards.
        /// </summary>
        private static bool[] TryIpcStop(IReadOnlyList<ProcessIdentity> ids, string? worktreePath, GitRunner git)
        {
            var byIpc = new bool[ids.Count];
            if (worktreePath == null || !Directory.Exists(worktreePath))
            {
                return byIpc;
            }

            if (AllStopped(ids))
            {
                git.Sink.Verbose("The fsmonitor daemon of " + worktreePath + " is stopped (SIGSTOP) and cannot answer git's IPC stop; signalling it.");
                return byIpc;
            }

            if (IpcStop(worktreePath, git))
            {
                // git returns once the socket stops listening; the process may take a moment more to exit.
                WaitGone(ids, IpcExitWait, git.Cancellation);
            }

            // Gone before any signal, after the IPC stop was sent (even one git reported as failed:
            // a daemon that exits on `quit` without answering): the IPC stop ended it.
            for (var i = 0; i < ids.Count; i++)
            {
                byIpc[i] = ProcessIdentities.Check(ids[i]) == IdentityStatus.Gone;
            }

            return byIpc;
        }

        /// <summary>How long a daemon that accepted git's IPC stop gets to exit before it is signalled.</summary>
        internal static readonly TimeSpan IpcExitWait = TimeSpan.FromMilliseconds(500);

        /// <summary>
        /// The fsmonitor daemons (verified argv and identity) listening on exactly
        /// <paramref name="canonicalSocket"/>. On Linux only the sockets at that path are asked who
        /// listens (the socket filter): no other daemon on the machine is connected to.
        /// </summary>
        private static List<DiscoveredDaemon> Holders(string canonicalSocket, IDiagnosticSink sink, GitRunner git)
        {
            var holders = new List<DiscoveredDaemon>();
            foreach (var d in DaemonDiscovery.Discover(sink, DiscoveryMethod.Auto, git.Cancellation, p => string.Equals(CanonicalSocket(p), canonicalSocket, PathUtil.Comparison)))
            {
                if (d.SocketPath != null && !FsmonitorSocket.IsBareName(d.SocketPath) && string.Equals(CanonicalSocket(d.SocketPath), canonicalSocket, PathUtil.Comparison))
                {
                    holders.Add(d);
                }
            }

            return holders;
        }

        /// <summary>True when every process is stopped by a signal (state T, or t under a tracer): it cannot answer any IPC.</summary>
        private static bool AllStopped(IReadOnlyList<ProcessIdentity> ids)
        {
            if (!ProcFs.Available || ids.Count == 0)
            {
                return false;
            }

            foreach (var id in ids)
            {
                var stat = ProcFs.ReadStat(id.Pid);
                if (stat == null || (stat.Value.State != 'T' && stat.Value.State != 't'))
                {
                    return false;
                }
            }

            return true;
        }

        private static void WaitGone(IReadOnlyList<ProcessIdentity> ids, TimeSpan budget, System.Threading.CancellationToken cancellation)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < budget && !cancellation.IsCancellationRequested)
            {
                var alive = false;
                foreach (var id in ids)
                {
                    alive |= ProcessIdentities.Check(id) == IdentityStatus.Same;
                }

                if (!alive)
                {
                    return;
                }

                System.Threading.Thread.Sleep(10);
            }
        }

        private static IEnumerable<(ProcessIdentity, int)> Indexed(IReadOnlyList<ProcessIdentity> ids)
        {
            for (var i = 0; i < ids.Count; i++)
            {
                yield return (ids[i], i);
            }
        }

        /// <summary>`git fsmonitor--daemon stop` in the worktree, bounded; failures (including "not supported") are verbose only.</summary>
        internal static bool IpcStop(string worktreePath, GitRunner git)
        {
            try
            {
                if (!Directory.Exists(worktreePath))
                {
                    return false;
                }

                var r = git.Run(worktreePath, GitAccess.Mutating, new[] { "fsmonitor--daemon", "stop" }, IpcStopTimeout);
                if (!r.Succeeded)
                {
                    git.Sink.Verbose("git fsmonitor--daemon stop: " + (r.Stderr.Trim().Length > 0 ? r.Stderr.Trim() : "exit " + r.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }

                return r.Succeeded;
            }
            catch (WorktrunkException e) when (e.ErrorId != ErrorIds.CommandStopped)
            {
                git.Sink.Verbose("git fsmonitor--daemon stop did not complete: " + e.Message);
                return false;
            }
        }

        /// <summary>A socket path with its directory canonicalized (the file itself is not resolved).</summary>
        internal static string CanonicalSocket(string socketPath)
        {
            var dir = Path.GetDirectoryName(socketPath);
            return string.IsNullOrEmpty(dir) ? socketPath : Path.Combine(PathUtil.Canonicalize(dir!), Path.GetFileName(socketPath));
        }

        /// <summary>True when something (a socket) exists at the path; File.Exists is true for any non-directory.</summary>
        private static bool SocketFileExists(string path) => File.Exists(path);
    }

    /// <summary>
    /// The one reading of a daemon stop outcome: which outcomes are failures (the daemon may still
    /// run), and how one is reported on a sink: a failure as a warning, anything else as a
    /// verbose line. Stop-WtDaemon also turns a failure into a DaemonStopFailed error.
    /// </summary>
    internal static class DaemonStopOutcomes
    {
        /// <summary>True when the daemon was not stopped: the signal was refused, or it outlived SIGKILL.</summary>
        internal static bool Failed(WtDaemonStopOutcome outcome) =>
            outcome == WtDaemonStopOutcome.Denied || outcome == WtDaemonStopOutcome.Survived;

        /// <summary>Reports one outcome; <paramref name="what"/> names the daemon (its socket, or "of &lt;worktree&gt;").</summary>
        internal static void Report(IDiagnosticSink sink, int pid, string? what, WtDaemonStopOutcome outcome, string message)
        {
            var id = "fsmonitor daemon PID " + pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (Failed(outcome))
            {
                sink.Warning(id + " (" + (what ?? "no socket") + "): " + outcome + ". " + message);
            }
            else
            {
                sink.Verbose(id + ": " + outcome + ". " + message);
            }
        }
    }
}
