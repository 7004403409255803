// Contract: finds the processes whose working directory is inside a worktree, and stops the ones
// without a controlling terminal for Remove-WtWorktree -StopProcess.
// Guarantees
//   * Inside means: the working directory is the worktree's root or lies below it, both sides
//     canonical (PathUtil), compared as whole path components (/x/wt never holds /x/wt2). A
//     directory deleted while a process stayed in it (Linux shows "<path> (deleted)") counts by
//     the path it had, and only when no directory of that literal name exists (so a live sibling
//     named "wt (deleted)" is never taken for the worktree). With several roots, a process goes to
//     the deepest root holding it, once.
//   * The current process and every ancestor of it (parent links up to PID 1, PID 1 included) are
//     never listed, so never stopped: the session, its terminal, the test runner.
//   * Each process is found with its identity (PID + start time, read from the same stat as its
//     terminal) and re-checked: its working directory is read again after the stat, so an entry
//     whose PID was reused between the two reads is dropped or keeps the dead identity.
//   * Read-only on Linux: /proc through ProcFs (readlink of /proc/<pid>/cwd, never
//     followed; stat; cmdline); no child process, no lsof. A process of another user whose cwd
//     link cannot be read is not listed (it could not be signalled either).
// Signal discipline (Stop): only processes found here, only without a controlling terminal (tty_nr
//   0 in /proc/<pid>/stat; macOS e_tdev NODEV), only through Daemons/DaemonSignaller: identity
//   proven before every signal (pidfd or start time re-read), SIGTERM + SIGCONT → poll 50 ms up to
//   the deadline → SIGKILL; a recycled PID is never signalled. A process with a terminal is named in
//   a warning and left alone. Bounded by the deadline plus the signaller's 2 s SIGKILL wait; never
//   throws, never fails a removal: a survivor is a warning.
// Platform: Linux reads /proc. macOS (compiled, not run by the tests): `lsof -w -d cwd -F pcn`
//   through ProcessRunner, bounded at 5 s as the reference does, then proc_pidinfo(PROC_PIDTBSDINFO)
//   per match for the parent, terminal, name and start time (no `ps`). Windows (and Linux without
//   /proc): WorktreeProcessesNotSupported; another process's working directory lives in its PEB,
//   which only reading its memory reveals, and Worktrunk does not do that.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.IO;

namespace Worktrunk.Processes
{
    /// <summary>The processes working inside a worktree: finding them, and stopping the terminal-less ones.</summary>
    internal static unsafe class WorktreeProcesses
    {
        /// <summary>The bound on macOS's `lsof -d cwd` (the reference's probe timeout).</summary>
        internal static readonly TimeSpan LsofTimeout = TimeSpan.FromSeconds(5);

        private const string DeletedSuffix = " (deleted)";

        private static readonly byte[] s_deletedSuffix = Encoding.ASCII.GetBytes(DeletedSuffix);

        /// <summary>
        /// Every process whose working directory is at or under one of <paramref name="roots"/>, except
        /// the current process and its ancestors; ordered by root (as given), then PID. Throws
        /// WorktreeProcessesNotSupported where the platform cannot tell (Windows), ProcessListingFailed
        /// when macOS's lsof cannot run.
        /// </summary>
        internal static List<WtWorktreeProcess> Find(IReadOnlyList<string> roots, IDiagnosticSink sink, CancellationToken cancellation = default)
        {
            var canonical = new List<string>(roots.Count);
            foreach (var r in roots)
            {
                var c = PathUtil.Canonicalize(r);
                if (!canonical.Exists(x => string.Equals(x, c, PathUtil.Comparison)))
                {
                    canonical.Add(c);
                }
            }

            List<WtWorktreeProcess> found;
            if (Platform.IsLinux && ProcFs.Available)
            {
                found = FindProcFs(canonical, cancellation);
            }
            else if (Platform.IsMacOS)
            {
                found = FindLsof(canonical, sink, cancellation);
            }
            else
            {
                throw NotSupported();
            }

            found.Sort((a, b) =>
            {
                var byRoot = canonical.FindIndex(x => x == a.Worktree).CompareTo(canonical.FindIndex(x => x == b.Worktree));
                return byRoot != 0 ? byRoot : a.Id.CompareTo(b.Id);
            });
            return found;
        }

