// Contract: the one choke point through which Worktrunk runs a child process and captures its
// output. Guarantees, on every platform:
//   * arguments are an array handed to the kernel, never a shell string; stdin is /dev/null
//     unless the caller hands bytes (SpawnOptions.StdinBytes: a ref transaction) or, in a
//     pipeline (RunPipeline), the previous stage's output;
//   * stdout and stderr are read together, so neither pipe can fill and deadlock the child;
//   * the call returns once the direct child has exited and what it wrote is drained. A
//     grandchild that inherited the pipe (git auto-starting an fsmonitor daemon) cannot hold the
//     call open: after the child exits, the runner stops at the first quiet moment (at most
//     100 ms of further draining);
//   * on timeout or cancellation the child's whole process group is torn down (SIGTERM, a short
//     bounded wait, SIGKILL) and the child is reaped before the call throws; a grandchild that
//     kept the pipe dies with the group;
//   * every command is reported to the diagnostic sink before it runs (shown by -Verbose).
// Signal discipline: only the group this call created is ever signalled, and only on timeout or
// cancellation. A command that exits normally leaves its group alone (an auto-started daemon
// there is legitimate).
// Platform: Unix uses posix_spawn (UnixSpawn) with a new process group and a poll(2) loop;
// Windows uses System.Diagnostics.Process and `taskkill /T /F` on timeout.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;

namespace Worktrunk.Processes
{
    /// <summary>Runs a command to completion and captures its output, with a bound that kills its whole process group.</summary>
    internal static unsafe class ProcessRunner
    {
        private static readonly TimeSpan TeardownGrace = TimeSpan.FromMilliseconds(200);
        private static readonly TimeSpan DrainLimit = TimeSpan.FromMilliseconds(100);

        /// <summary>
        /// Runs <paramref name="options"/> (stdout and stderr are always captured) and returns how it ended.
        /// Throws <see cref="WorktrunkException"/> with CommandTimedOut after <paramref name="timeout"/>,
        /// CommandStopped when <paramref name="cancellation"/> fires, CommandNotFound or SpawnFailed
        /// when it cannot start. A non-zero exit is a result, not an exception.
        /// </summary>
        internal static CommandResult Run(SpawnOptions options, TimeSpan timeout, IDiagnosticSink sink, CancellationToken cancellation = default)
        {
            options.Stdout = StdioMode.Pipe;
            options.Stderr = StdioMode.Pipe;
            var shown = options.StdinDisplay == null ? options.Display : options.Display + " <<< " + options.StdinDisplay;
            sink.Verbose(options.WorkingDirectory == null ? shown : shown + "   (in " + options.WorkingDirectory + ")");
            var result = Platform.IsWindows
                ? RunWindows(options, timeout, cancellation)
                : RunUnix(options, timeout, cancellation);
            sink.Debug($"exit {result.ExitCode}{(result.Signal != 0 ? " (signal " + result.Signal + ")" : string.Empty)} after {result.Elapsed.TotalMilliseconds:0} ms: {result.CommandLine}");
            return result;
        }

        /// <summary>
        /// Runs a pipeline (<c>a | b | c</c>) without a shell: each stage's stdout is the next
        /// stage's stdin, and the last stage is run and captured as <see cref="Run"/> does. Every
        /// stage's arguments are an array. The result is the last stage's; when an earlier stage
        /// exited non-zero or by a signal other than SIGPIPE, the result is that stage's exit code
        /// instead (so a failure anywhere fails the whole, like <c>set -o pipefail</c>). Earlier
        /// stages' stderr is discarded. On timeout or cancellation every stage's group is torn down.
        /// Unix: the stages are started with <see cref="UnixSpawn"/> and joined by kernel pipes, so
        /// any amount of data flows. Windows (compiled, not run by the tests): each stage runs to
        /// completion in turn and its captured output is the next stage's input.
        /// </summary>
        internal static CommandResult RunPipeline(IReadOnlyList<SpawnOptions> stages, TimeSpan timeout, IDiagnosticSink sink, CancellationToken cancellation = default)
        {
            if (stages.Count == 0)
            {
                throw new ArgumentException("A pipeline needs at least one stage.", nameof(stages));
            }

            return Platform.IsWindows
                ? RunPipelineWindows(stages, timeout, sink, cancellation)
                : RunPipelineUnix(stages, timeout, sink, cancellation);
        }

