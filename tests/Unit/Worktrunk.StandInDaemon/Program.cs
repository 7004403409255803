// A stand-in fsmonitor daemon. Started as `git fsmonitor--daemon run` (argv[0] set by the
// launcher), it listens on the Unix socket named by WT_STANDIN_SOCKET and speaks just enough of
// git's simple-IPC protocol to honour `git fsmonitor--daemon stop`: a pkt-line `quit` followed by
// a flush packet makes it unlink its socket and exit 0.
// WT_STANDIN_MODE, comma-separated:
//   ignore-term  SIGTERM is ignored (only SIGKILL ends it)
//   no-socket    binds nothing: a process that looks like a daemon but holds no socket
//   wedged       accepts connections but never reads them (a wedged daemon ignores IPC stop)
// On SIGTERM (default mode) it exits at once without unlinking the socket, as git's daemon does
// when killed. It never signals anything.

using System;
using System.IO;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace Worktrunk.StandInDaemon
{
    internal static class Program
    {
        private static PosixSignalRegistration? s_term;

        private static int Main()
        {
            var socketPath = Environment.GetEnvironmentVariable("WT_STANDIN_SOCKET");
            var mode = "," + (Environment.GetEnvironmentVariable("WT_STANDIN_MODE") ?? string.Empty) + ",";
            var ignoreTerm = mode.Contains(",ignore-term,", StringComparison.Ordinal);
            var noSocket = mode.Contains(",no-socket,", StringComparison.Ordinal);
            var wedged = mode.Contains(",wedged,", StringComparison.Ordinal);

            if (ignoreTerm)
            {
                s_term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => ctx.Cancel = true);
            }

            // Otherwise SIGTERM takes the runtime's default path: exit at once, socket file left behind.

            if (noSocket || string.IsNullOrEmpty(socketPath))
            {
                Thread.Sleep(Timeout.Infinite);
                return 0;
            }

            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            listener.Listen(16);
            while (true)
            {
                var client = listener.Accept();
                if (wedged)
                {
                    // Keep the connection open and never answer.
                    continue;
                }

                if (ReadsQuit(client))
                {
                    try
                    {
                        File.Delete(socketPath);
                    }
                    catch (IOException)
                    {
                    }

                    client.Dispose();
                    return 0;
                }

                client.Dispose();
            }
        }

        /// <summary>Reads pkt-lines until a flush packet or EOF; true when one of them was `quit`.</summary>
        private static bool ReadsQuit(Socket client)
        {
            client.ReceiveTimeout = 2000;
            var quit = false;
            try
            {
                while (true)
                {
                    var header = ReadExactly(client, 4);
                    if (header == null)
                    {
                        return quit;
                    }

                    var length = Convert.ToInt32(Encoding.ASCII.GetString(header), 16);
                    if (length == 0)
                    {
                        return quit;
                    }

                    var payload = ReadExactly(client, length - 4);
                    if (payload == null)
                    {
                        return quit;
                    }

                    if (Encoding.ASCII.GetString(payload).TrimEnd('\n') == "quit")
                    {
                        quit = true;
                    }
                }
            }
            catch (Exception e) when (e is SocketException || e is FormatException || e is ArgumentException)
            {
                return quit;
            }
        }

        private static byte[]? ReadExactly(Socket s, int count)
        {
            var buffer = new byte[count];
            var got = 0;
            while (got < count)
            {
                var n = s.Receive(buffer, got, count - got, SocketFlags.None);
                if (n == 0)
                {
                    return null;
                }

                got += n;
            }

            return buffer;
        }
    }
}
