using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.StandIn;
using Worktrunk.TestSupport;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>A real repository plus stand-in daemons; every process is killed by PID at the end.</summary>
    internal sealed class DaemonTestBed : IDisposable
    {
        internal DaemonTestBed(string name = "repo")
        {
            Sandbox = GitSandbox.Create(name);
            Sink = new RecordingSink();
            Git = new GitRunner(Sink);
        }

        internal GitSandbox Sandbox { get; }

        internal TestProcesses Procs { get; } = new TestProcesses();

        internal RecordingSink Sink { get; }

        internal GitRunner Git { get; }

        internal string CommonDir => PathUtil.Canonicalize(Sandbox.CommonDir);

        internal RepositoryLocation Location => RepositoryLocator.Locate(Sandbox.RepoPath, Git);

        /// <summary>The outcome of stopping a healthy stand-in whose worktree exists, for the git on PATH.</summary>
        internal static WtDaemonStopOutcome HealthyStopOutcome => PathGit.HealthyStopOutcome;

        /// <summary>The git dir of a linked worktree, from its .git file.</summary>
        internal static string GitDirOf(string worktree)
        {
            var dotGit = Path.Combine(worktree, ".git");
            return Directory.Exists(dotGit) ? PathUtil.Canonicalize(dotGit) : PathUtil.Canonicalize(RepositoryLocator.ReadGitFile(dotGit, worktree)!);
        }

        /// <summary>Starts a stand-in daemon listening in <paramref name="gitDir"/>.</summary>
        internal StandInProcess StartDaemon(string gitDir, StandInMode mode = StandInMode.Default) =>
            StandInLauncher.Start(Procs, Path.Combine(gitDir, FsmonitorSocket.FileName), mode);

        /// <summary>Discovers daemons and keeps only those this test started.</summary>
        internal List<WtFsmonitorDaemon> Inventory(bool listOthers = true, params StandInProcess[] mine)
        {
            var pids = new HashSet<int>(mine.Select(m => m.Pid));
            // Discovery scoped to this test's own directories: other runs' daemons are never looked at.
            var discovered = DaemonDiscovery.Discover(Sink, DiscoveryMethod.Auto, default, p => p.StartsWith(Sandbox.Root + "/", StringComparison.Ordinal));
            return DaemonInventory.Take(Location, Git, listOthers, DiscoveryMethod.Auto, discovered).Where(d => pids.Contains(d.ProcessId)).ToList();
        }

        public void Dispose()
        {
            Procs.Dispose();
            Sandbox.Dispose();
        }
    }
}
