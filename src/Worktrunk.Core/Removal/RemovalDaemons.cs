using System;
using System.Collections.Concurrent;
using System.IO;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Interop;
using Worktrunk.Processes;

namespace Worktrunk.Removal
{
    /// <summary>
    /// The removal's only calls into the fsmonitor daemon layer (Daemons/): stopping the daemon of
    /// the worktree being removed, before its directory moves, and the repository's orphan sweep
    /// after all output. Both are bounded and best effort: they never throw, never fail a removal.
    /// </summary>
    internal static class RemovalDaemons
    {
        /// <summary>How long a daemon that ignores SIGTERM gets before SIGKILL (after git's 2 s IPC stop).</summary>
        internal static readonly TimeSpan EscalationDeadline = TimeSpan.FromMilliseconds(1500);

        /// <summary>Per git executable: true when that git has no fsmonitor daemon on this platform (git 2.39 on Linux).</summary>
        private static readonly ConcurrentDictionary<string, bool> s_unsupported = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);

        /// <summary>
        /// `git fsmonitor--daemon stop` in the worktree (2 s), then, if this worktree's socket
        /// (&lt;gitDir&gt;/fsmonitor--daemon.ipc) still exists, identity-checked SIGTERM → SIGKILL of
        /// exactly the process holding it. Null when no daemon held the socket.
        /// One shortcut: on Unix, when no socket file exists and this git has no daemon on this
        /// platform (learned once per process), there is nothing either step could reach, and
        /// nothing runs.
        /// </summary>
        internal static WtDaemonStopResult? Stop(string worktreePath, string gitDir, GitRunner git)
        {
            if (string.IsNullOrEmpty(gitDir))
            {
                return null;
            }

            if (Platform.IsUnix && !File.Exists(Path.Combine(gitDir, FsmonitorSocket.FileName)) && GitHasNoDaemon(worktreePath, git))
            {
                git.Sink.Verbose("No fsmonitor daemon serves " + worktreePath + ": no socket, and git has no fsmonitor daemon on this platform.");
                return null;
            }

            return DaemonStopper.StopForWorktree(worktreePath, gitDir, git, EscalationDeadline);
        }

        /// <summary>Reaps the repository's orphaned daemons; failures are warnings on the sink.</summary>
        internal static WtSweepSummary? Sweep(RepositoryLocation repository, GitRunner git)
        {
            try
            {
                return FsmonitorSweep.Run(repository, git, whatIf: false, EscalationDeadline);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        /// <summary>
        /// True when `git fsmonitor--daemon status` says the daemon is "not supported on this
        /// platform". Asked once per git executable per process; any other answer (or a failure to
        /// ask) counts as supported, so the full stop runs.
        /// </summary>
        internal static bool GitHasNoDaemon(string worktreePath, GitRunner git)
        {
            var key = ExecutableLocator.Resolve(git.GitExecutable, Environment.GetEnvironmentVariable("PATH"), null) ?? git.GitExecutable;
            if (s_unsupported.TryGetValue(key, out var known))
            {
                return known;
            }

            if (!Directory.Exists(worktreePath))
            {
                return false;
            }

            try
            {
                var r = git.Run(worktreePath, GitAccess.ReadOnly, new[] { "fsmonitor--daemon", "status" }, DaemonStopper.IpcStopTimeout);
                var unsupported = r.ExitCode != 0 && r.Stderr.IndexOf("not supported on this platform", StringComparison.Ordinal) >= 0;
                var supported = r.ExitCode == 0 || r.Stderr.IndexOf("is not watching", StringComparison.Ordinal) >= 0 || r.Stdout.IndexOf("is not watching", StringComparison.Ordinal) >= 0;
                if (unsupported || supported)
                {
                    s_unsupported[key] = unsupported;
                }

                return unsupported;
            }
            catch (WorktrunkException)
            {
                return false;
            }
        }
    }
}
