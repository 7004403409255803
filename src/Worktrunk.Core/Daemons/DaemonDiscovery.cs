// Contract: finds every running git fsmonitor daemon on the machine together with the socket it
// listens on. Read-only: nothing is signalled, and on Linux nothing is spawned; the only effect on
// a daemon is a connection it accepts and that ends at once (see SocketPeers).
// Data safety: a process is reported only when (1) its argv is exactly a `git ... fsmonitor--daemon
// run` invocation (DaemonArgv; on macOS an anchored pgrep pattern) and (2) it holds a listening
// fsmonitor socket (found from the sockets: it is that socket's listener, see below). A process
// whose command line names the daemon but holds no such socket is never reported, so never
// signalled. Its start time, argv and socket are proven to belong to one
// process: a pidfd is opened before they are read and must not report an exit afterwards (without
// pidfd, the start time is read before and after and must match); a PID that changed hands
// mid-scan is dropped.
// Linux, from the sockets: one read of /proc/net/unix (listening sockets whose path ends in an
// fsmonitor socket name; none means no daemon and no further work). Each socket path is asked
// who listens on it (SocketPeers: a non-blocking connect, SO_PEERCRED, SO_PEERPIDFD where the
// kernel has it, getpeername; the connection is closed unused, which git's daemon drops
// silently). The answer is believed only when the socket reached was bound at exactly that path
// and is the only one /proc/net/unix lists under it (else the process's descriptors are walked
// to name the inode it holds, as for a scan candidate), the listener has the daemon's exact argv,
// and it is the same process throughout (the peer pidfd, else pidfd_open / start time). In the
// common case no other process is read at all, so the cost follows the number of daemons, not of
// processes. What SO_PEERCRED names is the process that called listen(): git's daemon listens
// itself and never hands the socket on; a process that did so and closed its own copy would still
// be named (residual; it has the daemon's argv and listened on that very path). A caller's socket
// filter leaves sockets out before anything is asked: the sweep and Get-WtOrphanDaemon's default
// view ask only the sockets whose path verdict can make their daemon an orphan in view
// (DaemonInventory.TakeWanted), a removal only its own worktree's socket (DaemonStopper), so a
// healthy daemon is not connected to by them at all.
// Linux fallback, only for the sockets not attributed that way (its path gone: the kernel keeps
// the bound path after the directory is deleted; a full backlog; a listener that is not a daemon
// or cannot be read; a path that now reaches another socket): /proc/<pid>/cmdline of every
// process (argv[0] prefilter, then the exact match), and for candidates the /proc/<pid>/fd links
// `socket:[inode]` joined with those sockets. Large process tables are read on two threads. A
// candidate whose /proc/<pid>/fd cannot be read (another user's process) falls back to lsof for
// that PID alone; if /proc/net/unix cannot be read, every candidate does.
// Residual: a second process holding the same listening socket (an inherited descriptor) is
// reported only when the fallback scan runs for that socket.
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
            Platform.IsWindows ? DiscoveryMethod.NamedPipes : ProcFs.Available ? DiscoveryMethod.ProcFs : DiscoveryMethod.PgrepLsof;

        /// <summary>
        /// Finds the daemons. Best effort: a tool that fails means no daemons from it, reported as a
        /// warning. <paramref name="socketFilter"/> (Linux /proc only): only sockets whose bound path
        /// it accepts are considered: the others are neither asked who listens on them nor scanned
        /// for, so their daemons are never connected to (tests scope discovery to their own
        /// directories; DaemonInventory asks only the sockets whose path verdict can put a daemon in
        /// the caller's view). It may be called on two threads at once, once per path; null for all.
        /// </summary>
        internal static List<DiscoveredDaemon> Discover(IDiagnosticSink sink, DiscoveryMethod method = DiscoveryMethod.Auto, CancellationToken cancellation = default, Func<string, bool>? socketFilter = null)
        {
            if (method == DiscoveryMethod.Auto)
            {
                method = AutoMethod;
            }

            switch (method)
            {
                case DiscoveryMethod.ProcFs:
                    return DiscoverProcFs(sink, cancellation, socketFilter);
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
                foreach (var path in ProcNetUnix.ReadListeningFsmonitorSockets().Values)
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
                    ResolveCandidates(new List<int> { pid }, ProcNetUnix.ReadListeningFsmonitorSockets(), list, fallback);
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

        private static List<DiscoveredDaemon> DiscoverProcFs(IDiagnosticSink sink, CancellationToken cancellation, Func<string, bool>? socketFilter)
        {
            var found = new List<DiscoveredDaemon>();
            Dictionary<ulong, string>? sockets;
            try
            {
                sockets = ProcNetUnix.ReadListeningFsmonitorSockets();
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

            var foundPids = new HashSet<int>();
            if (sockets != null)
            {
                // The common case: every socket names its listener, and no other process is read.
                var unattributed = AttributeBySocket(sockets, socketFilter, found, foundPids, cancellation);
                if (unattributed.Count == 0)
                {
                    return found;
                }

                sink.Debug("fsmonitor: " + unattributed.Count.ToString(CultureInfo.InvariantCulture) + " socket(s) not attributable through a connection (path gone, busy or unproven); scanning processes for them");
                sockets = unattributed;
            }

            s_scans++;

            // The fallback: every process's argv (prefilter on argv[0]'s name, then the exact match),
            // then candidates' descriptors joined with the sockets still unattributed. Large process
            // tables are scanned on two threads (each read is a syscall round trip; nothing is
            // shared but the result lists, which are merged in PID order).
            var pids = ProcFs.Pids();
            var candidates = new List<int>();
            ForChunks(pids, pids.Count >= ParallelThreshold, (chunk, into) =>
            {
                var buffer = WorkBuffer();
                foreach (var pid in chunk)
                {
                    if (pid != SelfPid && !foundPids.Contains(pid) && DaemonArgv.IsDaemonRun(ProcFs.ArgvIfGit(pid, buffer)))
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

            found.Sort((x, y) => x.Pid.CompareTo(y.Pid));
            return found;
        }

        /// <summary>
        /// Asks each socket path who listens on it (<see cref="SocketPeers"/>) and proves the answer:
        /// the listener must hold one of the listed socket inodes bound to that path, have the
        /// daemon's exact argv, and be the same process throughout (pidfd). Returns the sockets it
        /// could not attribute that way: a path that is gone or reaches another socket, a full
        /// backlog, a listener that is not a daemon or cannot be read.
        /// </summary>
        private static Dictionary<ulong, string> AttributeBySocket(Dictionary<ulong, string> sockets, Func<string, bool>? socketFilter, List<DiscoveredDaemon> found, HashSet<int> foundPids, CancellationToken cancellation)
        {
            // Several listening sockets can carry one path (a stale one whose file was replaced); a
            // connection reaches only the socket whose file is there now.
            var byPath = new Dictionary<string, List<ulong>>(StringComparer.Ordinal);
            foreach (var s in sockets)
            {
                if (!byPath.TryGetValue(s.Value, out var inodes))
                {
                    inodes = new List<ulong>(1);
                    byPath[s.Value] = inodes;
                }

                inodes.Add(s.Key);
            }

            // Each path is filtered, asked and proven on its own (two threads for many: each is a few
            // syscalls); results merge in path order. A path the filter rejects is left out entirely.
            var paths = new List<KeyValuePair<string, List<ulong>>>(byPath);
            var outcomes = new List<(KeyValuePair<string, List<ulong>> Entry, bool Wanted, DiscoveredDaemon? Daemon, ulong Held)>(paths.Count);
            ForChunks(paths, paths.Count >= 16, (chunk, into) =>
            {
                var buffer = WorkBuffer();
                foreach (var entry in chunk)
                {
                    cancellation.ThrowIfCancellationRequested();
                    if (socketFilter != null && !socketFilter(entry.Key))
                    {
                        into.Add((entry, false, null, 0));
                        continue;
                    }

                    var (daemon, held) = AskOne(entry.Key, entry.Value, sockets, buffer);
                    into.Add((entry, true, daemon, held));
                }
            }, outcomes);

            var unattributed = new Dictionary<ulong, string>();
            foreach (var (entry, wanted, candidate, held) in outcomes)
            {
                if (!wanted)
                {
                    continue;
                }

                // One process answering for two paths: the second goes to the scan, as before.
                var daemon = candidate != null && foundPids.Add(candidate.Pid) ? candidate : null;
                if (daemon != null)
                {
                    found.Add(daemon);
                }

                foreach (var inode in entry.Value)
                {
                    if (daemon == null || inode != held)
                    {
                        unattributed[inode] = entry.Key;
                    }
                }
            }

            return unattributed;
        }

        [ThreadStatic]
        private static int s_scans;

        [ThreadStatic]
        private static byte[]? t_workBuffer;

        /// <summary>A read buffer for /proc files, one per thread (work blocks run on two threads).</summary>
        private static byte[] WorkBuffer() => t_workBuffer ??= new byte[4096];

        /// <summary>Gets how many full process scans discovery ran on the calling thread (tests: the common case runs none).</summary>
        internal static int ProcessScansOnThisThread => s_scans;

        /// <summary>Process tables at least this large are scanned on two threads when there are two cores.</summary>
        private const int ParallelThreshold = 96;

        /// <summary>Gets or sets a value indicating whether large scans may use a second thread (benchmarks compare both).</summary>
        internal static bool ScanInParallel { get; set; } = true;

        /// <summary>
        /// Runs <paramref name="work"/> over <paramref name="items"/>, on this thread and, when asked
        /// and possible, one pool thread; results are appended in item order. The two threads take
        /// blocks of items from a shared counter, so when the pool thread starts late (a loaded
        /// machine) this thread simply does more of the work instead of waiting for a fixed half.
        /// </summary>
        internal static void ForChunks<TIn, TOut>(List<TIn> items, bool parallel, Action<List<TIn>, List<TOut>> work, List<TOut> results)
        {
            if (!parallel || !ScanInParallel || Environment.ProcessorCount < 2 || items.Count < 2)
            {
                work(items, results);
                return;
            }

            // Blocks of about a sixteenth: few enough to cost nothing, small enough to balance.
            var blockSize = Math.Max(1, items.Count / 16);
            var blocks = (items.Count + blockSize - 1) / blockSize;
            var outputs = new List<TOut>?[blocks];
            var next = -1;
            void Drain()
            {
                int b;
                while ((b = Interlocked.Increment(ref next)) < blocks)
                {
                    var from = b * blockSize;
                    var into = new List<TOut>();
                    work(items.GetRange(from, Math.Min(blockSize, items.Count - from)), into);
                    outputs[b] = into;
                }
            }

            var other = System.Threading.Tasks.Task.Run(Drain);
            Exception? mine = null;
            try
            {
                Drain();
            }
            catch (Exception e)
            {
                // Stop handing out blocks, then wait for the pool thread before rethrowing.
                Interlocked.Exchange(ref next, blocks);
                mine = e;
            }

            try
            {
                other.GetAwaiter().GetResult();
            }
            catch when (mine != null)
            {
                // This thread's exception wins (e.g. cancellation seen first here).
            }

            if (mine != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(mine).Throw();
            }

            foreach (var o in outputs)
            {
                results.AddRange(o!);
            }
        }

        /// <summary>Joins candidates' socket descriptors with /proc/net/unix; candidates whose fd dir is unreadable go to <paramref name="fallback"/>.</summary>
        private static void ResolveCandidates(List<int> candidates, Dictionary<ulong, string> sockets, List<DiscoveredDaemon> found, List<int> fallback)
        {
            var outcomes = new List<(int Pid, DiscoveredDaemon? Daemon, bool Unreadable)>();
            ForChunks(candidates, candidates.Count >= 16, (chunk, into) =>
            {
                var buffer = WorkBuffer();
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

        /// <summary>Asks one socket path for its listener and proves it; the daemon and the inode it holds, or (null, 0).</summary>
        private static (DiscoveredDaemon? Daemon, ulong Held) AskOne(string path, List<ulong> inodes, Dictionary<ulong, string> sockets, byte[] buffer)
        {
            if (SocketPeers.Ask(path, out var pid, out var pidfd, out var boundAtPath) != PeerStatus.Found)
            {
                return (null, 0);
            }

            try
            {
                if (pid == SelfPid)
                {
                    return (null, 0);
                }

                // The listener of the one socket listed under this path, bound at exactly this path:
                // its descriptors need not be walked. Anything else (a path that led elsewhere, two
                // sockets listed under one path) is proven by the walk, which names the inode.
                var known = boundAtPath && inodes.Count == 1 ? inodes[0] : 0;
                var r = Resolve(pid, inodes.Contains, sockets, buffer, pidfd >= 0 ? pidfd : ProcFs.OpenPidfd(pid), ownsPidfd: pidfd < 0, knownInode: known, by: DiscoveredBy.SocketPeer);
                return r.Daemon == null ? (null, 0) : (r.Daemon, r.Inode);
            }
            finally
            {
                if (pidfd >= 0)
                {
                    Interop.Libc.close(pidfd);
                }
            }
        }

        /// <summary>Proves one candidate of the process scan (see <see cref="Resolve"/>), with a pidfd opened here.</summary>
        private static (int Pid, DiscoveredDaemon? Daemon, bool Unreadable) ResolveOne(int pid, Dictionary<ulong, string> sockets, byte[] buffer)
        {
            var r = Resolve(pid, sockets.ContainsKey, sockets, buffer, ProcFs.OpenPidfd(pid), ownsPidfd: true);
            return (pid, r.Daemon, r.Unreadable);
        }

        /// <summary>
        /// Proves one process: its start time, exact argv and an fsmonitor socket for which
        /// <paramref name="isWanted"/> holds must all belong to one process. With a pidfd (opened
        /// before anything is read, and still not signalling exit at the end) the PID cannot have
        /// changed hands in between; without one, the start time is read again after the
        /// descriptors and must be unchanged. <paramref name="ownsPidfd"/>: close it here.
        /// <paramref name="knownInode"/>: non-zero when the caller already proved which socket the
        /// process listens on (SO_PEERCRED of a connection to it); the descriptors are then not walked.
        /// </summary>
        private static (DiscoveredDaemon? Daemon, bool Unreadable, ulong Inode) Resolve(int pid, Func<ulong, bool> isWanted, Dictionary<ulong, string> sockets, byte[] buffer, int pidfd, bool ownsPidfd, ulong knownInode = 0, DiscoveredBy by = DiscoveredBy.ProcessScan)
        {
            try
            {
                var before = ProcFs.ReadStat(pid, buffer);
                if (before == null || before.Value.IsExited)
                {
                    return (null, false, 0);
                }

                var argv = ProcFs.ReadArgv(pid, buffer);
                if (!DaemonArgv.IsDaemonRun(argv))
                {
                    return (null, false, 0);
                }

                var inode = knownInode;
                var inotifyFd = -2;
                if (inode == 0 && !ProcFs.FindSocketInode(pid, isWanted, out inode, out inotifyFd))
                {
                    return (null, true, 0);
                }

                if (inode == 0)
                {
                    // No fsmonitor socket: not a daemon, whatever its command line says.
                    return (null, false, 0);
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

                return same ? (new DiscoveredDaemon(new ProcessIdentity(pid, before.Value.StartTime), argv, sockets[inode], by, inotifyFd), false, inode) : (null, false, 0);
            }
            finally
            {
                if (ownsPidfd && pidfd >= 0)
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

                var argv = ProcFs.Available ? ProcFs.ReadArgv(record.Pid) : null;
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
