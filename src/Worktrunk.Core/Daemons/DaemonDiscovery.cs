// Contract: finds every running git fsmonitor daemon on the machine together with the socket it
// listens on. Read-only: nothing is signalled, and on Linux nothing is spawned.
// Data safety: a process is reported only when (1) its argv is exactly a `git ... fsmonitor--daemon
// run` invocation (DaemonArgv; on macOS an anchored pgrep pattern) and (2) it holds a listening
// fsmonitor socket. A process whose command line names the daemon but holds no such socket is
// never reported, so never signalled. Its start time, argv and socket are proven to belong to one
// process: a pidfd is opened before they are read and must not report an exit afterwards (without
// pidfd, the start time is read before and after and must match); a PID that changed hands
// mid-scan is dropped.
// Linux: one read of /proc/net/unix (listening sockets with a path; none means no daemon and no
// further work), /proc/<pid>/cmdline of every process (argv[0] prefilter, then the exact match),
// and for candidates the /proc/<pid>/fd links `socket:[inode]` joined with that table. Large
// process tables are read on two threads. A candidate whose /proc/<pid>/fd cannot be read
// (another user's process) falls back to lsof for that PID alone; if /proc/net/unix cannot be
// read, every candidate does.
// macOS (and Linux without /proc): `pgrep -f` + one batched `lsof -a -p <pids> -U -F pn`; lsof's
// exit status is ignored (non-zero whenever a listed PID vanished); an empty PID list never
// reaches lsof (an empty -p would list every socket on the machine).
// Windows: the daemons' named pipes (\\.\pipe\<realpath of git dir>\fsmonitor--daemon.ipc) and
// their server PIDs (see WindowsPipes).

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.Processes;

namespace Worktrunk.Daemons
{
    /// <summary>Machine-wide fsmonitor daemon discovery.</summary>
    internal static class DaemonDiscovery
    {
        /// <summary>pgrep's extended regex: argv[0] named git, any global options, then `fsmonitor--daemon run`.</summary>
        internal const string PgrepPattern = "^([^ ]*/)?git( [^ ]+)* fsmonitor--daemon run( |$)";

        private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(5);

        private static readonly int SelfPid = System.Diagnostics.Process.GetCurrentProcess().Id;

        /// <summary>The method Auto picks on this machine.</summary>
        internal static DiscoveryMethod AutoMethod =>
            Platform.IsWindows ? DiscoveryMethod.NamedPipes : ProcessTable.HasProcFs ? DiscoveryMethod.ProcFs : DiscoveryMethod.PgrepLsof;

        /// <summary>Finds the daemons. Best effort: a tool that fails means no daemons from it, reported as a warning.</summary>
        internal static List<DiscoveredDaemon> Discover(IDiagnosticSink sink, DiscoveryMethod method = DiscoveryMethod.Auto, CancellationToken cancellation = default)
        {
            if (method == DiscoveryMethod.Auto)
            {
                method = AutoMethod;
            }

            switch (method)
            {
                case DiscoveryMethod.ProcFs:
                    return DiscoverProcFs(sink, cancellation);
                case DiscoveryMethod.PgrepLsof:
                    return DiscoverPgrepLsof(sink, cancellation);
                case DiscoveryMethod.NamedPipes:
                    return WindowsPipes.Discover(sink);
                default:
                    throw new ArgumentOutOfRangeException(nameof(method));
            }
        }

