using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Worktrunk.Daemons;
using Worktrunk.IO;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>Runs only where RealGit found a git with the Linux fsmonitor daemon; the skip says how to enable it.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class RealGitDaemonFactAttribute : FactAttribute
    {
        public RealGitDaemonFactAttribute()
        {
            if (RealGit.SkipReason != null)
            {
                Skip = RealGit.SkipReason;
            }
        }
    }

    /// <summary>
    /// Discovery and attribution against git 2.55's real daemon. Each daemon is started here with
    /// `git fsmonitor--daemon start`, found through an oracle independent of the code under test
    /// (the /proc/*/fd holder of the socket inode /proc/net/unix lists under its path), registered
    /// with TestProcesses and killed by PID at the end. Discovery is scoped to the test's own
    /// directories.
    /// </summary>
    public sealed class RealDaemonDiscoveryTests
    {
        [RealGitDaemonFact]
        public void Socket_attribution_finds_exactly_the_real_daemons_and_they_are_live()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("real");
            var main = StartRealDaemon(bed, bed.Sandbox.RepoPath, bed.CommonDir);
            var linked = StartRealDaemon(bed, wt, DaemonTestBed.GitDirOf(wt));

            var scans = DaemonDiscovery.ProcessScansOnThisThread;
            var found = DaemonDiscovery.Discover(bed.Sink, DiscoveryMethod.ProcFs, default, SocketDiscoveryTests.Under(bed.Sandbox.Root));
            Assert.Equal(scans, DaemonDiscovery.ProcessScansOnThisThread);
            Assert.Equal(new[] { main, linked }.OrderBy(p => p), found.Select(f => f.Pid).OrderBy(p => p));
            Assert.All(found, f => Assert.Equal(DiscoveredBy.SocketPeer, f.By));
            Assert.Contains("fsmonitor--daemon", found[0].Argv!);

            var inv = DaemonInventory.Take(bed.Location, bed.Git, false, DiscoveryMethod.ProcFs, found, readGitFiles: true);
            Assert.All(inv, d => Assert.Equal(WtDaemonState.Live, d.State));
            Assert.Equal(wt, inv.Single(d => d.ProcessId == linked).WorktreePath);

            // Its inotify watches: wd:1 is the worktree root, wd:2 its git dir, as stat sees them
            // (attributed by its socket, its descriptors were not walked: read when needed).
            Assert.Equal(-2, found.Single(f => f.Pid == linked).InotifyFd);
            var w = InotifyWatches.Read(linked)!.Value;
            Assert.Equal(FileIdentity.Of(wt), w.Root);
            Assert.Equal(FileIdentity.Of(DaemonTestBed.GitDirOf(wt)), w.GitDir);
        }

        [RealGitDaemonFact]
        public void A_connection_does_not_disturb_a_healthy_real_daemon()
        {
            using var bed = new DaemonTestBed();
            var pid = StartRealDaemon(bed, bed.Sandbox.RepoPath, bed.CommonDir);
            var socket = Path.Combine(bed.CommonDir, FsmonitorSocket.FileName);
            var start = ProcessIdentities.Capture(pid);

            for (var i = 0; i < 20; i++)
            {
                Assert.True(SocketDiscoveryTests.AskAndClose(socket, out var peer) == PeerStatus.Found && peer == pid);
            }

            DaemonDiscovery.Discover(bed.Sink, DiscoveryMethod.ProcFs, default, SocketDiscoveryTests.Under(bed.Sandbox.Root));

            // A git status afterwards is answered by the daemon (trace2: the fsmonitor client's query got a response).
            bed.Sandbox.WriteFile(bed.Sandbox.RepoPath, "new.txt", "x");
            var trace = Path.Combine(bed.Sandbox.Root, "status.trace");
            var (code, stdout, stderr) = RunRealGit(bed.Sandbox.RepoPath, new Dictionary<string, string> { ["GIT_TRACE2_EVENT"] = trace }, "-c", "core.fsmonitor=true", "status", "--porcelain");
            Assert.True(code == 0, stderr);
            Assert.Contains("?? new.txt", stdout, StringComparison.Ordinal);
            var events = File.ReadAllText(trace);
            Assert.Contains("\"key\":\"query/response-length\"", events, StringComparison.Ordinal);
            Assert.DoesNotContain("query/error", events, StringComparison.Ordinal);

            // The same process, still listening.
            Assert.Equal(start, ProcessIdentities.Capture(pid));
            Assert.Equal(pid, SocketHolder(socket));
        }

        [RealGitDaemonFact]
        public void A_moved_repository_s_live_daemon_is_live_by_what_it_watches()
        {
            using var bed = new DaemonTestBed();
            var pid = StartRealDaemon(bed, bed.Sandbox.RepoPath, bed.CommonDir);
            var oldSocket = Path.Combine(bed.CommonDir, FsmonitorSocket.FileName);

            // Move the whole repository: the kernel keeps the old bound path; the daemon keeps
            // watching the same directories (it exits by itself only after a minute idle).
            var moved = Path.Combine(bed.Sandbox.Root, "moved");
            Directory.Move(bed.Sandbox.RepoPath, moved);
            var scope = Worktrunk.Git.RepositoryLocator.Locate(moved, bed.Git);

            var scans = DaemonDiscovery.ProcessScansOnThisThread;
            var found = DaemonDiscovery.Discover(bed.Sink, DiscoveryMethod.ProcFs, default, SocketDiscoveryTests.Under(bed.Sandbox.Root)).Single();
            Assert.Equal(scans + 1, DaemonDiscovery.ProcessScansOnThisThread);
            Assert.Equal(pid, found.Pid);
            Assert.Equal(DiscoveredBy.ProcessScan, found.By);
            Assert.Equal(oldSocket, found.SocketPath);

            // The scan's descriptor walk saw its inotify descriptor on the way.
            Assert.True(found.InotifyFd >= 0);
            Assert.Equal(InotifyWatches.Read(pid)!.Value, InotifyWatches.Read(pid, found.InotifyFd)!.Value);

            var listings = new FileWorktreeListings(new GitWorktreeListings(bed.Git, scope, false), scope.CommonDir, false);
            Assert.Equal(WtDaemonState.OrphanedGitDirGone, DaemonInventory.Describe(found, scope.CommonDir, listings, null, _ => null).State);

            var d = DaemonInventory.Describe(found, scope.CommonDir, listings);
            Assert.Equal(WtDaemonState.Live, d.State);
            Assert.Equal(moved, d.WorktreePath);
            Assert.Equal(scope.CommonDir, d.GitDir);
            Assert.Contains("and its git dir", d.Reason, StringComparison.Ordinal);
            Assert.Equal(ProcessIdentities.Capture(pid), found.Identity);
        }

        [RealGitDaemonFact]
        public void An_rm_rf_ed_worktree_s_real_daemon_is_still_an_orphan()
        {
            using var bed = new DaemonTestBed();
            var wt = bed.Sandbox.AddWorktree("doomed");
            var pid = StartRealDaemon(bed, wt, DaemonTestBed.GitDirOf(wt));
            TestFiles.DeleteTree(wt);

            // Its root watch is gone with the directory: nothing makes it Live.
            Assert.True(TestProcesses.WaitUntil(() => InotifyWatches.Read(pid)?.Root == null, TimeSpan.FromSeconds(30)));
            var found = DaemonDiscovery.Discover(bed.Sink, DiscoveryMethod.ProcFs, default, SocketDiscoveryTests.Under(bed.Sandbox.Root)).Single();
            Assert.Equal(DiscoveredBy.SocketPeer, found.By);
            var d = DaemonInventory.Take(bed.Location, bed.Git, false, DiscoveryMethod.ProcFs, new[] { found }, readGitFiles: true).Single();
            Assert.Equal(WtDaemonState.OrphanedWorktreeRemoved, d.State);
        }

        /// <summary>Starts git's daemon for <paramref name="worktree"/> and returns its PID, registered for killing.</summary>
        private static int StartRealDaemon(DaemonTestBed bed, string worktree, string gitDir)
        {
            var socket = Path.Combine(gitDir, FsmonitorSocket.FileName);
            var (code, _, stderr) = RunRealGit(worktree, null, "fsmonitor--daemon", "start");
            var pid = SocketHolder(socket);
            if (pid > 0)
            {
                bed.Procs.Track(pid);
            }

            Assert.True(code == 0 && pid > 0, "git fsmonitor--daemon start: " + code + " " + stderr);
            return pid;
        }

        private static (int Code, string Stdout, string Stderr) RunRealGit(string directory, Dictionary<string, string>? env, params string[] args)
        {
            Hermetic.Apply();
            var psi = new ProcessStartInfo(RealGit.Executable!)
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            foreach (var kv in Hermetic.Variables)
            {
                psi.Environment[kv.Key] = kv.Value;
            }

            foreach (var kv in env ?? new Dictionary<string, string>())
            {
                psi.Environment[kv.Key] = kv.Value;
            }

            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output, err.Result);
        }

        /// <summary>
        /// The oracle: the PID whose /proc/&lt;pid&gt;/fd holds the socket /proc/net/unix lists as
        /// listening on <paramref name="socketPath"/> (read with System.IO, not the code under
        /// test); 0 when none. Reads descriptors of processes only for that one inode.
        /// </summary>
        private static int SocketHolder(string socketPath)
        {
            var inodes = new HashSet<string>();
            foreach (var line in File.ReadAllLines("/proc/net/unix").Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length >= 8 && line.EndsWith(" " + socketPath, StringComparison.Ordinal) && (Convert.ToUInt32(f[3], 16) & 0x10000) != 0)
                {
                    inodes.Add("socket:[" + f[6] + "]");
                }
            }

            if (inodes.Count == 0)
            {
                return 0;
            }

            foreach (var dir in Directory.GetDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    continue;
                }

                try
                {
                    foreach (var fd in Directory.GetFiles(Path.Combine(dir, "fd")))
                    {
                        var target = new FileInfo(fd).LinkTarget;
                        if (target != null && inodes.Contains(target))
                        {
                            return pid;
                        }
                    }
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                }
            }

            return 0;
        }
    }
}
