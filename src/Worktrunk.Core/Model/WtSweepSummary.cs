using System;
using System.Collections.Generic;

namespace Worktrunk
{
    /// <summary>What one fsmonitor sweep of a repository found and did (type name Worktrunk.WtSweepSummary).</summary>
    public sealed class WtSweepSummary
    {
        internal WtSweepSummary(
            string repository,
            bool whatIf,
            bool liveSetKnown,
            int daemonsExamined,
            IReadOnlyList<WtFsmonitorDaemon> orphans,
            IReadOnlyList<WtDaemonStopResult> results,
            IReadOnlyList<string> staleTrash,
            int trashEntriesRemoved,
            IReadOnlyList<string> warnings,
            TimeSpan elapsed)
        {
            Repository = repository;
            WhatIf = whatIf;
            LiveSetKnown = liveSetKnown;
            DaemonsExamined = daemonsExamined;
            Orphans = orphans;
            Results = results;
            StaleTrash = staleTrash;
            TrashEntriesRemoved = trashEntriesRemoved;
            Warnings = warnings;
            Elapsed = elapsed;
        }

        /// <summary>Gets the common git directory of the repository swept.</summary>
        public string Repository { get; }

        /// <summary>Gets a value indicating whether this was a -WhatIf run (nothing was signalled or deleted).</summary>
        public bool WhatIf { get; }

        /// <summary>Gets a value indicating whether `git worktree list` succeeded; when false, the "worktree removed" class was not reaped.</summary>
        public bool LiveSetKnown { get; }

        /// <summary>Gets how many fsmonitor daemons on the machine were looked at: on Linux one per listening fsmonitor socket, most by its path alone (only a possible orphan of this repository is asked who listens); elsewhere every daemon found.</summary>
        public int DaemonsExamined { get; }

        /// <summary>Gets the daemons in this sweep's scope that are provably orphaned.</summary>
        public IReadOnlyList<WtFsmonitorDaemon> Orphans { get; }

        /// <summary>Gets one result per daemon signalled (empty for -WhatIf).</summary>
        public IReadOnlyList<WtDaemonStopResult> Results { get; }

        /// <summary>Gets the number of orphans that are gone now.</summary>
        public int Stopped
        {
            get
            {
                var n = 0;
                foreach (var r in Results)
                {
                    if (r.Stopped)
                    {
                        n++;
                    }
                }

                return n;
            }
        }

        /// <summary>Gets the stale trash entries (older than 24 hours) found under the repository's wt/trash directory.</summary>
        public IReadOnlyList<string> StaleTrash { get; }

        /// <summary>Gets how many stale trash entries were handed to the background deleter.</summary>
        public int TrashEntriesRemoved { get; }

        /// <summary>Gets the best-effort steps that failed (each was also written as a warning).</summary>
        public IReadOnlyList<string> Warnings { get; }

        /// <summary>Gets how long the sweep took.</summary>
        public TimeSpan Elapsed { get; }

        /// <summary>Returns a copy with the stale-trash step's results filled in.</summary>
        internal WtSweepSummary WithTrash(IReadOnlyList<string> staleTrash, int removed, IReadOnlyList<string> extraWarnings, TimeSpan elapsed)
        {
            var warnings = new List<string>(Warnings);
            warnings.AddRange(extraWarnings);
            return new WtSweepSummary(Repository, WhatIf, LiveSetKnown, DaemonsExamined, Orphans, Results, staleTrash, removed, warnings, elapsed);
        }

        /// <inheritdoc/>
        public override string ToString() => Repository + ": " + Orphans.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + " orphan(s), " + Stopped.ToString(System.Globalization.CultureInfo.InvariantCulture) + " stopped";
    }
}
