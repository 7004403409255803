// Contract: -Detach. Starts a supervisor that outlives the PowerShell session and keeps the same
// teardown rules, and returns as soon as that supervisor reports its command running.
// How: the supervisor is a PowerShell host (WORKTRUNK_POWERSHELL_HOST, else this process when it
// is pwsh or powershell.exe, else pwsh on PATH) running this same module:
//   <host> -NoProfile -NonInteractive -Command "Import-Module <manifest>; Start-WtTether -SupervisorSpec <token>"
// The manifest path and the token are base64 text inside single quotes, so nothing the user
// typed is ever parsed by PowerShell or a shell (TetherSpec.Encode).
// Unix: spawned directly through UnixSpawn (no shell) in a new session (setsid: no controlling
// terminal, so a closing terminal cannot hang it up), cwd /, stdin /dev/null, stdout and stderr
// appended to the log through a descriptor we open (O_APPEND | O_NOFOLLOW | O_CLOEXEC, the file
// created 0600 beforehand). It is this session's child while the session lives: a background
// reaper thread blocks in waitpid on that PID alone, so a supervisor that ends first never stays
// a zombie of this session; when the session exits first the supervisor is re-parented to init
// (or the nearest subreaper), which reaps it. Windows: CreateProcessW with CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW, breaking
// away from the caller's job when allowed.
// Handshake: the supervisor writes a state file next to the log (TetherHandshake) once the
// command is running, or with the error when it cannot start; this side waits for it, bounded.
// If the supervisor dies first, does not report in time, or the wait is cancelled, it is stopped
// (SIGTERM to the PID we launched, then SIGKILL, through DaemonSignaller: identity-checked by
// pidfd or start time) and its guardian tears down anything it had started: a failed -Detach
// leaves nothing running.
// Logs: <common>/wt/logs/tether/<worktree>-<program>-<unix seconds>.log in a repository (a new
// file per tether), <dir>/.wt-tether.log outside one (appended).

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.IO;
using Worktrunk.Processes;

namespace Worktrunk.Tether
{
    /// <summary>Launching a detached supervisor, and being one.</summary>
    internal static class TetherDetach
    {
        /// <summary>The environment variable naming the PowerShell host that runs detached supervisors.</summary>
        internal const string HostVariable = "WORKTRUNK_POWERSHELL_HOST";

        /// <summary>How long -Detach waits for the supervisor to report (a cold PowerShell start on a busy machine takes seconds).</summary>
        internal static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(60);

