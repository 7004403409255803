using System;
using System.IO;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Trash;

namespace Worktrunk.Removal
{
    /// <summary>
    /// The tail of every Remove-WtWorktree that removed something, run after all output: the
    /// repository's orphaned fsmonitor daemons, then its stale trash (entries at least 24 hours
    /// old, handed to one detached low-priority deletion). Bounded and best effort: a failure
    /// becomes a warning and never changes the removal's outcome. Never run under -WhatIf.
    /// </summary>
    internal static class RemovalSweep
    {
        internal static void Run(RepositoryLocation repository, GitRunner git, IDiagnosticSink sink, DateTimeOffset now)
        {
            RemovalDaemons.Sweep(repository, git);
            SweepStaleTrash(repository.CommonDir, sink, now);
        }

        /// <summary>Hands every stale trash entry to the background deleter; returns how many.</summary>
        internal static int SweepStaleTrash(string commonDir, IDiagnosticSink sink, DateTimeOffset now)
        {
            try
            {
                var stale = TrashPaths.CollectStale(commonDir, now, sink);
                if (stale.Count == 0)
                {
                    return 0;
                }

                sink.Verbose($"Deleting {stale.Count} stale trash entries of {commonDir} in the background.");
                BackgroundDeleter.Start(commonDir, stale, Path.Combine(TrashPaths.LogsDir(commonDir), "internal-trash-sweep.log"), sink);
                return stale.Count;
            }
            catch (Exception e) when (e is WorktrunkException || e is IOException || e is UnauthorizedAccessException || e is System.ComponentModel.Win32Exception)
            {
                sink.Warning("The stale-trash sweep failed: " + e.Message);
                return 0;
            }
        }
    }
}
