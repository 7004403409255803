// Contract: stops the fsmonitor daemon of ONE worktree that is about to be removed. Best effort:
// it never throws; every failure becomes a sink warning or verbose line and a null result.
// Steps: (1) `git fsmonitor--daemon stop` in the worktree, bounded at 2 s (git's own IPC stop; a
// wedged daemon ignores it). (2) Unix only: if <gitDir>/fsmonitor--daemon.ipc still exists, find
// the processes that are exactly `git ... fsmonitor--daemon run` AND listen on exactly that
// socket (canonical paths compared), and stop them with identity-checked SIGTERM → 50 ms polls up
// to the deadline → SIGKILL (DaemonSignaller).
// Data safety: only a daemon holding this worktree's own socket can be signalled, so no other
// worktree's daemon is ever touched; a process that merely names the daemon in its command line,
// or that holds no socket, is never signalled.
// Platform: Windows performs step 1 only (the daemon listens on a named pipe).

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Interop;
using Worktrunk.IO;

namespace Worktrunk.Daemons
{
    /// <summary>Stops the fsmonitor daemon serving one worktree (used by Remove-WtWorktree).</summary>
    internal static class DaemonStopper
    {
        /// <summary>The bound on git's own IPC stop.</summary>
        internal static readonly TimeSpan IpcStopTimeout = TimeSpan.FromSeconds(2);

        /// <summary>
        /// Best effort, never throws. Returns the outcome for the daemon that held the worktree's
        /// socket, or null when none was found holding it (no daemon ran, git's IPC stop worked, or
        /// Windows). When several processes held it, all are stopped and the first is returned.
        /// </summary>
        internal static WtDaemonStopResult? StopForWorktree(string worktreePath, string gitDir, GitRunner git, TimeSpan deadline)
        {
            var sink = git.Sink;
            try
            {
                var clock = Stopwatch.StartNew();
                IpcStop(worktreePath, git);
                if (Platform.IsWindows)
                {
                    return null;
                }

                var socket = Path.Combine(gitDir, FsmonitorSocket.FileName);
                if (!SocketFileExists(socket))
                {
                    return null;
                }

                var wanted = CanonicalSocket(socket);
                if (DaemonDiscovery.AnyListeningSocket(p => string.Equals(CanonicalSocket(p), wanted, PathUtil.Comparison)) == false)
                {
                    // Nothing listens there (a stale socket file): no process scan needed.
                    sink.Verbose("No process listens on " + socket + ".");
                    return null;
                }

                var holders = new List<DiscoveredDaemon>();
                foreach (var d in DaemonDiscovery.Discover(sink, DiscoveryMethod.Auto, git.Cancellation))
                {
                    if (d.SocketPath != null && !FsmonitorSocket.IsBareName(d.SocketPath) && string.Equals(CanonicalSocket(d.SocketPath), wanted, PathUtil.Comparison))
                    {
                        holders.Add(d);
                    }
                }

                if (holders.Count == 0)
                {
                    sink.Verbose("No fsmonitor daemon holds " + socket + ".");
                    return null;
                }

                var ids = new List<ProcessIdentity>(holders.Count);
                foreach (var h in holders)
                {
                    ids.Add(h.Identity);
                }

                var results = DaemonSignaller.Terminate(ids, deadline, sink, git.Cancellation);
                WtDaemonStopResult? first = null;
                for (var i = 0; i < results.Count; i++)
                {
                    var r = results[i];
                    var message = r.Message + " (fsmonitor daemon of " + worktreePath + ")";
                    sink.Verbose("fsmonitor daemon PID " + r.Id.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + ": " + r.Outcome + ". " + r.Message);
                    if (r.Outcome == WtDaemonStopOutcome.Survived || r.Outcome == WtDaemonStopOutcome.Denied)
                    {
                        sink.Warning("The fsmonitor daemon (PID " + r.Id.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + ") of " + worktreePath + " could not be stopped: " + r.Message);
                    }

                    first ??= new WtDaemonStopResult(r.Id.Pid, holders[i].SocketPath, PathUtil.Canonicalize(gitDir), WtDaemonState.Live, r.Outcome, clock.Elapsed, message);
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

        /// <summary>`git fsmonitor--daemon stop` in the worktree, bounded; failures (including "not supported") are verbose only.</summary>
        internal static void IpcStop(string worktreePath, GitRunner git)
        {
            try
            {
                if (!Directory.Exists(worktreePath))
                {
                    return;
                }

                var r = git.Run(worktreePath, GitAccess.Mutating, new[] { "fsmonitor--daemon", "stop" }, IpcStopTimeout);
                if (!r.Succeeded)
                {
                    git.Sink.Verbose("git fsmonitor--daemon stop: " + (r.Stderr.Trim().Length > 0 ? r.Stderr.Trim() : "exit " + r.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }
            }
            catch (WorktrunkException e) when (e.ErrorId != ErrorIds.CommandStopped)
            {
                git.Sink.Verbose("git fsmonitor--daemon stop did not complete: " + e.Message);
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
}