        /// <summary>
        /// Picks the host: <paramref name="configured"/> (the environment variable) when set, else
        /// <paramref name="currentExecutable"/> when it is pwsh, pwsh.exe or powershell.exe, else
        /// pwsh on PATH. Null when none exists. Pure apart from <paramref name="exists"/>.
        /// </summary>
        internal static string? ResolveHost(string? configured, string? currentExecutable, string? pathVariable, Func<string, bool> exists)
        {
            if (!string.IsNullOrEmpty(configured))
            {
                if (configured!.IndexOf('/') >= 0 || configured.IndexOf('\\') >= 0)
                {
                    return exists(configured) ? configured : null;
                }

                return SearchPath(configured, pathVariable, exists);
            }

            if (!string.IsNullOrEmpty(currentExecutable))
            {
                var name = Path.GetFileName(currentExecutable);
                foreach (var known in new[] { "pwsh", "pwsh.exe", "powershell.exe" })
                {
                    if (string.Equals(name, known, Platform.IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
                    {
                        return currentExecutable;
                    }
                }
            }

            return SearchPath(Platform.IsWindows ? "pwsh.exe" : "pwsh", pathVariable, exists);
        }

        /// <summary>The -Command script the host runs: constant apart from two base64 strings.</summary>
        internal static string SupervisorScript(string manifestPath, string token) =>
            ImportScript(manifestPath) + "; Start-WtTether -SupervisorSpec '" + token + "'";

        /// <summary>The start of every host script: stop on errors, import the module from its base64 manifest path.</summary>
        internal static string ImportScript(string manifestPath) =>
            "$ErrorActionPreference = 'Stop'; Import-Module -Name ([System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String('" +
            Convert.ToBase64String(new UTF8Encoding(false).GetBytes(manifestPath)) +
            "')))";

        /// <summary>A file-name-safe label: letters, digits, '.', '_' and '-' pass; anything else becomes '-'.</summary>
        internal static string Sanitize(string text)
        {
            var sb = new StringBuilder();
            foreach (var c in text)
            {
                var ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                if (ok)
                {
                    sb.Append(c);
                }
                else if (sb.Length > 0 && sb[sb.Length - 1] != '-')
                {
                    sb.Append('-');
                }
            }

            var s = sb.ToString().Trim('-', '.');
            if (s.Length > 60)
            {
                s = s.Substring(0, 60);
            }

            return s.Length == 0 ? "tether" : s;
        }

        /// <summary>Creates (claims) the log file, mode 0600 on Unix from birth (TetherLogFile), and returns its path.</summary>
        internal static string CreateLog(TetherSpec spec, string? commonDir, DateTimeOffset now)
        {
            if (commonDir == null)
            {
                var shared = Path.Combine(spec.WatchedPath, ".wt-tether.log");
                TetherLogFile.CreateOrUse(shared);
                return shared;
            }

            // <common>/wt/logs/tether is created and checked through the safe layer: a symlink or
            // another user's directory on the way is a refusal (RepositoryPathIsSymlink, ...), never
            // followed. The log itself is then created by path (mkstemp + a no-replace rename).
            var dir = Path.Combine(commonDir, "wt", "logs", "tether");
            using (SafeDirectory.Open(commonDir, true, "wt", "logs", "tether"))
            {
            }
            var name = Sanitize(Path.GetFileName(PathUtil.TrimEnd(spec.WatchedPath)) + "-" + Path.GetFileNameWithoutExtension(spec.FileName)) + "-" + now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            for (var n = 1; ; n++)
            {
                var candidate = Path.Combine(dir, n == 1 ? name + ".log" : name + "-" + n.ToString(CultureInfo.InvariantCulture) + ".log");
                if (TetherLogFile.TryCreateNew(candidate))
                {
                    return candidate;
                }

                if (n >= 1000)
                {
                    throw new IOException($"Cannot create a tether log in {Printable.Quote(dir)}: 1000 names are taken.");
                }
            }
        }

        /// <summary>Starts a detached supervisor for <paramref name="spec"/> and waits (bounded) until its command runs.</summary>
        internal static WtTether Launch(TetherSpec spec, string? commonDir, string host, string manifestPath, TimeSpan handshakeTimeout, IDiagnosticSink sink, CancellationToken cancellation)
        {
            // The worktree as it is now: the supervisor starts nothing if the path names another
            // file by the time it comes up (removed and recreated in between).
            var worktreeIdentity = PathWatch.TryIdentify(spec.WatchedPath, out var now, out _) ? now : (FileIdentity?)null;
            var logPath = CreateLog(spec, commonDir, DateTimeOffset.Now);
            var statePath = logPath + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".state";
            var detached = spec.WithDetachFiles(logPath, statePath, worktreeIdentity);
            var argv = new List<string> { "-NoProfile", "-NonInteractive", "-Command", SupervisorScript(manifestPath, detached.Encode()) };
            sink.Verbose($"Detaching a supervisor: {CommandLine.Format(host, new[] { "-NoProfile", "-NonInteractive", "-Command", "..." })}; log {Printable.Quote(logPath)}");

            var supervisor = Platform.IsWindows ? LaunchWindows(host, argv, logPath) : LaunchUnix(host, argv, logPath);
            var identity = ProcessIdentities.Capture(supervisor);
            try
            {
                var report = AwaitReport(statePath, logPath, supervisor, handshakeTimeout, cancellation);
                if (report.ErrorId != null)
                {
                    throw new WorktrunkException(report.ErrorId, report.Kind, report.Message ?? "The tethered command could not start.", spec.FileName);
                }

                sink.Verbose($"Supervisor {report.SupervisorId} runs pid {report.ProcessId} (process group {report.ProcessGroupId}).");
                return new WtTether(report.SupervisorId, report.ProcessId, report.ProcessGroupId, spec.Display, spec.WatchedPath, logPath, report.StartTime);
            }
            catch
            {
                StopSupervisor(supervisor, identity, spec.GracePeriod, sink);
                throw;
            }
            finally
            {
                TryDelete(statePath);
                TryDelete(statePath + ".tmp");
            }
        }

        /// <summary>
        /// Being the supervisor (inside the detached host): decode the token, start the command,
        /// report through the state file, supervise until the end, log the outcome.
        /// </summary>
        internal static WtTetherResult Supervise(string token, CancellationToken cancellation)
        {
            var spec = TetherSpec.Decode(token);
            var log = new TetherLog(spec.LogPath);
            var self = CurrentProcessId();
            log.Append($"supervisor {self} (grace {spec.GracePeriod.TotalSeconds:0.###} s) starting:");
            TetherSupervisor supervisor;
            try
            {
                supervisor = TetherSupervisor.Start(spec, log);
            }
            catch (WorktrunkException e)
            {
                log.Append("cannot start: " + e.Message);
                if (spec.StatePath != null)
                {
                    TetherHandshake.WriteFailure(spec.StatePath, e);
                }

                throw;
            }

            using (supervisor)
            {
                if (spec.StatePath != null)
                {
                    TetherHandshake.WriteReady(spec.StatePath, self, supervisor.ProcessId, supervisor.ProcessGroupId, supervisor.StartTime);
                }

                return supervisor.Run(cancellation);
            }
        }

        internal static int CurrentProcessId() => Platform.IsWindows ? Process.GetCurrentProcess().Id : Libc.getpid();

        private static HandshakeReport AwaitReport(string statePath, string logPath, int supervisor, TimeSpan timeout, CancellationToken cancellation)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (File.Exists(statePath))
                {
                    var report = TetherHandshake.Parse(File.ReadAllText(statePath));
                    if (report != null)
                    {
                        return report;
                    }
                }

                if (!ProcessTable.IsAlive(supervisor))
                {
                    // One last look: it may have reported just before exiting.
                    var last = File.Exists(statePath) ? TetherHandshake.Parse(File.ReadAllText(statePath)) : null;
                    if (last != null)
                    {
                        return last;
                    }

                    throw new WorktrunkException(ErrorIds.TetherSupervisorFailed, ErrorKind.InvalidOperation, "The tether supervisor exited before its command started." + LogTail(logPath), logPath, "See the log " + Printable.Quote(logPath) + ".");
                }

                if (clock.Elapsed > timeout)
                {
                    throw new WorktrunkException(ErrorIds.TetherSupervisorFailed, ErrorKind.OperationTimeout, $"The tether supervisor did not report within {timeout.TotalSeconds:0} s; it was stopped." + LogTail(logPath), logPath, "See the log " + Printable.Quote(logPath) + ".");
                }

                if (cancellation.WaitHandle.WaitOne(20))
                {
                    throw new WorktrunkException(ErrorIds.CommandStopped, ErrorKind.OperationStopped, "Stopped while the tether supervisor was starting; it was stopped.", statePath);
                }
            }
        }