        private static CommandResult RunPipelineUnix(IReadOnlyList<SpawnOptions> stages, TimeSpan timeout, IDiagnosticSink sink, CancellationToken cancellation)
        {
            var producers = new List<int>(stages.Count - 1);
            var readEnd = -1;
            CommandResult? last = null;
            try
            {
                for (var i = 0; i < stages.Count - 1; i++)
                {
                    var stage = stages[i];
                    stage.Stdout = StdioMode.Pipe;
                    stage.Stderr = StdioMode.Null;
                    stage.StdinDescriptor = readEnd;
                    sink.Verbose(stage.WorkingDirectory == null ? stage.Display + " |" : stage.Display + " |   (in " + stage.WorkingDirectory + ")");
                    SpawnedChild child;
                    try
                    {
                        child = UnixSpawn.Spawn(stage);
                    }
                    finally
                    {
                        // The stage has its copy of the previous read end; ours must go, or the
                        // previous stage would never see its reader leave.
                        CloseEnd(ref readEnd);
                    }

                    producers.Add(child.Pid);
                    readEnd = child.StdoutFd;
                }

                stages[stages.Count - 1].StdinDescriptor = readEnd;
                try
                {
                    last = Run(stages[stages.Count - 1], timeout, sink, cancellation);
                }
                finally
                {
                    CloseEnd(ref readEnd);
                }
            }
            finally
            {
                if (last == null)
                {
                    // The last stage failed to start, timed out or was stopped: end every earlier stage's group.
                    foreach (var pid in producers)
                    {
                        Abort(pid);
                    }
                }
            }

            // The last stage has exited and our read ends are closed: an earlier stage has either
            // finished or gets SIGPIPE at its next write, so waiting for it ends.
            var failed = last;
            for (var i = 0; i < producers.Count; i++)
            {
                int status;
                while (Libc.waitpid(producers[i], out status, 0) < 0 && Libc.Errno == Libc.EINTR)
                {
                }

                DecodeStatus(status, out var code, out var signal);
                if (failed == last && last.Succeeded && (signal == 0 ? code != 0 : signal != Libc.SIGPIPE))
                {
                    failed = new CommandResult(stages[i].Display, code, signal, last.Stdout, $"Pipeline stage failed (exit {code}, signal {signal}): " + stages[i].Display, last.Elapsed);
                }
            }

            return failed;
        }

        private static CommandResult RunPipelineWindows(IReadOnlyList<SpawnOptions> stages, TimeSpan timeout, IDiagnosticSink sink, CancellationToken cancellation)
        {
            byte[]? input = null;
            CommandResult? result = null;
            foreach (var stage in stages)
            {
                stage.StdinBytes = input;
                result = Run(stage, timeout, sink, cancellation);
                if (!result.Succeeded)
                {
                    return result;
                }

                input = Encoding.UTF8.GetBytes(result.Stdout);
            }

            return result!;
        }

        private static void CloseEnd(ref int fd)
        {
            if (fd >= 0)
            {
                Libc.close(fd);
                fd = -1;
            }
        }

        private static CommandResult RunUnix(SpawnOptions options, TimeSpan timeout, CancellationToken cancellation)
        {
            var clock = Stopwatch.StartNew();
            var child = UnixSpawn.Spawn(options);
            var stdout = new MemoryStream();
            var stderr = new MemoryStream();
            var fds = new[] { child.StdoutFd, child.StderrFd };
            var sinks = new[] { stdout, stderr };
            var buffer = new byte[65536];
            var exited = false;
            var status = 0;
            var exitedAt = TimeSpan.Zero;
            var idleSpins = 0;
            try
            {
                while (true)
                {
                    if (!exited)
                    {
                        var r = Libc.waitpid(child.Pid, out status, Libc.WNOHANG);
                        if (r == child.Pid || (r < 0 && Libc.Errno == Libc.ECHILD))
                        {
                            exited = true;
                            exitedAt = clock.Elapsed;
                        }
                    }

                    var open = (fds[0] >= 0 ? 1 : 0) + (fds[1] >= 0 ? 1 : 0);
                    if (exited && (open == 0 || clock.Elapsed - exitedAt > DrainLimit))
                    {
                        break;
                    }

                    if (!exited)
                    {
                        if (cancellation.IsCancellationRequested)
                        {
                            Abort(child.Pid);
                            throw new WorktrunkException(ErrorIds.CommandStopped, ErrorKind.OperationStopped, $"Stopped {options.Display}.", options.Display);
                        }

                        if (clock.Elapsed > timeout)
                        {
                            Abort(child.Pid);
                            throw new WorktrunkException(ErrorIds.CommandTimedOut, ErrorKind.OperationTimeout, $"{options.Display} did not finish within {timeout.TotalSeconds:0.###} s; its process group was stopped.", options.Display);
                        }
                    }

                    if (open == 0)
                    {
                        // Both pipes hit EOF, which a child does as it exits: it is reaped within
                        // microseconds, so yield briefly before falling back to 1 ms sleeps.
                        if (idleSpins++ < 50)
                        {
                            Thread.Yield();
                        }
                        else
                        {
                            Thread.Sleep(1);
                        }

                        continue;
                    }

                    // Before the child exits, block briefly; after, take only what is already there.
                    var wait = exited ? 0 : 20;
                    var quiet = !PollAndRead(fds, sinks, buffer, wait);
                    if (exited && quiet)
                    {
                        break;
                    }
                }
            }
            finally
            {
                if (fds[0] >= 0)
                {
                    Libc.close(fds[0]);
                }

                if (fds[1] >= 0)
                {
                    Libc.close(fds[1]);
                }
            }

            DecodeStatus(status, out var exitCode, out var signal);
            return new CommandResult(options.Display, exitCode, signal, Decode(stdout), Decode(stderr), clock.Elapsed);
        }

