// Contract: starts a child with posix_spawn so it can be put in a new process group (or a new
// session) at spawn time, something System.Diagnostics.Process cannot do. The child starts with
// an empty signal mask and default dispositions for every catchable signal, so it does not
// inherit what the .NET runtime or the PowerShell host blocks or ignores (an inherited ignored
// SIGTERM would silently turn every polite teardown into SIGKILL).
// Reaping: a child started here is invisible to System.Diagnostics.Process, so .NET never reaps
// it; whoever holds the returned PID must waitpid it (ProcessRunner and the tether do).
// Descriptors: pipe ends are created close-on-exec; only the dup2'ed copies on 0/1/2 reach the
// child, so no other Worktrunk descriptor leaks into it. On Linux (glibc 2.34+) every other
// descriptor is closed in the child too (posix_spawn_file_actions_addclosefrom_np(3), the last
// file action): one the host inherited without close-on-exec (a CI runner's pipe) would
// otherwise stay open for a daemon's or tethered server's whole life. Older glibc and macOS keep
// what the host left inheritable (macOS: compiled, not run here).
// Platform: Linux and macOS (posix_spawn_file_actions_addchdir_np and addfchdir_np need glibc 2.29 / macOS 10.15).

using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;

namespace Worktrunk.Processes
{
    /// <summary>A child started by <see cref="UnixSpawn"/>: its PID and the parent's ends of any pipes (-1 when not piped).</summary>
    internal readonly struct SpawnedChild
    {
        internal SpawnedChild(int pid, int stdoutFd, int stderrFd)
        {
            Pid = pid;
            StdoutFd = stdoutFd;
            StderrFd = stderrFd;
        }

        internal int Pid { get; }

        internal int StdoutFd { get; }

        internal int StderrFd { get; }
    }

    /// <summary>posix_spawn wrapper used by every Unix child Worktrunk starts.</summary>
    internal static unsafe class UnixSpawn
    {
        private static void RefuseNul(SpawnOptions options)
        {
            var words = new List<string> { options.FileName, options.Argv0 ?? string.Empty, options.WorkingDirectory ?? string.Empty };
            words.AddRange(options.Arguments);
            foreach (var w in words)
            {
                if (w.IndexOf('\0') >= 0)
                {
                    throw new WorktrunkException(ErrorIds.InvalidCommandArgument, ErrorKind.InvalidArgument, "Cannot start the command: its program, an argument or its working directory contains a NUL character, which a C string cannot carry (it would be cut there); nothing was started.", options.FileName);
                }
            }
        }

        private static int OCreat => Platform.IsMacOS ? 0x200 : 0x40;

        private static int OAppend => Platform.IsMacOS ? 0x8 : 0x400;

        private static int SigStop => Platform.IsMacOS ? 17 : 19;