        private static int LaunchUnix(string host, List<string> argv, string logPath)
        {
            // The log was created (0600) by CreateLog; it is opened here without O_CREAT, without
            // following a symlink, close-on-exec: only the child's dup2'ed copies on 1 and 2 survive.
            var log = TetherLogFile.OpenForAppend(logPath);
            if (log < 0)
            {
                throw new WorktrunkException(ErrorIds.TetherSupervisorFailed, ErrorKind.InvalidOperation, $"Cannot open the tether log {Printable.Quote(logPath)}: {UnixSpawn.Describe(Libc.Errno)}.", logPath);
            }

            SpawnedChild child;
            try
            {
                var options = new SpawnOptions(host, argv)
                {
                    NewSession = true,
                    WorkingDirectory = "/",
                    Stdin = StdioMode.Null,
                    OutputDescriptor = log,
                };
                child = UnixSpawn.Spawn(options);
            }
            catch (WorktrunkException e)
            {
                throw new WorktrunkException(ErrorIds.TetherSupervisorFailed, ErrorKind.InvalidOperation, "Cannot launch the tether supervisor: " + e.Message, host, inner: e);
            }
            finally
            {
                Libc.close(log);
            }

            StartReaper(child.Pid);
            return child.Pid;
        }

        /// <summary>
        /// The supervisor is this session's child until the session exits (then init's): a
        /// background thread blocks in waitpid on exactly that PID, so when the supervisor ends
        /// first it never lingers as our zombie. The thread never keeps the process alive.
        /// <paramref name="onExit"/>, when given, runs on that thread once the child is gone.
        /// The tether guardian is reaped the same way.
        /// </summary>
        internal static void StartReaper(int pid, Action? onExit = null)
        {
            var reaper = new Thread(() =>
            {
                while (Libc.waitpid(pid, out _, 0) < 0 && Libc.Errno == Libc.EINTR)
                {
                }

                onExit?.Invoke();
            })
            {
                IsBackground = true,
                Name = "wt-tether-reaper-" + pid.ToString(CultureInfo.InvariantCulture),
            };
            reaper.Start();
        }

