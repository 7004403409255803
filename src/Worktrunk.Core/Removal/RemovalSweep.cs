using System;
using System.Collections.Generic;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Operations;

namespace Worktrunk.Removal
{
    /// <summary>
    /// The tail of every Remove-WtWorktree that removed something, run after all output: the
    /// repository's sweep (RepositorySweep: orphaned fsmonitor daemons, then stale trash), with
    /// nothing asked (the user confirmed the removal). Bounded and best effort: a failure becomes
    /// a warning and never changes the removal's outcome. Never run under -WhatIf.
    /// </summary>
    internal static class RemovalSweep
    {
        /// <summary>
        /// Sweeps <paramref name="repository"/>; <paramref name="listed"/> is the worktree list
        /// the removal read at planning (handed on: no `git worktree list` while it still covers
        /// every registration). Ctrl+C ends it quietly.
        /// </summary>
        internal static void Run(RepositoryLocation repository, GitRunner git, IDiagnosticSink sink, DateTimeOffset now, IReadOnlyList<WtWorktree>? listed = null)
        {
            try
            {
                RepositorySweep.Run(repository, git.Derive(sink, git.Cancellation), RemovalDaemons.EscalationDeadline, now, null, listed);
            }
            catch (OperationCanceledException)
            {
            }
        }

        /// <summary>Hands every stale trash entry to the background deleter; returns how many.</summary>
        internal static int SweepStaleTrash(string commonDir, IDiagnosticSink sink, DateTimeOffset now) =>
            RepositorySweep.SweepTrash(commonDir, sink, now, null, new List<string>()).Removed;
    }
}
