// Contract: stops a set of processes whose identities (PID + start time) were captured at
// discovery, and never signals any other process.
// Signal discipline: SIGTERM to every target, each followed by SIGCONT (through the same proven
// identity) so a daemon stopped with SIGSTOP acts on it at once, then poll every 50 ms until all
// are gone or the deadline passes, then SIGKILL the survivors and wait (bounded) for them to go. Before every
// signal the target's identity is proven: on Linux with pidfd_open + pidfd_send_signal when the
// kernel has them (the pidfd is opened once, its start time re-checked right after opening, and
// every later signal goes through it, so a recycled PID can never receive one); otherwise the
// start time is re-read immediately before kill(2). A target whose identity cannot be proven is
// not signalled (outcome Denied). A zombie counts as gone.
// Outcomes: Terminated (gone after SIGTERM), Killed (gone after SIGKILL), AlreadyGone (gone, or
// the PID names another process, before any signal), Survived (still there after SIGKILL, or the
// wait was cancelled), Denied (EPERM, or identity unprovable).
// Platform: Linux and macOS as above. Windows has no SIGTERM: an identity-checked
// TerminateProcess (Process.Kill) is the only step, reported as Killed.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;

namespace Worktrunk.Daemons
{
    /// <summary>The outcome of stopping one process.</summary>
    internal readonly struct SignalResult
    {
        internal SignalResult(ProcessIdentity id, WtDaemonStopOutcome outcome, TimeSpan elapsed, string message)
        {
            Id = id;
            Outcome = outcome;
            Elapsed = elapsed;
            Message = message;
        }

        internal ProcessIdentity Id { get; }

        internal WtDaemonStopOutcome Outcome { get; }

        internal TimeSpan Elapsed { get; }

        internal string Message { get; }
    }

    /// <summary>Identity-checked SIGTERM → bounded poll → SIGKILL for a batch of processes.</summary>
    internal static unsafe class DaemonSignaller
    {
        /// <summary>The default time a daemon gets to exit after SIGTERM before SIGKILL.</summary>
        internal static readonly TimeSpan DefaultDeadline = TimeSpan.FromMilliseconds(1500);

        internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

        /// <summary>How long to wait for the kernel to finish a SIGKILLed process before calling it Survived.</summary>
        private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(2);

        /// <summary>0 = not yet known, 1 = the kernel has pidfd_open, -1 = it does not.</summary>
        private static int s_pidfdSupport;

        [ThreadStatic]
        private static bool t_disablePidfd;

        /// <summary>Test hook, per thread: when true, pidfd is not used (exercises the PID + start time path).</summary>
        internal static bool DisablePidfd
        {
            get => t_disablePidfd;
            set => t_disablePidfd = value;
        }

        private enum Phase
        {
            Pending,
            Done,
        }

