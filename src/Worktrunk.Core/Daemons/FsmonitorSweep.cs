// Contract: reaps the provable fsmonitor orphans of ONE repository. Bounded and best effort:
// every failing step (discovery, listing, a signal that is refused) becomes a sink warning and an
// entry of the summary's Warnings; the sweep itself does not throw for them.
// Scope (DaemonClassifier.InSweepScope): this repository's OrphanedWorktreeRemoved daemons (only
// when `git worktree list` succeeded), OrphanedGitDirGone daemons whose socket lay under this
// repository's common dir, and bare-name sockets (macOS) whose repository cannot be known. A
// Live or Unknown daemon, and another repository's daemon, is never signalled.
// Signal discipline: one batch, identity-checked SIGTERM (+ SIGCONT) → 50 ms polls up to the deadline →
// SIGKILL (DaemonSignaller), so N orphans cost one deadline, not N. whatIf: classify only,
// signal nothing. <c>shouldProcess</c> is asked once per orphan (the cmdlet's ShouldProcess) and a
// daemon it declines is not signalled.
// Platform: Linux (/proc) and macOS (pgrep + lsof); on Windows discovery uses named pipes and
// stopping is an identity-checked TerminateProcess.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using Worktrunk.Diagnostics;
using Worktrunk.Git;

namespace Worktrunk.Daemons
{
    /// <summary>The orphan-daemon half of Invoke-WtFsmonitorSweep (and of the sweep after a removal).</summary>
    internal static class FsmonitorSweep
    {
        internal const int ProgressActivityId = 0x57F5;

        /// <summary>Progress is reported when at least this many orphans are stopped.</summary>
        internal const int ProgressThreshold = 5;

        /// <summary>Reaps this repository's provable orphans. Never throws for a best-effort failure; OperationCanceledException propagates.</summary>
        internal static WtSweepSummary Run(RepositoryLocation repo, GitRunner git, bool whatIf, TimeSpan deadline, Func<WtFsmonitorDaemon, bool>? shouldProcess = null)
        {
            return Run(repo, git, whatIf, deadline, shouldProcess, DiscoveryMethod.Auto);
        }

        internal static WtSweepSummary Run(RepositoryLocation repo, GitRunner git, bool whatIf, TimeSpan deadline, Func<WtFsmonitorDaemon, bool>? shouldProcess, DiscoveryMethod method) =>
            Run(repo, git, whatIf, deadline, shouldProcess, method, null);

