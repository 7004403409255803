// Contract: the dead-man switch that makes a tether outlive its supervising session's death.
// worktrunk's tether leaves the tree running unsupervised when the tether process is killed; this
// does not.
// How: ONE guardian per session (per process), started lazily by the first tether and shared by
// every later one. It is a process of our own PowerShell host (the one -Detach uses:
// TetherDetach.ResolveHost, WORKTRUNK_POWERSHELL_HOST) running C# from this module:
//   <host> -NoProfile -NonInteractive -Command "Import-Module <manifest>; Start-WtTether -TetherGuardian"
// (the -Command text is constant apart from the base64 manifest path), spawned through UnixSpawn
// in a session of its own (immune to the terminal's hang-up and to Ctrl+C), cwd /, stdout and
// stderr /dev/null, argv[0] wt-tether-guardian. Its stdin is the read end of a pipe whose only
// write end this session holds (close-on-exec from birth: no command ever inherits it). The
// session writes `arm <pgid> <grace-ms>` once a command runs and `done <pgid>` after its own
// teardown. When the session dies in any way (SIGKILL, SIGHUP, a crash) or simply exits, the
// kernel closes the write end; on end-of-file the guardian tears every group still armed down
// with the same escalation as the supervisor (ProcessGroups: SIGTERM + SIGCONT, a wait of up to
// that group's grace period that ends as soon as the group is empty, SIGKILL), all groups at
// once, then exits. A session that exits normally has sent `done` for every group, so its
// guardian exits without signalling anything.
// Start-up: the guardian host needs a second or two to start. The first tether's command may
// start before the guardian has read anything: that is fine, the pipe buffers the lines (a few
// bytes each) and the guardian reads them, end-of-file included, once it is up. The residual
// window is a session killed within that second, together with a guardian that then fails to
// start at all; nothing then tears that tree down (the supervisor's own teardown did not run).
// Reaping: the guardian is this session's child; a background thread waitpids exactly its PID
// (TetherDetach.StartReaper), so a guardian that dies first is no zombie of ours, and the next
// tether starts a new one and re-arms every group still armed. After the session exits it is
// re-parented to init, which reaps it.
// Data safety: the guardian signals only the group ids it was armed with and not yet told
// `done`, and only after end-of-file; the supervisor's own teardown always runs first when it
// can. ProcessGroups refuses group ids 0 and 1 and the guardian's own group. The residual risk
// is the classic one of group ids: if the session dies after a group emptied but before `done`,
// and the id is recycled within the grace period, a signal could reach the new group; this
// needs a PID wrap-around within seconds.
// Memory: a PowerShell host costs far more than sh (docs/benchmarks.md has the figures), hence
// one per session rather than one per tether.
// Platform: Unix (Linux runs; macOS compiled, not run here). Windows needs no guardian: the Job
// Object is killed when its last handle closes, which is exactly when the supervisor dies.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.Processes;

namespace Worktrunk.Tether
{
    /// <summary>The session's tether guardian (Unix): one process, shared by every tether of this session.</summary>
    internal sealed unsafe class TetherGuardian
    {
        /// <summary>argv[0] of every guardian, so `ps` shows what it is.</summary>
        internal const string ProcessName = "wt-tether-guardian";

        /// <summary>The longest grace period a guardian accepts, in milliseconds (Start-WtTether allows one hour).</summary>
        internal const long MaxGraceMilliseconds = 3600000;

        private static readonly object Gate = new object();
        private static TetherGuardian? s_session;
        private static (string Host, string Manifest)? s_launch;

        // pgid -> grace, as this side last told the guardian (re-armed on a successor).
        private readonly Dictionary<int, TimeSpan> _armed = new Dictionary<int, TimeSpan>();
        private int _writeFd;
        private volatile bool _exited;
        private TetherGuardian? _successor;

        private TetherGuardian(int pid, int writeFd)
        {
            Pid = pid;
            _writeFd = writeFd;
        }

        /// <summary>The guardian's process id.</summary>
        internal int Pid { get; }

        /// <summary>True once the guardian process has exited (and been reaped).</summary>
        internal bool HasExited => _exited;

        /// <summary>Where guardians come from: the PowerShell host and the module manifest (set by the cmdlet layer, and by tests).</summary>
        internal static void Configure(string host, string manifestPath)
        {
            lock (Gate)
            {
                s_launch = (host, manifestPath);
            }
        }

        /// <summary>The -Command script of a guardian host: constant apart from the base64 manifest path.</summary>
        internal static string Script(string manifestPath) => TetherDetach.ImportScript(manifestPath) + "; Start-WtTether -TetherGuardian";

