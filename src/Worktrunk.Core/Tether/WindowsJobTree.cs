// Contract: a tethered command on Windows, held with everything it spawns in a Job Object
// created with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE. worktrunk's `taskkill /T` walks the live
// parent/child links, so a grandchild that detached after the command exited survived; a job
// holds every process created inside it however the links change, and breakaway is not allowed.
// Race: the command is created CREATE_SUSPENDED, assigned to the job, then resumed, so nothing it
// starts can escape before the job holds it. If assignment fails (Windows 7 inside another job)
// the suspended process is terminated and the start fails: nothing is left running.
// Teardown: CTRL_BREAK_EVENT to the command's console process group (it was created with
// CREATE_NEW_PROCESS_GROUP), a wait that ends as soon as the job has no active process or after
// the grace period, then TerminateJobObject. If the control event cannot be delivered (no shared
// console) the job is terminated at once. Closing the job handle (Dispose, or the supervisor
// dying in any way) kills whatever is still inside.
// Streams: stdin is NUL; stdout and stderr are this process's (the console, or a detached
// supervisor's log).
// Status: Windows has no signals; Signal is always null and ExitCode is the process exit code.
// Platform: compiled everywhere, run only on Windows; the pure parts (WindowsCommand, the
// structure layouts) are unit-tested on every platform.

using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.Processes;

namespace Worktrunk.Tether
{
    /// <summary>A tethered command inside a kill-on-close Job Object (Windows).</summary>
    internal sealed class WindowsJobTree : ITetheredTree
    {
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
        private IntPtr _job;
        private IntPtr _process;

        private WindowsJobTree(IntPtr job, IntPtr process, int pid)
        {
            _job = job;
            _process = process;
            ProcessId = pid;
        }

        public int ProcessId { get; }

        public int ProcessGroupId => ProcessId;

        /// <summary>The limits every tether job gets: kill-on-close, and no breakaway.</summary>
        internal static Kernel32.JOBOBJECT_EXTENDED_LIMIT_INFORMATION JobLimits()
        {
            var info = default(Kernel32.JOBOBJECT_EXTENDED_LIMIT_INFORMATION);
            info.BasicLimitInformation.LimitFlags = Kernel32.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
            return info;
        }

        /// <summary>The creation flags of the command: suspended until it is in the job, its own console process group, a Unicode environment.</summary>
        internal const uint CreationFlags = Kernel32.CREATE_SUSPENDED | Kernel32.CREATE_NEW_PROCESS_GROUP | Kernel32.CREATE_UNICODE_ENVIRONMENT;