        internal static WorktrunkException NotSupported() => new WorktrunkException(
            ErrorIds.WorktreeProcessesNotSupported,
            ErrorKind.NotSupported,
            Platform.IsWindows
                ? "Windows does not tell the working directory of another process (it lives in that process's memory, its PEB, which Worktrunk does not read); the worktree's processes cannot be listed or stopped. Nothing was changed."
                : "This system has no /proc to read the working directory of other processes from; the worktree's processes cannot be listed or stopped. Nothing was changed.",
            null,
            Platform.IsWindows ? "Use Start-WtTether to run servers whose whole process tree ends with the worktree; Sysinternals Handle (handle.exe <path>) shows which processes hold files there." : "Mount /proc (Linux), or stop the processes by hand.");

        // ---------------------------------------------------------------- Linux

        private static List<WtWorktreeProcess> FindProcFs(List<string> roots, CancellationToken cancellation)
        {
            var rootBytes = new byte[roots.Count][];
            for (var i = 0; i < roots.Count; i++)
            {
                rootBytes[i] = Encoding.UTF8.GetBytes(roots[i]);
            }

            var excluded = SelfAndAncestors();
            var cwd = new byte[4097];
            var buffer = new byte[4096];
            var found = new List<WtWorktreeProcess>();
            foreach (var pid in Candidates(ProcFs.Pids(), excluded, rootBytes, cancellation))
            {
                // A candidate (rare): its stat (identity, terminal, name), then the cwd again so both
                // belong to the same process instance.
                var stat = ProcFs.ReadStat(pid, buffer, out var name);
                if (stat == null || stat.Value.IsExited)
                {
                    continue;
                }

                var n = ProcFs.ReadCwd(pid, cwd);
                var length = 0;
                var deleted = false;
                var root = n < 0 ? -1 : Match(cwd, n, rootBytes, out length, out deleted);
                if (root < 0)
                {
                    continue;
                }

                var argv = ProcFs.ReadArgv(pid, buffer);
                found.Add(new WtWorktreeProcess(
                    pid,
                    NameOf(name, argv),
                    argv == null ? string.Empty : CommandLine.Format(argv[0], Tail(argv)),
                    Encoding.UTF8.GetString(cwd, 0, length),
                    deleted,
                    ProcessIdentities.ToDateTime(stat.Value.StartTime),
                    stat.Value.Terminal != 0,
                    roots[root],
                    stat.Value.ParentPid,
                    stat.Value.StartTime,
                    hasIdentity: true));
            }

            return found;
        }

        /// <summary>
        /// The PIDs whose working directory is inside a root: one readlink per process, the whole
        /// cost of a listing (a few microseconds each, more on a loaded machine), so on a machine of
        /// many processes the table is split across up to 4 threads, interleaved. In PID order.
        /// </summary>
        private static List<int> Candidates(List<int> pids, HashSet<int> excluded, byte[][] roots, CancellationToken cancellation)
        {
            var workers = pids.Count >= ParallelFrom ? Math.Max(1, Math.Min(Environment.ProcessorCount, 4)) : 1;
            var lists = new List<int>[workers];
            void Scan(int w)
            {
                var cwd = new byte[4097];
                var list = new List<int>();
                var seen = 0;
                for (var i = w; i < pids.Count; i += workers)
                {
                    if ((seen++ & 127) == 0)
                    {
                        cancellation.ThrowIfCancellationRequested();
                    }

                    var pid = pids[i];
                    var n = excluded.Contains(pid) ? -1 : ProcFs.ReadCwd(pid, cwd);
                    if (n >= 0 && Match(cwd, n, roots, out _, out _) >= 0)
                    {
                        list.Add(pid);
                    }
                }

                lists[w] = list;
            }

            if (workers == 1)
            {
                Scan(0);
            }
            else
            {
                try
                {
                    Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, Scan);
                }
                catch (AggregateException e) when (e.InnerException is OperationCanceledException oce)
                {
                    throw oce;
                }
            }

            var all = new List<int>();
            foreach (var l in lists)
            {
                all.AddRange(l);
            }