        /// <summary>
        /// The session's guardian: started on first use, reused after, replaced (with every group
        /// still armed re-armed) when it has exited. Null, after a warning, when none can be started:
        /// the tether still works without one.
        /// </summary>
        internal static TetherGuardian? ForSession(IDiagnosticSink sink)
        {
            TetherGuardian? fresh;
            lock (Gate)
            {
                var current = s_session;
                if (current != null && !current.HasExited)
                {
                    return current;
                }

                fresh = Start(sink);
                if (fresh == null)
                {
                    return null;
                }

                current?.HandOver(fresh);
                s_session = fresh;
            }

            return fresh;
        }

        /// <summary>
        /// Ends the session's guardian exactly as this session's exit would (closes the write end:
        /// it tears down whatever is still armed, then exits) and returns its PID, or 0 when there
        /// was none. The next tether starts a new one. For test runners that check, before their
        /// own process exits, that nothing they started is left.
        /// </summary>
        internal static int EndSession()
        {
            lock (Gate)
            {
                var current = s_session;
                s_session = null;
                current?.CloseWriteEnd();
                return current?.Pid ?? 0;
            }
        }

        /// <summary>Starts a guardian of its own (the session's is <see cref="ForSession"/>; tests use this one); null after a warning when it cannot.</summary>
        internal static TetherGuardian? Start(IDiagnosticSink sink)
        {
            (string Host, string Manifest)? launch;
            lock (Gate)
            {
                launch = s_launch;
            }

            if (launch == null)
            {
                sink.Warning("No tether guardian (no PowerShell host to run it: put pwsh on PATH or set " + TetherDetach.HostVariable + "); if this session is killed, the command's process tree keeps running.");
                return null;
            }

            int[] fds;
            try
            {
                fds = ClosedOnExecPipe();
            }
            catch (WorktrunkException e)
            {
                sink.Warning("No tether guardian (" + e.Message + "); if this session is killed, the command's process tree keeps running.");
                return null;
            }

            var options = new SpawnOptions(launch.Value.Host, new[] { "-NoProfile", "-NonInteractive", "-Command", Script(launch.Value.Manifest) })
            {
                Argv0 = ProcessName,
                WorkingDirectory = "/",
                NewSession = true,
                StdinDescriptor = fds[0],
                Stdout = StdioMode.Null,
                Stderr = StdioMode.Null,
            };
            try
            {
                // No sink call after the spawn: a stopping pipeline makes the sink throw, and the
                // guardian must be owned (and reaped) whatever happens next.
                var child = UnixSpawn.Spawn(options);
                var guardian = new TetherGuardian(child.Pid, fds[1]);
                TetherDetach.StartReaper(child.Pid, () => guardian._exited = true);
                return guardian;
            }
            catch (WorktrunkException e)
            {
                Libc.close(fds[1]);
                sink.Warning("No tether guardian (" + e.Message + "); if this session is killed, the command's process tree keeps running.");
                return null;
            }
            finally
            {
                Libc.close(fds[0]);
            }
        }

        /// <summary>
        /// Makes <paramref name="successor"/> guard everything this (exited) guardian was armed
        /// with, and forwards every later Arm and Done given to this one (a supervisor keeps the
        /// instance it started with); then closes this one's write end.
        /// </summary>
        internal void HandOver(TetherGuardian successor)
        {
            lock (_armed)
            {
                foreach (var armed in _armed)
                {
                    successor.Arm(armed.Key, armed.Value);
                }

                _successor = successor;
            }

            CloseWriteEnd();
        }

        /// <summary>Arms the guardian with a group to tear down (within <paramref name="grace"/>) should this session end first.</summary>
        internal void Arm(int pgid, TimeSpan grace)
        {
            TetherGuardian? successor;
            lock (_armed)
            {
                _armed[pgid] = grace;
                Send(ArmLine(pgid, grace));
                successor = _successor;
            }

            successor?.Arm(pgid, grace);
        }

        /// <summary>Tells the guardian the group was torn down by its supervisor (or never needs it): it is never signalled for that group.</summary>
        internal void Done(int pgid)
        {
            TetherGuardian? successor;
            lock (_armed)
            {
                _armed.Remove(pgid);
                Send("done " + pgid.ToString(CultureInfo.InvariantCulture) + "\n");
                successor = _successor;
            }

            successor?.Done(pgid);
        }

        /// <summary>Closes the write end: the guardian tears down every group still armed, exactly as if this session had died. Tests use it.</summary>
        internal void Abandon() => CloseWriteEnd();

        /// <summary>The line that arms <paramref name="pgid"/>.</summary>
        internal static string ArmLine(int pgid, TimeSpan grace)
        {
            var ms = (long)Math.Ceiling(Math.Max(0, Math.Min(grace.TotalMilliseconds, MaxGraceMilliseconds)));
            return "arm " + pgid.ToString(CultureInfo.InvariantCulture) + " " + ms.ToString(CultureInfo.InvariantCulture) + "\n";
        }

