// A stand-in fsmonitor daemon. Started as `git fsmonitor--daemon run` (argv[0] set by the
// launcher), it listens on the Unix socket named by WT_STANDIN_SOCKET and speaks just enough of
// git's simple-IPC protocol to honour `git fsmonitor--daemon stop`: a pkt-line `quit` followed by
// a flush packet makes it answer with a flush packet (as git's IPC server does), unlink its socket
// and exit 0.
// WT_STANDIN_MODE, comma-separated:
//   ignore-term  SIGTERM is ignored (only SIGKILL ends it)
//   no-socket    binds nothing: a process that looks like a daemon but holds no socket
//   wedged       accepts connections but never reads them (a wedged daemon ignores IPC stop)
// On SIGTERM (default mode) it dies at once without unlinking the socket, as git's daemon does
// when killed. It never signals anything. It exits by itself when the process that started it
// dies (WT_STANDIN_PARENT), so an aborted test run or benchmark leaves no stand-in behind.
// Sockets are made with libc directly (no System.Net): the process then loads only CoreLib and
// holds about as few descriptors as git's own daemon, which keeps 100 of them cheap to run.
// Platform: Linux and macOS.

using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace Worktrunk.StandInDaemon
{
    internal static unsafe class Program
    {
        private const int AfUnix = 1;
        private const int SockStream = 1;
        private const int SigTerm = 15;

        /// <summary>A pkt-line flush packet: git's IPC server ends every answer with one.</summary>
        private static readonly byte[] FlushPacket = Encoding.ASCII.GetBytes("0000");

        private static int Main()
        {
            var socketPath = Environment.GetEnvironmentVariable("WT_STANDIN_SOCKET");
            var mode = "," + (Environment.GetEnvironmentVariable("WT_STANDIN_MODE") ?? string.Empty) + ",";
            var ignoreTerm = mode.Contains(",ignore-term,", StringComparison.Ordinal);
            var noSocket = mode.Contains(",no-socket,", StringComparison.Ordinal);
            var wedged = mode.Contains(",wedged,", StringComparison.Ordinal);

            // SIG_IGN for ignore-term; otherwise SIG_DFL, so SIGTERM kills at once with no cleanup
            // (replacing the runtime's graceful-shutdown handler).
            signal(SigTerm, ignoreTerm ? (IntPtr)1 : IntPtr.Zero);
            WatchParent();

            if (noSocket || string.IsNullOrEmpty(socketPath))
            {
                Thread.Sleep(Timeout.Infinite);
                return 0;
            }

            var listener = socket(AfUnix, SockStream, 0);
            if (listener < 0 || !Bind(listener, socketPath!) || listen(listener, 16) != 0)
            {
                return 3;
            }

            while (true)
            {
                var client = accept(listener, IntPtr.Zero, IntPtr.Zero);
                if (client < 0)
                {
                    continue;
                }

                if (wedged)
                {
                    // Keep the connection open and never answer.
                    continue;
                }

                var quit = ReadsQuit(client);

                // git's IPC server answers every request with a flush packet (an empty answer);
                // without it git's `stop` reports "could not read IPC response" and fails.
                fixed (byte* flush = FlushPacket)
                {
                    write(client, flush, (IntPtr)FlushPacket.Length);
                }

                close(client);
                if (quit)
                {
                    try
                    {
                        File.Delete(socketPath!);
                    }
                    catch (IOException)
                    {
                    }

                    return 0;
                }
            }
        }

        /// <summary>
        /// Exits when the test or benchmark process that started it (WT_STANDIN_PARENT, its parent at
        /// start) is gone, so an aborted run leaves no stand-in behind. A stand-in whose parent was
        /// already someone else at start is left alone. Polls getppid(): no descriptor is opened.
        /// </summary>
        private static void WatchParent()
        {
            if (!int.TryParse(Environment.GetEnvironmentVariable("WT_STANDIN_PARENT"), out var parent) || getppid() != parent)
            {
                return;
            }

            new Thread(() =>
            {
                while (getppid() == parent)
                {
                    Thread.Sleep(500);
                }

                Environment.Exit(0);
            }) { IsBackground = true, Name = "parent watch" }.Start();
        }

        private static bool Bind(int fd, string path)
        {
            var bytes = Encoding.UTF8.GetBytes(path);
            var addr = stackalloc byte[110];
            int length;
            if (OperatingSystem.IsMacOS())
            {
                if (bytes.Length > 103)
                {
                    return false;
                }

                addr[0] = (byte)(2 + bytes.Length + 1);
                addr[1] = AfUnix;
                Marshal.Copy(bytes, 0, (IntPtr)(addr + 2), bytes.Length);
                length = 2 + bytes.Length + 1;
            }
            else
            {
                if (bytes.Length > 107)
                {
                    return false;
                }

                *(ushort*)addr = AfUnix;
                Marshal.Copy(bytes, 0, (IntPtr)(addr + 2), bytes.Length);
                length = 2 + bytes.Length + 1;
            }

            return bind(fd, addr, length) == 0;
        }

        /// <summary>Reads pkt-lines until a flush packet or EOF; true when one of them was `quit`.</summary>
        private static bool ReadsQuit(int client)
        {
            var quit = false;
            var header = new byte[4];
            while (ReadExactly(client, header))
            {
                int length;
                try
                {
                    length = Convert.ToInt32(Encoding.ASCII.GetString(header), 16);
                }
                catch (FormatException)
                {
                    return quit;
                }

                if (length < 4)
                {
                    return quit;
                }

                var payload = new byte[length - 4];
                if (!ReadExactly(client, payload))
                {
                    return quit;
                }

                if (Encoding.ASCII.GetString(payload).TrimEnd('\n') == "quit")
                {
                    quit = true;
                }
            }

            return quit;
        }

        private static bool ReadExactly(int fd, byte[] buffer)
        {
            var got = 0;
            fixed (byte* b = buffer)
            {
                while (got < buffer.Length)
                {
                    var n = (long)read(fd, b + got, (IntPtr)(buffer.Length - got));
                    if (n <= 0)
                    {
                        return false;
                    }

                    got += (int)n;
                }
            }

            return true;
        }

        [DllImport("libc")]
        private static extern int getppid();

        [DllImport("libc", SetLastError = true)]
        private static extern IntPtr signal(int signum, IntPtr handler);

        [DllImport("libc", SetLastError = true)]
        private static extern int socket(int domain, int type, int protocol);

        [DllImport("libc", SetLastError = true)]
        private static extern int bind(int fd, byte* addr, int length);

        [DllImport("libc", SetLastError = true)]
        private static extern int listen(int fd, int backlog);

        [DllImport("libc", SetLastError = true)]
        private static extern int accept(int fd, IntPtr addr, IntPtr length);

        [DllImport("libc", SetLastError = true)]
        private static extern IntPtr read(int fd, byte* buf, IntPtr count);

        [DllImport("libc", SetLastError = true)]
        private static extern int close(int fd);

        [DllImport("libc", SetLastError = true)]
        private static extern IntPtr write(int fd, byte* buf, IntPtr count);
    }
}