            all.Sort();
            return all;
        }

        /// <summary>From this many processes on, the cwd scan runs on several threads.</summary>
        private const int ParallelFrom = 512;

        /// <summary>
        /// The index of the deepest root holding the path in <paramref name="path"/>[0..n), or -1;
        /// <paramref name="length"/> is the path's length without a " (deleted)" mark, and
        /// <paramref name="deleted"/> says whether the mark was taken as the kernel's.
        /// </summary>
        internal static int Match(byte[] path, int n, byte[][] roots, out int length, out bool deleted)
        {
            length = n;
            deleted = false;

            // The kernel's mark, unless a live directory's name really ends in " (deleted)" (then it is what it says).
            if (EndsWith(path, n, s_deletedSuffix) && !Directory.Exists(Encoding.UTF8.GetString(path, 0, n)))
            {
                var stripped = n - s_deletedSuffix.Length;
                var former = Deepest(path, stripped, roots);
                if (former >= 0)
                {
                    length = stripped;
                    deleted = true;
                    return former;
                }
            }

            return Deepest(path, n, roots);
        }

        private static int Deepest(byte[] path, int n, byte[][] roots)
        {
            var best = -1;
            for (var i = 0; i < roots.Length; i++)
            {
                if (IsAtOrUnder(path, n, roots[i]) && (best < 0 || roots[i].Length > roots[best].Length))
                {
                    best = i;
                }
            }

            return best;
        }

        /// <summary>Byte-wise <see cref="PathUtil.IsAtOrUnder"/> for Linux (ordinal): equal, or the root followed by '/'.</summary>
        private static bool IsAtOrUnder(byte[] path, int n, byte[] root)
        {
            var r = root.Length;
            if (r > 0 && root[r - 1] == (byte)'/')
            {
                // The filesystem root: everything is under it.
                r--;
            }

            if (n < r || (n > r && path[r] != (byte)'/'))
            {
                return false;
            }

            for (var i = 0; i < r; i++)
            {
                if (path[i] != root[i])
                {
                    return false;
                }
            }

            return true;
        }

        private static bool EndsWith(byte[] path, int n, byte[] suffix)
        {
            if (n <= suffix.Length)
            {
                return false;
            }

            for (var i = 0; i < suffix.Length; i++)
            {
                if (path[n - suffix.Length + i] != suffix[i])
                {
                    return false;
                }
            }

            return true;
        }

        private static string[] Tail(string[] argv)
        {
            var rest = new string[argv.Length - 1];
            Array.Copy(argv, 1, rest, 0, rest.Length);
            return rest;
        }

        /// <summary>The kernel's command name, or argv[0]'s file name when the kernel cut the name at 15 characters and argv[0] continues it.</summary>
        private static string NameOf(string comm, string[]? argv)
        {
            if (comm.Length < 15 || argv == null || argv.Length == 0)
            {
                return comm;
            }

            var file = Path.GetFileName(argv[0]);
            return file.Length > comm.Length && file.StartsWith(comm, StringComparison.Ordinal) ? file : comm;
        }

        /// <summary>The current process and its ancestors, up to and including PID 1.</summary>
        internal static HashSet<int> SelfAndAncestors()
        {
            var set = new HashSet<int> { 1 };
            var pid = Libc.getpid();
            for (var steps = 0; pid > 1 && steps < 4096 && set.Add(pid); steps++)
            {
                pid = Platform.IsMacOS ? MacInfo(pid)?.ParentPid ?? 0 : ProcFs.ReadStat(pid)?.ParentPid ?? 0;
            }

            return set;
        }

        // ---------------------------------------------------------------- macOS (compiled, not run here)

