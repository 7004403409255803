// Contract: one sweep of ONE repository, the only one: Invoke-WtFsmonitorSweep and the closing
// sweep of every Remove-WtWorktree that removed something. Two halves:
//   * its provably orphaned fsmonitor daemons (FsmonitorSweep: scope DaemonClassifier.InSweepScope,
//     identity-checked SIGTERM + SIGCONT → deadline → SIGKILL in one batch; Live and Unknown
//     daemons and other repositories' daemons are never signalled);
//   * its stale trash (entries Worktrunk staged, older than 24 h: TrashPaths.CollectStale), handed
//     to one detached low-priority deletion (BackgroundDeleter).
// Asked (Invoke-WtFsmonitorSweep): one ShouldProcess per daemon (target `PID <pid> (<socket>)`,
// action "Stop fsmonitor daemon") and per trash entry (action "Delete stale trash entry"); under
// -WhatIf both are listed and nothing is signalled or deleted. Closing (a removal the user already
// confirmed): nothing is asked, never under -WhatIf.
// Every step is best effort: a failure becomes a warning (and an entry of the summary's
// Warnings), never a failed command. Ctrl+C: OperationCanceledException propagates.

using System;
using System.Collections.Generic;
using System.IO;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Trash;

namespace Worktrunk.Operations
{
    /// <summary>The Invoke-WtFsmonitorSweep operation, and the closing sweep of a removal.</summary>
    internal static class RepositorySweep
    {
        /// <summary>The ShouldProcess action for one stale trash entry.</summary>
        internal const string TrashAction = "Delete stale trash entry";

        /// <summary>
        /// Invoke-WtFsmonitorSweep: sweeps the repository holding <paramref name="repositoryDirectory"/>
        /// (already resolved against the session) and writes one WtSweepSummary. Throws the
        /// WorktrunkException of a directory that is no repository (nothing was done then).
        /// </summary>
        internal static void Invoke(string repositoryDirectory, TimeSpan deadline, IOperationHost host)
        {
            var git = new GitRunner(host.Sink, host.Cancellation);
            var repo = RepositoryLocator.Locate(repositoryDirectory, git);
            try
            {
                host.Output(Run(repo, git, deadline, DateTimeOffset.UtcNow, host));
            }
            catch (OperationCanceledException)
            {
            }
        }

        /// <summary>
        /// Sweeps <paramref name="repo"/>. <paramref name="ask"/> is the host asked once per daemon
        /// and per trash entry (and whose -WhatIf holds); null for the closing sweep of a confirmed
        /// removal (nothing asked, everything in scope swept). <paramref name="listed"/> is the
        /// repository's worktree list when the operation already read it (no `git worktree list`
        /// then, while it still covers every registration).
        /// </summary>
        internal static WtSweepSummary Run(RepositoryLocation repo, GitRunner git, TimeSpan deadline, DateTimeOffset now, IOperationHost? ask, IReadOnlyList<WtWorktree>? listed = null)
        {
            var whatIf = ask != null && ask.IsWhatIf;
            Func<WtFsmonitorDaemon, bool>? askDaemon = ask == null ? null : d => ask.ShouldProcess(DaemonStop.Target(d), DaemonStop.Action);
            var daemons = FsmonitorSweep.Run(repo, git, whatIf, deadline, askDaemon, DiscoveryMethod.Auto, listed);
            var warnings = new List<string>();
            var (stale, removed) = SweepTrash(repo.CommonDir, git.Sink, now, ask, warnings);
            return daemons.WithTrash(stale, removed, warnings, daemons.Elapsed);
        }

        /// <summary>
        /// The stale-trash half: collects the stale entries, asks about each (when
        /// <paramref name="ask"/> is given) and hands the approved ones to the background deleter
        /// (never under -WhatIf). Returns the stale entries and how many were handed on; a
        /// failure is a warning, added to <paramref name="warnings"/>, and hands on nothing.
        /// </summary>
        internal static (List<string> Stale, int Removed) SweepTrash(string commonDir, IDiagnosticSink sink, DateTimeOffset now, IOperationHost? ask, List<string> warnings)
        {
            var stale = new List<string>();
            try
            {
                stale = TrashPaths.CollectStale(commonDir, now, sink);
                var approved = new List<string>(stale.Count);
                foreach (var entry in stale)
                {
                    if (ask == null || ask.ShouldProcess(entry, TrashAction))
                    {
                        approved.Add(entry);
                    }
                }

                if ((ask != null && ask.IsWhatIf) || approved.Count == 0)
                {
                    return (stale, 0);
                }

                sink.Verbose($"Deleting {approved.Count} stale trash entries of {commonDir} in the background.");
                BackgroundDeleter.Start(commonDir, approved, Path.Combine(TrashPaths.LogsDir(commonDir), "internal-trash-sweep.log"), sink);
                return (stale, approved.Count);
            }
            catch (Exception e) when (e is WorktrunkException || e is IOException || e is UnauthorizedAccessException || e is System.ComponentModel.Win32Exception)
            {
                var message = "Removing stale trash of " + commonDir + " failed: " + e.Message;
                warnings.Add(message);
                sink.Warning(message);
                return (stale, 0);
            }
        }
    }
}
