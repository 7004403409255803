// Contract: a tethered command on Unix, started by posix_spawn (UnixSpawn) as the leader of a
// new process group, with an empty signal mask and default dispositions, stdin /dev/null and
// stdout/stderr inherited (the console, or a detached supervisor's log).
// Guarantees: TearDown is ProcessGroups.Terminate: SIGTERM to the group, a wait that ends as
// soon as no live member is left, SIGKILL to whatever remains. It reaches every process still in
// the group, including descendants that reparented to init after their parent died.
// Data safety: only this group is ever signalled. Where /proc exists the leader is never reaped
// before the last sweep: HasExited uses waitid(WNOWAIT), so the leader's zombie keeps the group
// id (= its PID) from being recycled while the group is signalled, and ProcessTable counts the
// zombie as gone. Without /proc (macOS) the leader must be reaped during the wait (a zombie looks
// alive to killpg(0)); its status is collected first whenever it has already exited, and after a
// teardown that reaped it the status is unknown (null).
// Reaping: UnixSpawn children are invisible to System.Diagnostics.Process; this class waits for
// its child itself (CollectStatus).
// Not reached: a descendant that calls setsid() or setpgid() leaves the group (documented).

using System;
using System.Diagnostics;
using System.Threading;
using Worktrunk.Interop;
using Worktrunk.Processes;

namespace Worktrunk.Tether
{
    /// <summary>A tethered command leading its own process group.</summary>
    internal sealed unsafe class UnixGroupTree : ITetheredTree
    {
        private readonly bool _pinLeader = ProcFs.Available;
        private bool _exited;
        private bool _collected;
        private bool _statusLost;
        private int _status;

        private UnixGroupTree(int pid)
        {
            ProcessId = pid;
        }

        public int ProcessId { get; }

        public int ProcessGroupId => ProcessId;

        /// <summary>Spawns the command as a group leader. Throws WorktrunkException (CommandNotFound, SpawnFailed) when it cannot start; nothing is left running then.</summary>
        internal static UnixGroupTree Start(TetherSpec spec)
        {
            var options = new SpawnOptions(spec.FileName, spec.Arguments)
            {
                WorkingDirectory = spec.WorkingDirectory,
                NewProcessGroup = true,
                Stdin = StdioMode.Null,
                Stdout = StdioMode.Inherit,
                Stderr = StdioMode.Inherit,
            };
            var child = UnixSpawn.Spawn(options);
            return new UnixGroupTree(child.Pid);
        }

        public bool HasExited()
        {
            if (_exited)
            {
                return true;
            }

            if (!_pinLeader)
            {
                TryReap();
                return _exited;
            }

            var info = stackalloc byte[Libc.SigInfoSize];
            for (var i = 0; i < Libc.SigInfoSize; i++)
            {
                info[i] = 0;
            }

            var rc = Libc.waitid(Libc.P_PID, ProcessId, info, Libc.WEXITED | Libc.WNOHANG | Libc.WNOWAIT);
            if (rc == 0)
            {
                _exited = *(int*)(info + Libc.SigInfoPidOffset) == ProcessId;
            }
            else if (Libc.Errno == Libc.ECHILD)
            {
                // Someone else reaped it; nothing of ours is left to wait for.
                _exited = true;
                _collected = true;
                _statusLost = true;
            }

            return _exited;
        }

        public string TearDown(TimeSpan grace)
        {
            if (_pinLeader)
            {
                return Describe(ProcessGroups.Terminate(ProcessGroupId, grace));
            }

            // Without /proc a zombie leader looks alive; collect what we can, then let the
            // escalation reap it (its status is lost if it dies during the wait).
            TryReap();
            if (_collected)
            {
                return Describe(ProcessGroups.Terminate(ProcessGroupId, grace));
            }

            var outcome = ProcessGroups.Terminate(ProcessGroupId, grace, reapLeader: ProcessId);
            TryReap();
            if (!_collected)
            {
                _exited = _collected = _statusLost = true;
            }

            return Describe(outcome);
        }

        /// <summary>A teardown outcome in words, for -Verbose and the detached log.</summary>
        internal static string Describe(GroupTeardownOutcome outcome) => outcome switch
        {
            GroupTeardownOutcome.AlreadyEmpty => "nothing of the group was left",
            GroupTeardownOutcome.Terminated => "the group exited after SIGTERM",
            GroupTeardownOutcome.Killed => "SIGKILL after the grace period",
            _ => "the group id was refused; nothing was signalled",
        };

        public void CollectStatus(out int? exitCode, out int? signal)
        {
            // After SIGKILL the leader is gone or about to be; bound the wait anyway (a process in
            // uninterruptible sleep cannot be hurried).
            var clock = Stopwatch.StartNew();
            while (!_collected && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                TryReap();
                if (!_collected)
                {
                    Thread.Sleep(10);
                }
            }

            if (!_collected || _statusLost)
            {
                exitCode = null;
                signal = null;
                return;
            }

            ExitStatus.Decode(_status, out exitCode, out signal);
        }

        public void Dispose()
        {
            // The owner tears down before disposing; this only makes sure no zombie of ours stays.
            if (!_collected)
            {
                TryReap();
            }
        }

        private void TryReap()
        {
            if (_collected)
            {
                return;
            }

            var rc = Libc.waitpid(ProcessId, out var status, Libc.WNOHANG);
            if (rc == ProcessId)
            {
                _status = status;
                _exited = _collected = true;
            }
            else if (rc < 0 && Libc.Errno == Libc.ECHILD)
            {
                _exited = _collected = _statusLost = true;
            }
        }
    }
}
