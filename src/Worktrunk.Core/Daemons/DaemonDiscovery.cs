// Contract: finds every running git fsmonitor daemon on the machine together with the socket it
// listens on. Read-only: nothing is signalled, and on Linux nothing is spawned.
// Data safety: a process is reported only when (1) its argv is exactly a `git ... fsmonitor--daemon
// run` invocation (DaemonArgv; on macOS an anchored pgrep pattern) and (2) it holds a listening
// fsmonitor socket. A process whose command line names the daemon but holds no such socket is
// never reported, so never signalled. Its identity (PID + start time) is captured before and
// re-checked after its descriptors are read; a PID that changed hands mid-scan is dropped.
// Linux: /proc/<pid>/cmdline for every process, then for candidates /proc/<pid>/fd links
// `socket:[inode]` joined with one read of /proc/net/unix (listening sockets with a path). A
// candidate whose /proc/<pid>/fd cannot be read (another user's process) falls back to lsof for
// that PID alone; if /proc cannot be read at all, the whole discovery falls back.
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
    internal static unsafe class DaemonDiscovery
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

        /// <summary>Re-discovers one PID: the daemon when it is still the same kind of process holding a socket, else null.</summary>
        internal static DiscoveredDaemon? Probe(int pid, IDiagnosticSink sink, CancellationToken cancellation = default)
        {
            if (pid <= 0)
            {
                return null;
            }

            if (AutoMethod == DiscoveryMethod.ProcFs)
            {
                var argv = ProcessTable.ReadArgv(pid);
                if (!DaemonArgv.IsDaemonRun(argv))
                {
                    return null;
                }

                var list = new List<DiscoveredDaemon>();
                var fallback = new List<int>();
                ResolveCandidates(new List<int> { pid }, list, fallback, sink);
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
            var candidates = new List<int>();
            var self = SelfPid;
            foreach (var pid in ProcessTable.EnumeratePids())
            {
                if (pid == self)
                {
                    continue;
                }

                if (DaemonArgv.IsDaemonRun(ReadArgvFast(pid)))
                {
                    candidates.Add(pid);
                }
            }

            var found = new List<DiscoveredDaemon>();
            if (candidates.Count == 0)
            {
                return found;
            }

            cancellation.ThrowIfCancellationRequested();
            var fallback = new List<int>();
            ResolveCandidates(candidates, found, fallback, sink);
            if (fallback.Count > 0)
            {
                found.AddRange(LsofResolve(fallback, sink, cancellation));
            }

            return found;
        }

        /// <summary>Joins candidates' socket descriptors with /proc/net/unix; candidates whose fd dir is unreadable go to <paramref name="fallback"/>.</summary>
        private static void ResolveCandidates(List<int> candidates, List<DiscoveredDaemon> found, List<int> fallback, IDiagnosticSink sink)
        {
            Dictionary<ulong, string> sockets;
            try
            {
                sockets = ProcNetUnix.ParseListeningFsmonitorSockets(File.ReadAllText("/proc/net/unix"));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                sink.Debug("cannot read /proc/net/unix (" + e.Message + "); resolving sockets with lsof");
                fallback.AddRange(candidates);
                return;
            }

            foreach (var pid in candidates)
            {
                var before = ProcessIdentities.Capture(pid);
                if (before == null)
                {
                    continue;
                }

                var argv = ProcessTable.ReadArgv(pid);
                if (!DaemonArgv.IsDaemonRun(argv))
                {
                    continue;
                }

                string? socket = null;
                var readable = ForEachSocketInode(pid, inode =>
                {
                    if (socket == null && sockets.TryGetValue(inode, out var path))
                    {
                        socket = path;
                    }
                });

                if (!readable)
                {
                    fallback.Add(pid);
                    continue;
                }

                var after = ProcessIdentities.Capture(pid);
                if (socket == null || after == null || !after.Value.Equals(before.Value))
                {
                    // No fsmonitor socket: not a daemon (whatever its command line says). Or the PID changed hands.
                    continue;
                }

                found.Add(new DiscoveredDaemon(before.Value, argv, socket));
            }
        }

        /// <summary>Calls <paramref name="onInode"/> for every socket descriptor of a process; false when its fd directory cannot be read.</summary>
        private static bool ForEachSocketInode(int pid, Action<ulong> onInode)
        {
            var dir = "/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/fd";
            string[] entries;
            try
            {
                entries = Directory.GetFileSystemEntries(dir);
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
            catch (IOException)
            {
                // Gone: readable, just empty.
                return true;
            }

            var buffer = stackalloc byte[128];
            foreach (var entry in entries)
            {
                var n = (long)Libc.readlink(entry, buffer, (IntPtr)128);
                if (n <= 0 || n >= 128)
                {
                    continue;
                }

                // socket:[12345]
                if (n > 9 && buffer[0] == (byte)'s' && buffer[6] == (byte)':' && buffer[7] == (byte)'[' && buffer[n - 1] == (byte)']')
                {
                    ulong ino = 0;
                    var ok = true;
                    for (var i = 8; i < n - 1; i++)
                    {
                        var c = buffer[i];
                        if (c < (byte)'0' || c > (byte)'9')
                        {
                            ok = false;
                            break;
                        }

                        ino = (ino * 10) + (ulong)(c - (byte)'0');
                    }

                    if (ok)
                    {
                        onInode(ino);
                    }
                }
            }

            return true;
        }

        /// <summary>/proc/&lt;pid&gt;/cmdline, read only as far as needed to reject most processes cheaply.</summary>
        private static string[]? ReadArgvFast(int pid)
        {
            // Full read: cmdline files are small, and exact matching needs every word up to `run`.
            return ProcessTable.ReadArgv(pid);
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