        /// <summary>Stops every target; returns one result per target, in order. Never throws for a process-level failure.</summary>
        internal static List<SignalResult> Terminate(IReadOnlyList<ProcessIdentity> targets, TimeSpan deadline, IDiagnosticSink sink, CancellationToken cancellation = default)
        {
            var clock = Stopwatch.StartNew();
            var handles = new List<Handle>(targets.Count);
            foreach (var id in targets)
            {
                handles.Add(new Handle(id));
            }

            try
            {
                if (Platform.IsWindows)
                {
                    foreach (var h in handles)
                    {
                        h.KillWindows(clock);
                    }

                    return Results(handles);
                }

                foreach (var h in handles)
                {
                    h.Open(clock);
                    if (h.Phase == Phase.Pending)
                    {
                        sink.Verbose("SIGTERM → PID " + h.Id.Pid.ToString(CultureInfo.InvariantCulture) + (h.PidFd >= 0 ? " (via pidfd)" : " (start time verified)"));
                        h.Signal(Libc.SIGTERM, clock, beforeAnySignal: true);
                        if (h.Phase == Phase.Pending)
                        {
                            // A stopped (SIGSTOPped) process holds SIGTERM pending until continued.
                            h.Signal(Libc.SIGCONT, clock, beforeAnySignal: false);
                        }
                    }
                }

                var cancelled = WaitAll(handles, deadline, clock, cancellation);
                if (cancelled)
                {
                    foreach (var h in handles)
                    {
                        h.Finish(WtDaemonStopOutcome.Survived, clock, "The stop was cancelled before the daemon exited; it was not sent SIGKILL.");
                    }

                    return Results(handles);
                }

                var killed = new List<Handle>();
                foreach (var h in handles)
                {
                    if (h.Phase != Phase.Pending)
                    {
                        continue;
                    }

                    if (h.IsGone())
                    {
                        h.Finish(WtDaemonStopOutcome.Terminated, clock, "Exited after SIGTERM.");
                        continue;
                    }

                    sink.Verbose("PID " + h.Id.Pid.ToString(CultureInfo.InvariantCulture) + " outlived SIGTERM by " + deadline.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms; SIGKILL");
                    h.Signal(Libc.SIGKILL, clock, beforeAnySignal: false);
                    if (h.Phase == Phase.Pending)
                    {
                        killed.Add(h);
                    }
                }

                WaitAll(killed, KillWait, Stopwatch.StartNew(), CancellationToken.None);
                foreach (var h in killed)
                {
                    if (h.Phase != Phase.Pending)
                    {
                        continue;
                    }

                    if (h.IsGone())
                    {
                        h.Finish(WtDaemonStopOutcome.Killed, clock, "Ignored SIGTERM for " + deadline.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s; killed with SIGKILL.");
                    }
                    else
                    {
                        h.Finish(WtDaemonStopOutcome.Survived, clock, "Still running after SIGKILL (stuck in the kernel?).");
                    }
                }

                return Results(handles);
            }
            finally
            {
                foreach (var h in handles)
                {
                    h.Close();
                }
            }
        }

        /// <summary>Polls until every pending handle is gone (marking it Terminated), the budget is spent, or cancellation. Returns true when cancelled.</summary>
        private static bool WaitAll(List<Handle> handles, TimeSpan budget, Stopwatch clock, CancellationToken cancellation)
        {
            var start = clock.Elapsed;
            while (true)
            {
                var pending = 0;
                foreach (var h in handles)
                {
                    if (h.Phase == Phase.Pending && !h.IsGone())
                    {
                        pending++;
                    }
                }

                if (pending == 0 || clock.Elapsed - start >= budget)
                {
                    return false;
                }

                if (cancellation.IsCancellationRequested)
                {
                    return true;
                }

                var left = budget - (clock.Elapsed - start);
                Thread.Sleep(left < PollInterval ? left : PollInterval);
            }
        }

        private static List<SignalResult> Results(List<Handle> handles)
        {
            var list = new List<SignalResult>(handles.Count);
            foreach (var h in handles)
            {
                list.Add(new SignalResult(h.Id, h.Outcome, h.Elapsed, h.Message));
            }

            return list;
        }

        private static bool PidfdAvailable => !DisablePidfd && Platform.IsLinux && s_pidfdSupport >= 0;

        private sealed class Handle
        {
            internal Handle(ProcessIdentity id)
            {
                Id = id;
            }

            internal ProcessIdentity Id { get; }

            internal int PidFd { get; private set; } = -1;

            internal Phase Phase { get; private set; }

            internal WtDaemonStopOutcome Outcome { get; private set; }

            internal TimeSpan Elapsed { get; private set; }

            internal string Message { get; private set; } = string.Empty;

            internal void Finish(WtDaemonStopOutcome outcome, Stopwatch clock, string message)
            {
                if (Phase == Phase.Done)
                {
                    return;
                }

                Phase = Phase.Done;
                Outcome = outcome;
                Elapsed = clock.Elapsed;
                Message = message;
            }

            /// <summary>Opens a pidfd when the kernel can, and proves the identity once.</summary>
            internal void Open(Stopwatch clock)
            {
                if (PidfdAvailable)
                {
                    var fd = (int)Libc.syscall(Libc.SYS_pidfd_open, Id.Pid, 0, 0, 0);
                    if (fd >= 0)
                    {
                        Libc.SetCloseOnExec(fd);
                        PidFd = fd;
                        s_pidfdSupport = 1;
                    }
                    else
                    {
                        var errno = Libc.Errno;
                        if (errno == Libc.ESRCH)
                        {
                            Finish(WtDaemonStopOutcome.AlreadyGone, clock, "The process had exited before it was signalled.");
                            return;
                        }

                        if (errno == Libc.ENOSYS_LINUX)
                        {
                            s_pidfdSupport = -1;
                        }
                    }
                }

                // With a pidfd open, a matching start time proves the pidfd names the discovered process.
                switch (ProcessIdentities.Check(Id))
                {
                    case IdentityStatus.Gone:
                        Finish(WtDaemonStopOutcome.AlreadyGone, clock, "The process had exited (or its PID now names another process) before it was signalled; nothing was signalled.");
                        break;
                    case IdentityStatus.Unknowable:
                        if (PidFd < 0)
                        {
                            Finish(WtDaemonStopOutcome.Denied, clock, "Cannot prove the PID still names the discovered process (no start time on this system); not signalled.");
                        }

                        break;
                }
            }

            /// <summary>Sends one signal with the identity proven; finishes the handle when the process is gone or the signal is refused.</summary>
            internal void Signal(int signal, Stopwatch clock, bool beforeAnySignal)
            {
                var goneOutcome = beforeAnySignal ? WtDaemonStopOutcome.AlreadyGone : WtDaemonStopOutcome.Terminated;
                int rc;
                if (PidFd >= 0)
                {
                    rc = (int)Libc.syscall(Libc.SYS_pidfd_send_signal, PidFd, signal, 0, 0);
                }
                else
                {
                    var status = ProcessIdentities.Check(Id);
                    if (status == IdentityStatus.Gone)
                    {
                        Finish(goneOutcome, clock, beforeAnySignal ? "The process had exited (or its PID now names another process) before it was signalled; nothing was signalled." : "Exited after SIGTERM.");
                        return;
                    }

                    if (status == IdentityStatus.Unknowable)
                    {
                        Finish(WtDaemonStopOutcome.Denied, clock, "Cannot prove the PID still names the discovered process; not signalled.");
                        return;
                    }

                    rc = Libc.kill(Id.Pid, signal);
                }

                if (rc == 0)
                {
                    return;
                }

                var errno = Libc.Errno;
                if (errno == Libc.ESRCH)
                {
                    Finish(goneOutcome, clock, beforeAnySignal ? "The process had exited before it was signalled." : "Exited after SIGTERM.");
                }
                else if (errno == Libc.EPERM)
                {
                    Finish(WtDaemonStopOutcome.Denied, clock, "The operating system refused the signal (the daemon belongs to another user).");
                }
                else
                {
                    Finish(WtDaemonStopOutcome.Denied, clock, "The signal could not be sent: " + Processes.UnixSpawn.Describe(errno) + ".");
                }
            }

            /// <summary>True once the process has exited (a zombie counts) or its PID names another process.</summary>
            internal bool IsGone()
            {
                if (PidFd >= 0)
                {
                    var pfd = new Libc.PollFd { Fd = PidFd, Events = Libc.POLLIN };
                    if (Libc.poll(&pfd, (UIntPtr)1, 0) > 0 && (pfd.REvents & Libc.POLLIN) != 0)
                    {
                        return true;
                    }
                }

                return ProcessIdentities.Check(Id) == IdentityStatus.Gone;
            }

            internal void KillWindows(Stopwatch clock)
            {
                if (ProcessIdentities.Check(Id) != IdentityStatus.Same)
                {
                    Finish(WtDaemonStopOutcome.AlreadyGone, clock, "The process had exited (or its PID now names another process); nothing was stopped.");
                    return;
                }

                try
                {
                    using var p = System.Diagnostics.Process.GetProcessById(Id.Pid);
                    if ((ulong)p.StartTime.ToUniversalTime().Ticks != Id.StartTicks)
                    {
                        Finish(WtDaemonStopOutcome.AlreadyGone, clock, "The PID now names another process; nothing was stopped.");
                        return;
                    }

                    p.Kill();
                    Finish(p.WaitForExit((int)KillWait.TotalMilliseconds) ? WtDaemonStopOutcome.Killed : WtDaemonStopOutcome.Survived, clock, "Ended with TerminateProcess.");
                }
                catch (ArgumentException)
                {
                    Finish(WtDaemonStopOutcome.AlreadyGone, clock, "The process had exited.");
                }
                catch (Exception e) when (e is InvalidOperationException || e is System.ComponentModel.Win32Exception || e is NotSupportedException)
                {
                    Finish(WtDaemonStopOutcome.Denied, clock, "The process could not be ended: " + e.Message);
                }
            }

            internal void Close()
            {
                if (PidFd >= 0)
                {
                    Libc.close(PidFd);
                    PidFd = -1;
                }
            }
        }
    }
}