        /// <summary>
        /// Being the guardian (inside its host): reads `arm`/`done` lines from <paramref name="input"/>
        /// (stdin) until end-of-file, then tears every group still armed down, all at once, and
        /// returns the outcome per group. Lines it does not understand are ignored.
        /// </summary>
        internal static IReadOnlyDictionary<int, GroupTeardownOutcome> Serve(int input = 0)
        {
            var armed = new Dictionary<int, TimeSpan>();
            var pending = new StringBuilder();
            var buffer = new byte[512];
            while (true)
            {
                long n;
                fixed (byte* b = buffer)
                {
                    n = (long)Libc.read(input, b, (IntPtr)buffer.Length);
                }

                if (n < 0 && Libc.Errno == Libc.EINTR)
                {
                    continue;
                }

                if (n <= 0)
                {
                    break;
                }

                pending.Append(Encoding.ASCII.GetString(buffer, 0, (int)n));
                var text = pending.ToString();
                var end = text.LastIndexOf('\n');
                if (end < 0)
                {
                    continue;
                }

                foreach (var line in text.Substring(0, end).Split('\n'))
                {
                    Apply(armed, line);
                }

                pending.Clear().Append(text.Substring(end + 1));
            }

            return TearDown(armed);
        }

        /// <summary>Applies one protocol line to the armed set (pure).</summary>
        internal static void Apply(Dictionary<int, TimeSpan> armed, string line)
        {
            var words = line.Trim().Split(' ');
            if (words.Length == 3 && words[0] == "arm" && TryPgid(words[1], out var pgid)
                && long.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms <= MaxGraceMilliseconds)
            {
                armed[pgid] = TimeSpan.FromMilliseconds(ms);
            }
            else if (words.Length == 2 && words[0] == "done" && TryPgid(words[1], out pgid))
            {
                armed.Remove(pgid);
            }
        }

        /// <summary>A pipe whose ends are close-on-exec from birth (pipe2 on Linux; pipe + fcntl elsewhere).</summary>
        internal static int[] ClosedOnExecPipe()
        {
            var fds = new int[2];
            fixed (int* p = fds)
            {
                var rc = -1;
                if (Platform.IsLinux)
                {
                    rc = Libc.pipe2(p, Libc.O_CLOEXEC);
                }

                if (rc != 0)
                {
                    if (Libc.pipe(p) != 0)
                    {
                        throw new WorktrunkException(ErrorIds.SpawnFailed, ErrorKind.ResourceUnavailable, "cannot create a pipe: " + UnixSpawn.Describe(Libc.Errno));
                    }

                    Libc.SetCloseOnExec(fds[0]);
                    Libc.SetCloseOnExec(fds[1]);
                }
            }

            return fds;
        }

        private static bool TryPgid(string word, out int pgid) =>
            int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out pgid) && pgid > 1;

        private static IReadOnlyDictionary<int, GroupTeardownOutcome> TearDown(Dictionary<int, TimeSpan> armed)
        {
            var outcomes = new Dictionary<int, GroupTeardownOutcome>();
            var threads = new List<Thread>();
            foreach (var group in armed)
            {
                var pgid = group.Key;
                var grace = group.Value;
                var thread = new Thread(() =>
                {
                    var outcome = ProcessGroups.Terminate(pgid, grace);
                    lock (outcomes)
                    {
                        outcomes[pgid] = outcome;
                    }
                })
                {
                    IsBackground = true,
                    Name = "wt-guardian-" + pgid.ToString(CultureInfo.InvariantCulture),
                };
                thread.Start();
                threads.Add(thread);
            }

            foreach (var thread in threads)
            {
                thread.Join();
            }

            return outcomes;
        }

        // Callers hold the _armed lock, as CloseWriteEnd does: a descriptor is never written
        // after it was closed (its number could name another file by then).
        private void Send(string text)
        {
            var fd = _writeFd;
            if (fd < 0)
            {
                return;
            }

            // Tiny writes to a pipe are atomic; EPIPE (the guardian is gone) is not our problem
            // here: the runtime ignores SIGPIPE, so write just fails, and the reaper has seen it go.
            var bytes = Encoding.ASCII.GetBytes(text);
            fixed (byte* b = bytes)
            {
                Libc.write(fd, b, (IntPtr)bytes.Length);
            }
        }

        private void CloseWriteEnd()
        {
            lock (_armed)
            {
                var fd = _writeFd;
                _writeFd = -1;
                if (fd >= 0)
                {
                    Libc.close(fd);
                }
            }
        }
    }
}