        /// <summary>Starts the child; throws <see cref="WorktrunkException"/> (CommandNotFound or SpawnFailed) when it cannot.</summary>
        internal static SpawnedChild Spawn(SpawnOptions options)
        {
            // A C string ends at its first NUL: a NUL in the program, an argument or the working
            // directory would run something other than what was asked. Refuse, start nothing.
            RefuseNul(options);
            var env = BuildEnvironment(options.Environment);
            var path = ExecutableLocator.Resolve(options.FileName, LookupPath(env), options.WorkingDirectory)
                ?? throw new WorktrunkException(ErrorIds.CommandNotFound, ErrorKind.ObjectNotFound, $"Cannot find '{options.FileName}' on PATH.", options.FileName);

            var argv = new List<string> { options.Argv0 ?? options.FileName };
            argv.AddRange(options.Arguments);

            var inPipe = options.StdinBytes != null ? FilledPipe(options.StdinBytes) : null;
            var outPipe = options.Stdout == StdioMode.Pipe && options.OutputDescriptor < 0 ? CreatePipe() : null;
            var errPipe = options.Stderr == StdioMode.Pipe && options.OutputDescriptor < 0 ? CreatePipe() : null;

            var actions = Marshal.AllocHGlobal(Libc.OpaqueSize);
            var attr = Marshal.AllocHGlobal(Libc.OpaqueSize);
            var sigmask = Marshal.AllocHGlobal(Libc.OpaqueSize);
            var sigdef = Marshal.AllocHGlobal(Libc.OpaqueSize);
            var argvBlock = IntPtr.Zero;
            var envBlock = IntPtr.Zero;
            var actionsReady = false;
            var attrReady = false;
            try
            {
                Check(Libc.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
                actionsReady = true;
                Check(Libc.posix_spawnattr_init(attr), "posix_spawnattr_init");
                attrReady = true;

                if (inPipe != null)
                {
                    Check(Libc.posix_spawn_file_actions_adddup2(actions, inPipe[0], 0), "adddup2 stdin");
                }
                else if (options.StdinDescriptor >= 0)
                {
                    Check(Libc.posix_spawn_file_actions_adddup2(actions, options.StdinDescriptor, 0), "adddup2 stdin");
                }
                else if (options.Stdin == StdioMode.Null || options.Stdin == StdioMode.Pipe)
                {
                    Check(Libc.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", Libc.O_RDONLY, 0), "addopen stdin");
                }

                if (options.OutputDescriptor >= 0)
                {
                    Check(Libc.posix_spawn_file_actions_adddup2(actions, options.OutputDescriptor, 1), "adddup2 stdout");
                    Check(Libc.posix_spawn_file_actions_adddup2(actions, options.OutputDescriptor, 2), "adddup2 stderr");
                }
                else
                {
                    AddOutput(actions, 1, options.Stdout, outPipe, options.LogFile);
                    if (options.Stderr == StdioMode.LogFile && options.Stdout == StdioMode.LogFile)
                    {
                        Check(Libc.posix_spawn_file_actions_adddup2(actions, 1, 2), "adddup2 stderr");
                    }
                    else
                    {
                        AddOutput(actions, 2, options.Stderr, errPipe, options.LogFile);
                    }
                }

                if (options.WorkingDirectoryDescriptor >= 0)
                {
                    try
                    {
                        Check(Libc.posix_spawn_file_actions_addfchdir_np(actions, options.WorkingDirectoryDescriptor), "posix_spawn_file_actions_addfchdir_np");
                    }
                    catch (EntryPointNotFoundException e)
                    {
                        throw new WorktrunkException(ErrorIds.SpawnFailed, ErrorKind.NotSupported, "This C library has no posix_spawn_file_actions_addfchdir_np (glibc 2.29 or macOS 10.15 is required).", options.FileName, inner: e);
                    }
                }
                else if (!string.IsNullOrEmpty(options.WorkingDirectory))
                {
                    try
                    {
                        Check(Libc.posix_spawn_file_actions_addchdir_np(actions, options.WorkingDirectory!), "posix_spawn_file_actions_addchdir_np");
                    }
                    catch (EntryPointNotFoundException e)
                    {
                        throw new WorktrunkException(ErrorIds.SpawnFailed, ErrorKind.NotSupported, "This C library has no posix_spawn_file_actions_addchdir_np (glibc 2.29 or macOS 10.15 is required).", options.FileName, inner: e);
                    }
                }

                if (Platform.IsLinux)
                {
                    // Last, after the fchdir (which uses a descriptor): everything from 3 up goes.
                    try
                    {
                        Check(Libc.posix_spawn_file_actions_addclosefrom_np(actions, 3), "posix_spawn_file_actions_addclosefrom_np");
                    }
                    catch (EntryPointNotFoundException)
                    {
                        // glibc before 2.34: descriptors the host left inheritable stay inherited.
                    }
                }

                Libc.sigemptyset(sigmask);
                Libc.sigemptyset(sigdef);
                for (var sig = 1; sig < 32; sig++)
                {
                    if (sig != Libc.SIGKILL && sig != SigStop)
                    {
                        Libc.sigaddset(sigdef, sig);
                    }
                }

                short flags = (short)(Libc.POSIX_SPAWN_SETSIGMASK | Libc.POSIX_SPAWN_SETSIGDEF);
                if (options.NewSession)
                {
                    flags |= Libc.POSIX_SPAWN_SETSID;
                }
                else if (options.NewProcessGroup)
                {
                    flags |= Libc.POSIX_SPAWN_SETPGROUP;
                    Check(Libc.posix_spawnattr_setpgroup(attr, 0), "posix_spawnattr_setpgroup");
                }

                Check(Libc.posix_spawnattr_setflags(attr, flags), "posix_spawnattr_setflags");
                Check(Libc.posix_spawnattr_setsigmask(attr, sigmask), "posix_spawnattr_setsigmask");
                Check(Libc.posix_spawnattr_setsigdefault(attr, sigdef), "posix_spawnattr_setsigdefault");

                argvBlock = AllocStringArray(argv);
                envBlock = AllocStringArray(env);

                var rc = Libc.posix_spawn(out var pid, path, actions, attr, argvBlock, envBlock);
                if (rc != 0)
                {
                    ClosePipe(outPipe, bothEnds: true);
                    ClosePipe(errPipe, bothEnds: true);
                    if (rc == Libc.ENOENT && !string.IsNullOrEmpty(options.WorkingDirectory) && !Directory.Exists(options.WorkingDirectory))
                    {
                        // The chdir failed, not the lookup: say so (a directory removed meanwhile is not a missing program).
                        throw new WorktrunkException(ErrorIds.PathNotFound, ErrorKind.ObjectNotFound, $"Cannot start {options.Display}: its working directory '{options.WorkingDirectory}' does not exist.", options.WorkingDirectory);
                    }

                    var kind = rc == Libc.ENOENT ? ErrorKind.ObjectNotFound : rc == 13 ? ErrorKind.PermissionDenied : ErrorKind.ResourceUnavailable;
                    var id = rc == Libc.ENOENT ? ErrorIds.CommandNotFound : ErrorIds.SpawnFailed;
                    throw new WorktrunkException(id, kind, $"Cannot start {options.Display}: {Describe(rc)}.", options.FileName);
                }

                // The child has its copies; the parent keeps only the read ends.
                if (outPipe != null)
                {
                    Libc.close(outPipe[1]);
                }

                if (errPipe != null)
                {
                    Libc.close(errPipe[1]);
                }

                return new SpawnedChild(pid, outPipe?[0] ?? -1, errPipe?[0] ?? -1);
            }
            catch (WorktrunkException)
            {
                throw;
            }
            catch (Exception)
            {
                ClosePipe(outPipe, bothEnds: true);
                ClosePipe(errPipe, bothEnds: true);
                throw;
            }
            finally
            {
                // The child has its own copy of the filled pipe's read end (or never started).
                ClosePipe(inPipe, bothEnds: false);
                if (actionsReady)
                {
                    Libc.posix_spawn_file_actions_destroy(actions);
                }

                if (attrReady)
                {
                    Libc.posix_spawnattr_destroy(attr);
                }

                Marshal.FreeHGlobal(actions);
                Marshal.FreeHGlobal(attr);
                Marshal.FreeHGlobal(sigmask);
                Marshal.FreeHGlobal(sigdef);
                FreeStringArray(argvBlock);
                FreeStringArray(envBlock);
            }
        }

        /// <summary>The environment the child gets: ours, with the requested changes applied, as KEY=VALUE strings.</summary>
        internal static List<string> BuildEnvironment(IDictionary<string, string?> changes)
        {
            var merged = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
            {
                merged[(string)e.Key] = (string?)e.Value ?? string.Empty;
            }

            foreach (var change in changes)
            {
                if (change.Value == null)
                {
                    merged.Remove(change.Key);
                }
                else
                {
                    merged[change.Key] = change.Value;
                }
            }

            var list = new List<string>(merged.Count);
            foreach (var kv in merged)
            {
                list.Add(kv.Key + "=" + kv.Value);
            }

            return list;
        }

        private static string? LookupPath(List<string> env)
        {
            foreach (var kv in env)
            {
                if (kv.StartsWith("PATH=", StringComparison.Ordinal))
                {
                    return kv.Substring(5);
                }
            }

            return null;
        }

        private static void AddOutput(IntPtr actions, int fd, StdioMode mode, int[]? pipe, string? logFile)
        {
            switch (mode)
            {
                case StdioMode.Pipe:
                    Check(Libc.posix_spawn_file_actions_adddup2(actions, pipe![1], fd), "adddup2");
                    break;
                case StdioMode.Null:
                    Check(Libc.posix_spawn_file_actions_addopen(actions, fd, "/dev/null", Libc.O_WRONLY, 0), "addopen /dev/null");
                    break;
                case StdioMode.LogFile:
                    if (string.IsNullOrEmpty(logFile))
                    {
                        throw new ArgumentException("StdioMode.LogFile needs SpawnOptions.LogFile.");
                    }

                    Check(Libc.posix_spawn_file_actions_addopen(actions, fd, logFile!, Libc.O_WRONLY | OCreat | OAppend, Convert.ToInt32("644", 8)), "addopen log");
                    break;
                case StdioMode.Inherit:
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown stdio mode.");
            }
        }

        /// <summary>A pipe holding <paramref name="bytes"/> with its write end already closed: its read end (fds[0]) reads them, then EOF.</summary>
        private static int[] FilledPipe(byte[] bytes)
        {
            if (bytes.Length > SpawnOptions.MaxStdinBytes)
            {
                throw new ArgumentException($"At most {SpawnOptions.MaxStdinBytes} bytes can be fed to a child's stdin.", nameof(bytes));
            }

            var fds = CreatePipe();
            try
            {
                fixed (byte* p = bytes)
                {
                    var done = 0;
                    while (done < bytes.Length)
                    {
                        var n = (long)Libc.write(fds[1], p + done, (IntPtr)(bytes.Length - done));
                        if (n < 0)
                        {
                            if (Libc.Errno == Libc.EINTR)
                            {
                                continue;
                            }

                            throw new WorktrunkException(ErrorIds.SpawnFailed, ErrorKind.ResourceUnavailable, "Cannot write a child's input: " + Describe(Libc.Errno) + ".");
                        }

                        done += (int)n;
                    }
                }
            }
            catch
            {
                ClosePipe(fds, bothEnds: true);
                throw;
            }

            Libc.close(fds[1]);
            fds[1] = -1;
            return fds;
        }

        private static int[] CreatePipe()
        {
            var fds = new int[2];
            fixed (int* p = fds)
            {
                if (Libc.pipe(p) != 0)
                {
                    throw new WorktrunkException(ErrorIds.SpawnFailed, ErrorKind.ResourceUnavailable, "Cannot create a pipe: " + Describe(Libc.Errno) + ".");
                }
            }

            Libc.SetCloseOnExec(fds[0]);
            Libc.SetCloseOnExec(fds[1]);
            return fds;
        }

        private static void ClosePipe(int[]? fds, bool bothEnds)
        {
            if (fds == null)
            {
                return;
            }

            Libc.close(fds[0]);
            if (bothEnds)
            {
                Libc.close(fds[1]);
            }
        }

        private static IntPtr AllocStringArray(List<string> strings)
        {
            var block = Marshal.AllocHGlobal(IntPtr.Size * (strings.Count + 1));
            for (var i = 0; i < strings.Count; i++)
            {
                var bytes = Encoding.UTF8.GetBytes(strings[i]);
                var s = Marshal.AllocHGlobal(bytes.Length + 1);
                Marshal.Copy(bytes, 0, s, bytes.Length);
                Marshal.WriteByte(s, bytes.Length, 0);
                Marshal.WriteIntPtr(block, i * IntPtr.Size, s);
            }

            Marshal.WriteIntPtr(block, strings.Count * IntPtr.Size, IntPtr.Zero);
            return block;
        }

        private static void FreeStringArray(IntPtr block)
        {
            if (block == IntPtr.Zero)
            {
                return;
            }

            for (var i = 0; ; i++)
            {
                var s = Marshal.ReadIntPtr(block, i * IntPtr.Size);
                if (s == IntPtr.Zero)
                {
                    break;
                }

                Marshal.FreeHGlobal(s);
            }

            Marshal.FreeHGlobal(block);
        }

        private static void Check(int rc, string what)
        {
            if (rc != 0)
            {
                throw new WorktrunkException(ErrorIds.SpawnFailed, ErrorKind.ResourceUnavailable, $"{what} failed: {Describe(rc)}.");
            }
        }

        internal static string Describe(int errno) => errno switch
        {
            1 => "operation not permitted",
            2 => "no such file or directory",
            3 => "no such process",
            7 => "argument list too long",
            8 => "not an executable file",
            12 => "out of memory",
            13 => "permission denied",
            20 => "not a directory",
            _ => "error " + errno.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