        /// <summary>
        /// Linux: whether any listening socket's path satisfies <paramref name="match"/>, from one read of
        /// /proc/net/unix; null where that cannot be told (then callers discover normally).
        /// </summary>
        internal static bool? AnyListeningSocket(Func<string, bool> match)
        {
            if (AutoMethod != DiscoveryMethod.ProcFs)
            {
                return null;
            }

            try
            {
                foreach (var path in ProcNetUnix.ParseListeningFsmonitorSockets(File.ReadAllText("/proc/net/unix")).Values)
                {
                    if (match(path))
                    {
                        return true;
                    }
                }

                return false;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>Re-discovers one PID: the daemon when it is still the same kind of process holding a socket, else null.</summary>
        internal static DiscoveredDaemon? Probe(int pid, IDiagnosticSink sink, CancellationToken cancellation = default)
        {
            if (pid <= 0)
            {
                return null;
            }

            if (AutoMethod == DiscoveryMethod.ProcFs)
            {
                var argv = ProcFs.ReadArgv(pid, new byte[4096]);
                if (!DaemonArgv.IsDaemonRun(argv))
                {
                    return null;
                }

                var list = new List<DiscoveredDaemon>();
                var fallback = new List<int>();
                try
                {
                    ResolveCandidates(new List<int> { pid }, ProcNetUnix.ParseListeningFsmonitorSockets(File.ReadAllText("/proc/net/unix")), list, fallback);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    fallback.Add(pid);
                }

                if (fallback.Count > 0)
                {
                    list.AddRange(LsofResolve(fallback, sink, cancellation));
                }

                return list.Count > 0 ? list[0] : null;
            }

            foreach (var d in Discover(sink, DiscoveryMethod.Auto, cancellation))
            {
                if (d.Pid == pid)
                {
                    return d;
                }
            }

            return null;
        }

        private static List<DiscoveredDaemon> DiscoverProcFs(IDiagnosticSink sink, CancellationToken cancellation)
        {
            // Cheap prefilter on argv[0]'s name, then the exact match. Large process tables are
            // scanned on two threads (each read is a syscall round trip; nothing is shared but the
            // result lists, which are merged in PID order).
            var found = new List<DiscoveredDaemon>();
            Dictionary<ulong, string>? sockets;
            try
            {
                sockets = ProcNetUnix.ParseListeningFsmonitorSockets(File.ReadAllText("/proc/net/unix"));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                sink.Debug("cannot read /proc/net/unix (" + e.Message + "); resolving sockets with lsof");
                sockets = null;
            }

            // No listening fsmonitor socket in this network namespace: no daemon can hold one.
            if (sockets != null && sockets.Count == 0)
            {
                return found;
            }

            var pids = ProcFs.Pids();
            var candidates = new List<int>();
            ForChunks(pids, pids.Count >= ParallelThreshold, (chunk, into) =>
            {
                var buffer = new byte[4096];
                foreach (var pid in chunk)
                {
                    if (pid != SelfPid && DaemonArgv.IsDaemonRun(ProcFs.ArgvIfGit(pid, buffer)))
                    {
                        into.Add(pid);
                    }
                }
            }, candidates);

            if (candidates.Count == 0)
            {
                return found;
            }

            cancellation.ThrowIfCancellationRequested();
            var fallback = new List<int>();
            if (sockets == null)
            {
                fallback.AddRange(candidates);
            }
            else
            {
                ResolveCandidates(candidates, sockets, found, fallback);
            }

            if (fallback.Count > 0)
            {
                found.AddRange(LsofResolve(fallback, sink, cancellation));
            }

            return found;
        }

        /// <summary>Process tables at least this large are scanned on two threads when there are two cores.</summary>
        private const int ParallelThreshold = 96;

        /// <summary>Gets or sets a value indicating whether large scans may use a second thread (benchmarks compare both).</summary>
        internal static bool ScanInParallel { get; set; } = true;

        /// <summary>Runs <paramref name="work"/> over <paramref name="items"/>, in two halves on two threads when asked and possible; results are appended in item order.</summary>
        private static void ForChunks<TIn, TOut>(List<TIn> items, bool parallel, Action<List<TIn>, List<TOut>> work, List<TOut> results)
        {
            if (!parallel || !ScanInParallel || Environment.ProcessorCount < 2 || items.Count < 2)
            {
                work(items, results);
                return;
            }

            var half = items.Count / 2;
            var first = items.GetRange(0, half);
            var second = items.GetRange(half, items.Count - half);
            var firstOut = new List<TOut>();
            var secondOut = new List<TOut>();
            var other = System.Threading.Tasks.Task.Run(() => work(second, secondOut));
            work(first, firstOut);
            other.GetAwaiter().GetResult();
            results.AddRange(firstOut);
            results.AddRange(secondOut);
        }

        /// <summary>Joins candidates' socket descriptors with /proc/net/unix; candidates whose fd dir is unreadable go to <paramref name="fallback"/>.</summary>
        private static void ResolveCandidates(List<int> candidates, Dictionary<ulong, string> sockets, List<DiscoveredDaemon> found, List<int> fallback)
        {
            var outcomes = new List<(int Pid, DiscoveredDaemon? Daemon, bool Unreadable)>();
            ForChunks(candidates, candidates.Count >= 16, (chunk, into) =>
            {
                var buffer = new byte[4096];
                foreach (var pid in chunk)
                {
                    into.Add(ResolveOne(pid, sockets, buffer));
                }
            }, outcomes);

            foreach (var o in outcomes)
            {
                if (o.Unreadable)
                {
                    fallback.Add(o.Pid);
                }
                else if (o.Daemon != null)
                {
                    found.Add(o.Daemon);
                }
            }
        }

        /// <summary>
        /// Proves one candidate: its start time, exact argv and fsmonitor socket must all belong to
        /// one process. With a pidfd (opened first, and still not signalling exit at the end) the
        /// PID cannot have changed hands in between; without one, the start time is read again
        /// after the descriptors and must be unchanged.
        /// </summary>
        private static (int Pid, DiscoveredDaemon? Daemon, bool Unreadable) ResolveOne(int pid, Dictionary<ulong, string> sockets, byte[] buffer)
        {
            var pidfd = ProcFs.OpenPidfd(pid);
            try
            {
                var before = ProcFs.ReadStat(pid, buffer);
                if (before == null || before.Value.IsExited)
                {
                    return (pid, null, false);
                }

                var argv = ProcFs.ReadArgv(pid, buffer);
                if (!DaemonArgv.IsDaemonRun(argv))
                {
                    return (pid, null, false);
                }

                if (!ProcFs.FindSocketInode(pid, sockets.ContainsKey, out var inode))
                {
                    return (pid, null, true);
                }

                if (inode == 0)
                {
                    // No fsmonitor socket: not a daemon, whatever its command line says.
                    return (pid, null, false);
                }

                bool same;
                if (pidfd >= 0)
                {
                    same = !ProcFs.PidfdExited(pidfd);
                }
                else
                {
                    var after = ProcFs.ReadStat(pid, buffer);
                    same = after != null && !after.Value.IsExited && after.Value.StartTime == before.Value.StartTime;
                }

                return same ? (pid, new DiscoveredDaemon(new ProcessIdentity(pid, before.Value.StartTime), argv, sockets[inode]), false) : (pid, null, false);
            }
            finally
            {
                if (pidfd >= 0)
                {
                    Interop.Libc.close(pidfd);
                }
            }
        }

        private static List<DiscoveredDaemon> DiscoverPgrepLsof(IDiagnosticSink sink, CancellationToken cancellation)
        {
            var found = new List<DiscoveredDaemon>();
            CommandResult pgrep;
            try
            {
                pgrep = ProcessRunner.Run(new SpawnOptions("pgrep", new[] { "-f", PgrepPattern }), ToolTimeout, sink, cancellation);
            }
            catch (WorktrunkException e) when (e.ErrorId != ErrorIds.CommandStopped)
            {
                sink.Warning("Cannot list fsmonitor daemons: " + e.Message);
                return found;
            }

            // Exit 1 means no match; anything else non-zero is a failure, reported but not fatal.
            if (pgrep.ExitCode == 1)
            {
                return found;
            }

            if (!pgrep.Succeeded)
            {
                sink.Warning("pgrep failed (" + pgrep.Stderr.Trim() + "); no fsmonitor daemons listed.");
                return found;
            }

            var pids = new List<int>();
            foreach (var line in pgrep.Stdout.Split('\n'))
            {
                if (int.TryParse(line.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 && pid != SelfPid)
                {
                    pids.Add(pid);
                }
            }

            return pids.Count == 0 ? found : LsofResolve(pids, sink, cancellation);
        }

        /// <summary>One batched lsof for <paramref name="pids"/> (never empty); records without an fsmonitor socket are dropped.</summary>
        internal static List<DiscoveredDaemon> LsofResolve(List<int> pids, IDiagnosticSink sink, CancellationToken cancellation)
        {
            var found = new List<DiscoveredDaemon>();
            if (pids.Count == 0)
            {
                return found;
            }

            var before = new Dictionary<int, ProcessIdentity>();
            foreach (var pid in pids)
            {
                var id = ProcessIdentities.Capture(pid);
                if (id.HasValue)
                {
                    before[pid] = id.Value;
                }
            }

            if (before.Count == 0)
            {
                return found;
            }

            var list = new StringBuilder();
            foreach (var pid in before.Keys)
            {
                list.Append(list.Length == 0 ? string.Empty : ",").Append(pid.ToString(CultureInfo.InvariantCulture));
            }

            sink.Debug("fsmonitor: resolving sockets for " + before.Count.ToString(CultureInfo.InvariantCulture) + " daemon(s) via one lsof");
            CommandResult lsof;
            try
            {
                lsof = ProcessRunner.Run(new SpawnOptions("lsof", new[] { "-w", "-a", "-p", list.ToString(), "-U", "-F", "pn" }), ToolTimeout, sink, cancellation);
            }
            catch (WorktrunkException e) when (e.ErrorId != ErrorIds.CommandStopped)
            {
                sink.Warning("Cannot resolve fsmonitor daemon sockets: " + e.Message);
                return found;
            }

            // Exit status deliberately ignored: lsof is non-zero when any listed PID vanished.
            foreach (var record in LsofParser.Parse(lsof.Stdout))
            {
                if (!before.TryGetValue(record.Pid, out var id))
                {
                    continue;
                }

                var socket = LsofParser.SocketOf(record);
                if (socket == null)
                {
                    continue;
                }

                var after = ProcessIdentities.Capture(record.Pid);
                if (after == null || !after.Value.Equals(id))
                {
                    continue;
                }

                var argv = ProcessTable.HasProcFs ? ProcessTable.ReadArgv(record.Pid) : null;
                if (argv != null && !DaemonArgv.IsDaemonRun(argv))
                {
                    continue;
                }

                found.Add(new DiscoveredDaemon(id, argv, socket));
            }

            return found;
        }
    }
}