        private static List<WtWorktreeProcess> FindLsof(List<string> roots, IDiagnosticSink sink, CancellationToken cancellation)
        {
            CommandResult result;
            try
            {
                // -w: no warnings; -d cwd: only the working directory; -F pcn: machine-readable fields.
                // The exit status is not consulted (lsof is non-zero when it could not read some process).
                result = ProcessRunner.Run(new SpawnOptions("lsof", new[] { "-w", "-d", "cwd", "-F", "pcn" }), LsofTimeout, sink, cancellation);
            }
            catch (WorktrunkException e) when (e.ErrorId != ErrorIds.CommandStopped)
            {
                throw new WorktrunkException(ErrorIds.ProcessListingFailed, ErrorKind.ResourceUnavailable, "Could not list working directories with `lsof -d cwd`: " + e.Message, null, "Check that lsof is installed and answers within 5 s.", e);
            }

            var rootBytes = new byte[roots.Count][];
            for (var i = 0; i < roots.Count; i++)
            {
                rootBytes[i] = Encoding.UTF8.GetBytes(roots[i]);
            }

            var excluded = SelfAndAncestors();
            var found = new List<WtWorktreeProcess>();
            foreach (var record in LsofParser.Parse(result.Stdout))
            {
                if (excluded.Contains(record.Pid) || record.Names.Count == 0)
                {
                    continue;
                }

                // macOS paths compare case-insensitively (PathUtil.Comparison); match on canonical strings.
                var cwd = PathUtil.TrimEnd(record.Names[0]);
                var root = -1;
                for (var i = 0; i < roots.Count; i++)
                {
                    if (PathUtil.IsAtOrUnder(cwd, roots[i]) && (root < 0 || roots[i].Length > roots[root].Length))
                    {
                        root = i;
                    }
                }

                var info = root < 0 ? null : MacInfo(record.Pid);
                var start = info == null ? null : ProcessIdentities.StartTicksOf(record.Pid);
                if (info == null || start == null)
                {
                    continue;
                }

                var mac = info.Value;
                found.Add(new WtWorktreeProcess(
                    record.Pid,
                    mac.Name,
                    mac.Name,
                    cwd,
                    false,
                    ProcessIdentities.ToDateTime(start.Value),
                    mac.HasTerminal,
                    roots[root],
                    mac.ParentPid,
                    start.Value,
                    hasIdentity: true));
            }

            return found;
        }

        private readonly struct MacProcess
        {
            internal MacProcess(int parentPid, bool hasTerminal, string name)
            {
                ParentPid = parentPid;
                HasTerminal = hasTerminal;
                Name = name;
            }

            internal int ParentPid { get; }

            internal bool HasTerminal { get; }

            internal string Name { get; }
        }

        /// <summary>
        /// struct proc_bsdinfo of a live process: pbi_status at 4, pbi_pid at 12, pbi_ppid at 16,
        /// pbi_comm[16] at 48, pbi_name[32] at 64, e_tdev at 108 (NODEV, 0xFFFFFFFF, when no terminal).
        /// Null when gone. The start time comes from ProcessIdentities (the same struct, its reader).
        /// </summary>
        private static MacProcess? MacInfo(int pid)
        {
            var info = stackalloc byte[Libc.ProcBsdInfoSize];
            int n;
            try
            {
                n = Libc.proc_pidinfo(pid, Libc.PROC_PIDTBSDINFO, 0, info, Libc.ProcBsdInfoSize);
            }
            catch (EntryPointNotFoundException)
            {
                return null;
            }

            if (n != Libc.ProcBsdInfoSize || *(uint*)(info + 4) == Libc.SZOMB || *(uint*)(info + 12) != (uint)pid)
            {
                return null;
            }

            var name = CString(info + 64, 32);
            if (name.Length == 0)
            {
                name = CString(info + 48, 16);
            }

            return new MacProcess((int)*(uint*)(info + 16), *(uint*)(info + 108) != 0xFFFFFFFFu, name);
        }

        private static string CString(byte* p, int max)
        {
            var len = 0;
            while (len < max && p[len] != 0)
            {
                len++;
            }

            return Encoding.UTF8.GetString(p, len);
        }

        // ---------------------------------------------------------------- Stop

        /// <summary>
        /// Remove-WtWorktree -StopProcess: finds the worktree's processes and stops the ones without a
        /// controlling terminal (see the file contract). Never throws for a process-level failure or an
        /// unreadable process table: that is a warning and an empty result.
        /// </summary>
        internal static List<WtProcessStopResult> StopTerminalless(string worktreePath, TimeSpan deadline, IDiagnosticSink sink, CancellationToken cancellation)
        {
            List<WtWorktreeProcess> found;
            try
            {
                found = Find(new[] { worktreePath }, sink, cancellation);
            }
            catch (WorktrunkException e) when (e.ErrorId != ErrorIds.CommandStopped)
            {
                sink.Warning("-StopProcess: " + e.Message);
                return new List<WtProcessStopResult>();
            }
            catch (OperationCanceledException)
            {
                return new List<WtProcessStopResult>();
            }

            return Stop(found, deadline, sink, cancellation);
        }

