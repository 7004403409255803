// Contract: the dead-man switch that makes a tether outlive its supervisor's death. worktrunk's
// tether leaves the tree running unsupervised when the tether process is killed; this does not.
// How: before the command starts, the supervisor spawns a tiny /bin/sh guardian in a session of
// its own (immune to the terminal's hang-up and to Ctrl+C) whose stdin is the read end of a
// pipe. Only the supervisor holds the write end (close-on-exec: the command never inherits it).
// The supervisor writes the group id once the command runs, and "done" after its own teardown.
// If the supervisor dies in any way (SIGKILL, SIGHUP, a crash), the kernel closes the write end
// and the guardian reads end-of-file without "done": it then tears the group down itself with
// the same escalation (SIGTERM, a wait of up to the grace period that ends when the group is
// empty, SIGKILL). On "done", or end-of-file before any group id, it exits without signalling.
// Data safety: the guardian signals only the group id it was given, and only when the
// supervisor vanished before finishing; the supervisor's own teardown always runs first when it
// can, so in the normal case the guardian signals nothing. The residual risk is the classic one
// of group ids: if the supervisor dies after the group emptied and the id is recycled within the
// grace period, a signal could reach the new group; this needs a PID wrap-around within seconds.
// Platform: Unix (POSIX sh; `kill -TERM -<pgid>` is accepted by dash, bash, zsh and busybox).
// Windows needs no guardian: the Job Object is killed when its last handle closes, which is
// exactly when the supervisor dies.

using System;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.Processes;

namespace Worktrunk.Tether
{
    /// <summary>The guardian process of one tether (Unix).</summary>
    internal sealed unsafe class TetherGuardian : IDisposable
    {
        /// <summary>argv[0] of every guardian, so `ps` shows what it is.</summary>
        internal const string ProcessName = "wt-tether-guardian";

        // $1 = grace in 50 ms ticks. Reads the group id, then waits for "done" or end-of-file.
        internal const string Script =
            "IFS= read -r g || exit 0\n" +
            "case $g in ''|*[!0-9]*) exit 0;; esac\n" +
            "IFS= read -r line\n" +
            "[ \"$line\" = done ] && exit 0\n" +
            "kill -TERM -\"$g\" 2>/dev/null || exit 0\n" +
            "i=0\n" +
            "while [ \"$i\" -lt \"$1\" ] && kill -0 -\"$g\" 2>/dev/null; do sleep 0.05; i=$((i+1)); done\n" +
            "kill -KILL -\"$g\" 2>/dev/null\n" +
            "exit 0\n";

        private int _writeFd;

        private TetherGuardian(int pid, int writeFd)
        {
            Pid = pid;
            _writeFd = writeFd;
        }

        /// <summary>The guardian's process id.</summary>
        internal int Pid { get; }

        /// <summary>Starts a guardian; returns null (after a warning) when it cannot, since the tether still works without one.</summary>
        internal static TetherGuardian? TryStart(TimeSpan grace, IDiagnosticSink sink)
        {
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

            var ticks = (long)Math.Ceiling(grace.TotalMilliseconds / 50.0);
            var options = new SpawnOptions("/bin/sh", new[] { "-c", Script, ProcessName, ticks.ToString(CultureInfo.InvariantCulture) })
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
                // caller must get the guardian to release it (TetherSupervisor reports its PID).
                var child = UnixSpawn.Spawn(options);
                return new TetherGuardian(child.Pid, fds[1]);
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

        /// <summary>Arms the guardian with the group to tear down should this process die.</summary>
        internal void Arm(int pgid) => Send(pgid.ToString(CultureInfo.InvariantCulture) + "\n");

        /// <summary>Tells the guardian the supervisor finished (or never started the command), closes the pipe and reaps it (bounded).</summary>
        internal void Release(bool armed)
        {
            if (armed)
            {
                Send("done\n");
            }

            CloseWriteEnd();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(2))
            {
                var rc = Libc.waitpid(Pid, out _, Libc.WNOHANG);
                if (rc == Pid || (rc < 0 && Libc.Errno == Libc.ECHILD))
                {
                    return;
                }

                Thread.Sleep(5);
            }
        }

        /// <summary>Closes the write end without "done": the guardian tears the group down, exactly as if this process had died. Tests use it.</summary>
        internal void Abandon() => CloseWriteEnd();

        public void Dispose() => CloseWriteEnd();

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

        private void Send(string text)
        {
            var fd = _writeFd;
            if (fd < 0)
            {
                return;
            }

            // Tiny writes to a pipe are atomic; EPIPE (the guardian is gone) is not our problem:
            // the runtime ignores SIGPIPE, so write just fails.
            var bytes = Encoding.ASCII.GetBytes(text);
            fixed (byte* b = bytes)
            {
                Libc.write(fd, b, (IntPtr)bytes.Length);
            }
        }

        private void CloseWriteEnd()
        {
            var fd = Interlocked.Exchange(ref _writeFd, -1);
            if (fd >= 0)
            {
                Libc.close(fd);
            }
        }
    }
}