        private static int LaunchWindows(string host, List<string> argv, string logPath)
        {
            var all = new List<string> { host };
            all.AddRange(argv);
            var commandLine = WindowsArguments.Join(all);
            var inherit = new Kernel32.SECURITY_ATTRIBUTES { nLength = Marshal.SizeOf(typeof(Kernel32.SECURITY_ATTRIBUTES)), bInheritHandle = 1 };
            var log = Kernel32.CreateFileW(logPath, Kernel32.FILE_APPEND_DATA, Kernel32.FILE_SHARE_READ | Kernel32.FILE_SHARE_WRITE | Kernel32.FILE_SHARE_DELETE, ref inherit, Kernel32.OPEN_ALWAYS, 0, IntPtr.Zero);
            var nul = Kernel32.CreateFileW("NUL", Kernel32.GENERIC_READ, Kernel32.FILE_SHARE_READ | Kernel32.FILE_SHARE_WRITE, ref inherit, Kernel32.OPEN_EXISTING, 0, IntPtr.Zero);
            try
            {
                var flags = Kernel32.CREATE_NEW_PROCESS_GROUP | Kernel32.CREATE_NO_WINDOW | Kernel32.CREATE_UNICODE_ENVIRONMENT;
                if (WindowsSpawn.Start(host, commandLine, flags | Kernel32.CREATE_BREAKAWAY_FROM_JOB, null, nul, log, log, out var pi) != 0)
                {
                    var error = WindowsSpawn.Start(host, commandLine, flags, null, nul, log, log, out pi);
                    if (error != 0)
                    {
                        throw new WorktrunkException(ErrorIds.TetherSupervisorFailed, ErrorKind.InvalidOperation, $"Cannot launch the tether supervisor {Printable.Quote(host)}: Windows error {error}.", host);
                    }
                }

                Kernel32.CloseHandle(pi.hThread);
                Kernel32.CloseHandle(pi.hProcess);
                return pi.dwProcessId;
            }
            finally
            {
                Kernel32.CloseHandle(log);
                Kernel32.CloseHandle(nul);
            }
        }

        /// <summary>
        /// Stops a supervisor this session launched: SIGTERM (its teardown runs), then SIGKILL (its
        /// guardian tears down), through <see cref="DaemonSignaller"/>, so every signal is
        /// identity-checked (pidfd where the kernel has it). The identity is the one captured at
        /// launch; when none could be captured then, the PID we launched is identified now (the
        /// reaper thread may already have reaped it, so the PID alone proves nothing). Windows: the tree,
        /// after the same identity check.
        /// </summary>
        private static void StopSupervisor(int pid, ProcessIdentity? identity, TimeSpan grace, IDiagnosticSink sink)
        {
            var id = identity ?? ProcessIdentities.Capture(pid);
            if (id == null || ProcessIdentities.Check(id.Value) != IdentityStatus.Same)
            {
                return;
            }

            if (Platform.IsWindows)
            {
                ProcessRunner.KillTreeWindows(pid);
                return;
            }

            DaemonSignaller.Terminate(new[] { id.Value }, grace + TimeSpan.FromSeconds(2), sink);
        }

        private static string? SearchPath(string name, string? pathVariable, Func<string, bool> exists)
        {
            foreach (var dir in (pathVariable ?? string.Empty).Split(Path.PathSeparator))
            {
                if (dir.Length == 0)
                {
                    continue;
                }

                var candidate = Path.Combine(dir, name);
                if (exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }

        /// <summary>The last lines of the log, for an error message (empty when unreadable).</summary>
        private static string LogTail(string logPath)
        {
            try
            {
                var lines = File.ReadAllLines(logPath);
                var tail = new List<string>();
                for (var i = Math.Max(0, lines.Length - 6); i < lines.Length; i++)
                {
                    if (lines[i].Trim().Length > 0)
                    {
                        tail.Add("  " + lines[i].TrimEnd());
                    }
                }

                return tail.Count == 0 ? string.Empty : " Its log ends with:\n" + string.Join("\n", tail);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return string.Empty;
            }
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
            }
        }
    }
}