        /// <summary>Starts the command inside a new job; throws WorktrunkException when it cannot, leaving nothing running.</summary>
        internal static WindowsJobTree Start(TetherSpec spec)
        {
            var path = WindowsCommand.Resolve(
                spec.FileName,
                Environment.GetEnvironmentVariable("PATH"),
                Environment.GetEnvironmentVariable("PATHEXT"),
                spec.WorkingDirectory,
                System.IO.File.Exists)
                ?? throw new WorktrunkException(ErrorIds.CommandNotFound, ErrorKind.ObjectNotFound, $"Cannot find {Printable.Quote(spec.FileName)} on PATH.", spec.FileName);
            WindowsCommand.Build(path, spec.Arguments, Environment.GetEnvironmentVariable("ComSpec") ?? "cmd.exe", out var application, out var commandLine);

            var job = Kernel32.CreateJobObjectW(IntPtr.Zero, null);
            if (job == IntPtr.Zero)
            {
                throw Failure("CreateJobObject", spec);
            }

            var nul = IntPtr.Zero;
            try
            {
                var limits = JobLimits();
                if (!Kernel32.SetInformationJobObject(job, Kernel32.JobObjectExtendedLimitInformation, ref limits, Marshal.SizeOf(typeof(Kernel32.JOBOBJECT_EXTENDED_LIMIT_INFORMATION))))
                {
                    throw Failure("SetInformationJobObject", spec);
                }

                var inherit = new Kernel32.SECURITY_ATTRIBUTES { nLength = Marshal.SizeOf(typeof(Kernel32.SECURITY_ATTRIBUTES)), bInheritHandle = 1 };
                nul = Kernel32.CreateFileW("NUL", Kernel32.GENERIC_READ, Kernel32.FILE_SHARE_READ | Kernel32.FILE_SHARE_WRITE, ref inherit, Kernel32.OPEN_EXISTING, 0, IntPtr.Zero);
                var stdout = Kernel32.GetStdHandle(Kernel32.STD_OUTPUT_HANDLE);
                var stderr = Kernel32.GetStdHandle(Kernel32.STD_ERROR_HANDLE);
                Kernel32.SetHandleInformation(stdout, Kernel32.HANDLE_FLAG_INHERIT, Kernel32.HANDLE_FLAG_INHERIT);
                Kernel32.SetHandleInformation(stderr, Kernel32.HANDLE_FLAG_INHERIT, Kernel32.HANDLE_FLAG_INHERIT);
                var error = WindowsSpawn.Start(application, commandLine, CreationFlags, spec.WorkingDirectory, nul, stdout, stderr, out var pi);
                if (error != 0)
                {
                    throw new WorktrunkException(
                        error == Kernel32.ERROR_FILE_NOT_FOUND ? ErrorIds.CommandNotFound : ErrorIds.SpawnFailed,
                        error == Kernel32.ERROR_FILE_NOT_FOUND ? ErrorKind.ObjectNotFound : ErrorKind.ResourceUnavailable,
                        $"Cannot start {spec.Display}: Windows error {error}.",
                        spec.FileName);
                }

                if (!Kernel32.AssignProcessToJobObject(job, pi.hProcess))
                {
                    var assignError = Marshal.GetLastWin32Error();
                    Kernel32.TerminateProcess(pi.hProcess, 1);
                    Kernel32.CloseHandle(pi.hThread);
                    Kernel32.CloseHandle(pi.hProcess);
                    throw new WorktrunkException(ErrorIds.SpawnFailed, ErrorKind.ResourceUnavailable, $"Cannot put {spec.Display} in a Job Object: Windows error {assignError}.", spec.FileName, "Nested Job Objects need Windows 8 or later.");
                }

                Kernel32.ResumeThread(pi.hThread);
                Kernel32.CloseHandle(pi.hThread);
                var tree = new WindowsJobTree(job, pi.hProcess, pi.dwProcessId);
                job = IntPtr.Zero;
                return tree;
            }
            finally
            {
                if (nul != IntPtr.Zero && nul != Kernel32.InvalidHandle)
                {
                    Kernel32.CloseHandle(nul);
                }

                if (job != IntPtr.Zero)
                {
                    Kernel32.CloseHandle(job);
                }
            }
        }

        public bool HasExited() => _process == IntPtr.Zero || Kernel32.WaitForSingleObject(_process, 0) == Kernel32.WAIT_OBJECT_0;

        public string TearDown(TimeSpan grace)
        {
            if (_job == IntPtr.Zero || ActiveProcesses() == 0)
            {
                return "nothing of the job was left";
            }

            if (Kernel32.GenerateConsoleCtrlEvent(Kernel32.CTRL_BREAK_EVENT, (uint)ProcessGroupId))
            {
                WaitEmpty(grace);
                if (ActiveProcesses() == 0)
                {
                    return "the job emptied after CTRL_BREAK";
                }
            }

            Kernel32.TerminateJobObject(_job, 1);
            WaitEmpty(TimeSpan.FromSeconds(1));
            return "the job was terminated";
        }

        public void CollectStatus(out int? exitCode, out int? signal)
        {
            signal = null;
            exitCode = null;
            if (_process == IntPtr.Zero)
            {
                return;
            }

            Kernel32.WaitForSingleObject(_process, 5000);
            if (Kernel32.GetExitCodeProcess(_process, out var code) && code != 259)
            {
                exitCode = unchecked((int)code);
            }
        }

        public void Dispose()
        {
            var process = Interlocked.Exchange(ref _process, IntPtr.Zero);
            if (process != IntPtr.Zero)
            {
                Kernel32.CloseHandle(process);
            }

            // Kill-on-close: whatever is still in the job dies here.
            var job = Interlocked.Exchange(ref _job, IntPtr.Zero);
            if (job != IntPtr.Zero)
            {
                Kernel32.CloseHandle(job);
            }
        }

        private uint ActiveProcesses()
        {
            return Kernel32.QueryInformationJobObject(_job, Kernel32.JobObjectBasicAccountingInformation, out var info, Marshal.SizeOf(typeof(Kernel32.JOBOBJECT_BASIC_ACCOUNTING_INFORMATION)), IntPtr.Zero)
                ? info.ActiveProcesses
                : 1;
        }

        private void WaitEmpty(TimeSpan bound)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < bound && ActiveProcesses() != 0)
            {
                Thread.Sleep(PollInterval);
            }
        }

        private static WorktrunkException Failure(string call, TetherSpec spec) =>
            new WorktrunkException(ErrorIds.SpawnFailed, ErrorKind.ResourceUnavailable, $"{call} failed (Windows error {Marshal.GetLastWin32Error()}) starting {spec.Display}.", spec.FileName);
    }
}