        /// <summary>Stops <paramref name="found"/>'s terminal-less processes by their captured identities; one result per process, in order.</summary>
        internal static List<WtProcessStopResult> Stop(IReadOnlyList<WtWorktreeProcess> found, TimeSpan deadline, IDiagnosticSink sink, CancellationToken cancellation)
        {
            var results = new WtProcessStopResult?[found.Count];
            var targets = new List<ProcessIdentity>();
            var indexes = new List<int>();
            var spared = new List<string>();
            for (var i = 0; i < found.Count; i++)
            {
                var p = found[i];
                if (p.HasTerminal)
                {
                    spared.Add(Describe(p));
                    results[i] = Result(p, WtProcessStopOutcome.LeftRunning, TimeSpan.Zero, "Has a controlling terminal (a shell, an editor); left running.");
                }
                else if (p.Identity is ProcessIdentity id)
                {
                    targets.Add(id);
                    indexes.Add(i);
                }
                else
                {
                    results[i] = Result(p, WtProcessStopOutcome.Denied, TimeSpan.Zero, "Its start time could not be read, so its identity cannot be proven; not signalled.");
                }
            }

            if (spared.Count > 0)
            {
                sink.Warning("Left running (they have a terminal; stop or leave them yourself): " + string.Join(", ", spared) + ".");
            }

            if (targets.Count > 0)
            {
                sink.Verbose("Stopping " + targets.Count.ToString(CultureInfo.InvariantCulture) + " process(es) working in the worktree (SIGTERM, then SIGKILL after " + deadline.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms).");
                var signalled = DaemonSignaller.Terminate(targets, deadline, sink, cancellation);
                for (var k = 0; k < signalled.Count; k++)
                {
                    var p = found[indexes[k]];
                    var s = signalled[k];
                    results[indexes[k]] = Result(p, Map(s.Outcome), s.Elapsed, s.Message.Replace("daemon", "process"));
                }
            }

            var list = new List<WtProcessStopResult>(found.Count);
            var survivors = new List<string>();
            for (var i = 0; i < results.Length; i++)
            {
                var r = results[i]!;
                list.Add(r);
                if (r.Outcome == WtProcessStopOutcome.Survived || r.Outcome == WtProcessStopOutcome.Denied)
                {
                    survivors.Add(Describe(found[i]) + " (" + r.Outcome + ")");
                }
            }

            if (survivors.Count > 0)
            {
                sink.Warning("Still running in the worktree, the removal goes on: " + string.Join(", ", survivors) + ".");
            }

            return list;
        }

        private static string Describe(WtWorktreeProcess p) => p.Id.ToString(CultureInfo.InvariantCulture) + " " + Printable.Quote(p.ProcessName);

        private static WtProcessStopOutcome Map(WtDaemonStopOutcome o)
        {
            switch (o)
            {
                case WtDaemonStopOutcome.Terminated:
                case WtDaemonStopOutcome.StoppedByIpc:
                    return WtProcessStopOutcome.Terminated;
                case WtDaemonStopOutcome.Killed:
                    return WtProcessStopOutcome.Killed;
                case WtDaemonStopOutcome.AlreadyGone:
                    return WtProcessStopOutcome.AlreadyGone;
                case WtDaemonStopOutcome.Survived:
                    return WtProcessStopOutcome.Survived;
                default:
                    return WtProcessStopOutcome.Denied;
            }
        }

        private static WtProcessStopResult Result(WtWorktreeProcess p, WtProcessStopOutcome outcome, TimeSpan elapsed, string message) =>
            new WtProcessStopResult(p.Id, p.ProcessName, p.CommandLine, p.WorkingDirectory, p.HasTerminal, outcome, elapsed, message);
    }
}