        /// <summary>
        /// As above; <paramref name="listed"/> is this repository's worktree list when the operation
        /// already read it (GitWorktreeListings.TrySeed: taken while it still covers every
        /// registration), so classification runs no `git worktree list` for it.
        /// </summary>
        internal static WtSweepSummary Run(RepositoryLocation repo, GitRunner git, bool whatIf, TimeSpan deadline, Func<WtFsmonitorDaemon, bool>? shouldProcess, DiscoveryMethod method, IReadOnlyList<WtWorktree>? listed)
        {
            var clock = Stopwatch.StartNew();
            var sink = new WarningRecorder(git.Sink);
            var scoped = git.Derive(sink, git.Cancellation);
            var orphans = new List<WtFsmonitorDaemon>();
            var results = new List<WtDaemonStopResult>();
            var liveKnown = true;
            var examined = 0;
            try
            {
                // Only the daemons whose socket path can make them this repository's orphans are asked
                // who they are (DaemonInventory.TakeWanted): a live daemon is never connected to.
                var listings = new GitWorktreeListings(scoped, repo, allowOtherRepositories: false);
                if (listed != null && !listings.TrySeed(listed))
                {
                    sink.Verbose("A worktree was registered in " + repo.CommonDir + " since its list was read; listing it again.");
                }

                foreach (var c in DaemonInventory.TakeWanted(repo, scoped, listings, (v, socket) => DaemonClassifier.InSweepScope(v, socket, repo.CommonDir), out examined, method))
                {
                    orphans.Add(c.Daemon);
                }

                if (examined > 0)
                {
                    var own = listings.For(repo.CommonDir);
                    if (own.Entries == null)
                    {
                        liveKnown = false;
                        sink.Warning("git worktree list failed for " + repo.CommonDir + " (" + own.Failure + "); daemons of removed worktrees were not reaped, only those whose git dir is gone.");
                    }

                    sink.Verbose("fsmonitor sweep: " + examined.ToString(CultureInfo.InvariantCulture) + " daemon(s) examined, " + orphans.Count.ToString(CultureInfo.InvariantCulture) + " orphaned in scope.");
                }

                var selected = new List<WtFsmonitorDaemon>();
                foreach (var o in orphans)
                {
                    if (shouldProcess == null || shouldProcess(o))
                    {
                        selected.Add(o);
                    }
                }

                if (!whatIf && selected.Count > 0)
                {
                    var many = selected.Count >= ProgressThreshold;
                    if (many)
                    {
                        sink.Progress(ProgressActivityId, "Reaping orphaned fsmonitor daemons", "Stopping " + selected.Count.ToString(CultureInfo.InvariantCulture) + " daemon(s)", 0, false);
                    }

                    results.AddRange(Stop(selected, deadline, sink, git.Cancellation));
                    if (many)
                    {
                        sink.Progress(ProgressActivityId, "Reaping orphaned fsmonitor daemons", "Done", 100, true);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (WorktrunkException e) when (e.ErrorId == ErrorIds.CommandStopped)
            {
                throw new OperationCanceledException(e.Message, e);
            }
            catch (Exception e)
            {
                sink.Warning("The fsmonitor sweep of " + repo.CommonDir + " failed: " + e.Message);
            }

            return new WtSweepSummary(repo.CommonDir, whatIf, liveKnown, examined, orphans, results, Array.Empty<string>(), 0, sink.Warnings, clock.Elapsed);
        }

        /// <summary>Stops classified daemons in one batch and turns each outcome into a result; refused or surviving ones become warnings.</summary>
        internal static List<WtDaemonStopResult> Stop(IReadOnlyList<WtFsmonitorDaemon> daemons, TimeSpan deadline, IDiagnosticSink sink, System.Threading.CancellationToken cancellation)
        {
            var ids = new List<ProcessIdentity>(daemons.Count);
            foreach (var d in daemons)
            {
                ids.Add(new ProcessIdentity(d.ProcessId, d.StartTicks));
            }

            var outcomes = DaemonSignaller.Terminate(ids, deadline, sink, cancellation);
            var results = new List<WtDaemonStopResult>(outcomes.Count);
            for (var i = 0; i < outcomes.Count; i++)
            {
                var d = daemons[i];
                var r = outcomes[i];
                results.Add(new WtDaemonStopResult(d.ProcessId, d.SocketPath, d.GitDir, d.State, r.Outcome, r.Elapsed, r.Message));
                DaemonStopOutcomes.Report(sink, d.ProcessId, d.SocketPath, r.Outcome, r.Message);
            }

            return results;
        }

        /// <summary>Forwards to the caller's sink and remembers every warning for the summary.</summary>
        private sealed class WarningRecorder : IDiagnosticSink
        {
            private readonly IDiagnosticSink _inner;
            private readonly List<string> _warnings = new List<string>();

            internal WarningRecorder(IDiagnosticSink inner)
            {
                _inner = inner;
            }

            internal List<string> Warnings
            {
                get
                {
                    lock (_warnings)
                    {
                        return new List<string>(_warnings);
                    }
                }
            }

            public void Verbose(string message) => _inner.Verbose(message);

            public void Warning(string message)
            {
                lock (_warnings)
                {
                    _warnings.Add(message);
                }

                _inner.Warning(message);
            }

            public void Debug(string message) => _inner.Debug(message);

            public void Progress(int activityId, string activity, string status, int percent, bool completed) => _inner.Progress(activityId, activity, status, percent, completed);
        }
    }
}
