using System;
using Worktrunk.Diagnostics;
using Worktrunk.Git;

namespace Worktrunk.Removal
{
    /// <summary>
    /// The removal's only calls into the fsmonitor daemon layer: stopping the daemon of the
    /// worktree being removed (before its directory moves), and the repository's sweep after all
    /// output. Both are best effort and never throw.
    /// </summary>
    internal static class RemovalDaemons
    {
        /// <summary>Bound of `git fsmonitor--daemon stop`.</summary>
        internal static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(2);

        /// <summary>Stops this worktree's daemon (interim: git's IPC stop only, until the daemon layer lands).</summary>
        internal static void Stop(string worktreePath, string gitDir, GitRunner git)
        {
            try
            {
                if (System.IO.Directory.Exists(worktreePath))
                {
                    git.Run(worktreePath, GitAccess.ReadOnly, new[] { "fsmonitor--daemon", "stop" }, StopTimeout);
                }
            }
            catch (WorktrunkException e)
            {
                git.Sink.Debug("fsmonitor stop: " + e.Message);
            }
        }
    }
}