        /// <summary>Polls the open descriptors once; reads what is ready. Returns false when nothing was ready.</summary>
        private static bool PollAndRead(int[] fds, MemoryStream[] sinks, byte[] buffer, int timeoutMs)
        {
            var pfds = stackalloc Libc.PollFd[2];
            var map = stackalloc int[2];
            var n = 0;
            for (var i = 0; i < 2; i++)
            {
                if (fds[i] >= 0)
                {
                    pfds[n].Fd = fds[i];
                    pfds[n].Events = Libc.POLLIN;
                    pfds[n].REvents = 0;
                    map[n] = i;
                    n++;
                }
            }

            var ready = Libc.poll(pfds, (UIntPtr)n, timeoutMs);
            if (ready <= 0)
            {
                return false;
            }

            for (var k = 0; k < n; k++)
            {
                if (pfds[k].REvents == 0)
                {
                    continue;
                }

                var i = map[k];
                IntPtr got;
                fixed (byte* b = buffer)
                {
                    got = Libc.read(fds[i], b, (IntPtr)buffer.Length);
                }

                var count = got.ToInt64();
                if (count > 0)
                {
                    sinks[i].Write(buffer, 0, (int)count);
                }
                else if (count == 0 || Libc.Errno != Libc.EINTR)
                {
                    // EOF (every writer closed) or an unrecoverable error: stop watching this pipe.
                    Libc.close(fds[i]);
                    fds[i] = -1;
                }
            }

            return true;
        }

        private static void Abort(int pid)
        {
            ProcessGroups.Terminate(pid, TeardownGrace, reapLeader: pid);
            Libc.waitpid(pid, out _, Libc.WNOHANG);
        }

        /// <summary>Splits a waitpid status into an exit code (-1 when signalled) and a signal number.</summary>
        internal static void DecodeStatus(int status, out int exitCode, out int signal)
        {
            var low = status & 0x7f;
            if (low == 0)
            {
                exitCode = (status >> 8) & 0xff;
                signal = 0;
            }
            else
            {
                exitCode = -1;
                signal = low;
            }
        }

        private static string Decode(MemoryStream stream)
        {
            // Strict enough to keep bytes, lenient enough never to throw: invalid UTF-8 becomes U+FFFD.
            return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
        }

        private static CommandResult RunWindows(SpawnOptions options, TimeSpan timeout, CancellationToken cancellation)
        {
            var clock = Stopwatch.StartNew();
            var psi = new ProcessStartInfo
            {
                FileName = options.FileName,
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            if (options.WorkingDirectory != null)
            {
                psi.WorkingDirectory = options.WorkingDirectory;
            }

            psi.Arguments = WindowsArguments.Join(options.Arguments);
            foreach (var change in options.Environment)
            {
                if (change.Value == null)
                {
                    psi.Environment.Remove(change.Key);
                }
                else
                {
                    psi.Environment[change.Key] = change.Value;
                }
            }

            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            Process process;
            try
            {
                process = Process.Start(psi)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new WorktrunkException(ErrorIds.CommandNotFound, ErrorKind.ObjectNotFound, $"Cannot start {options.Display}: {e.Message}", options.FileName, inner: e);
            }

            using (process)
            {
                process.OutputDataReceived += (_, e) => { if (e.Data != null) { lock (stdout) { stdout.Append(e.Data).Append('\n'); } } };
                process.ErrorDataReceived += (_, e) => { if (e.Data != null) { lock (stderr) { stderr.Append(e.Data).Append('\n'); } } };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();

                // Written after the readers started, so a child that answers while it reads (a
                // pipeline stage fed a large input) cannot fill its output pipe and wait forever.
                if (options.StdinBytes != null)
                {
                    process.StandardInput.BaseStream.Write(options.StdinBytes, 0, options.StdinBytes.Length);
                }

                process.StandardInput.Close();
                while (!process.WaitForExit(20))
                {
                    if (cancellation.IsCancellationRequested || clock.Elapsed > timeout)
                    {
                        KillTreeWindows(process.Id);
                        var stopped = cancellation.IsCancellationRequested;
                        throw new WorktrunkException(
                            stopped ? ErrorIds.CommandStopped : ErrorIds.CommandTimedOut,
                            stopped ? ErrorKind.OperationStopped : ErrorKind.OperationTimeout,
                            stopped ? $"Stopped {options.Display}." : $"{options.Display} did not finish within {timeout.TotalSeconds:0.###} s; its process tree was stopped.",
                            options.Display);
                    }
                }

                // Give the asynchronous readers a bounded moment to deliver the last lines.
                Thread.Sleep(10);
                lock (stdout)
                {
                    lock (stderr)
                    {
                        return new CommandResult(options.Display, process.ExitCode, 0, stdout.ToString(), stderr.ToString(), clock.Elapsed);
                    }
                }
            }
        }

        /// <summary>Windows: ends a process and its descendants (best effort, output discarded).</summary>
        internal static void KillTreeWindows(int pid)
        {
            try
            {
                using var killer = Process.Start(new ProcessStartInfo("taskkill", "/T /F /PID " + pid.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    UseShellExecute = false,
                    CreateNoWindow = true,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                });
                killer?.WaitForExit(5000);
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }
    }
}
