using System;
using System.Net.Sockets;
using Worktrunk.Interop;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>Tests that count connections to their sockets run alone: no other test's discovery runs meanwhile.</summary>
    [CollectionDefinition(nameof(ConnectionCounter), DisableParallelization = true)]
    public sealed class ConnectionCounterCollection
    {
    }

    /// <summary>
    /// A real listening Unix socket of this test process at a socket path, to see whether this
    /// process connected to it: every connection waits in its accept queue until
    /// <see cref="Take"/> accepts and closes it, counting those whose peer (SO_PEERCRED) is this
    /// process (another test run's discovery may connect too).
    /// </summary>
    internal sealed class ConnectionCounter : IDisposable
    {
        private readonly Socket _socket;

        internal ConnectionCounter(string path)
        {
            _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _socket.Bind(new UnixDomainSocketEndPoint(path));
            _socket.Listen(16);
            _socket.Blocking = false;
        }

        /// <summary>How many connections arrived since the last call.</summary>
        internal int Take()
        {
            var n = 0;
            while (true)
            {
                try
                {
                    using var c = _socket.Accept();
                    var cred = new byte[12];
                    if (c.GetRawSocketOption(Libc.SOL_SOCKET_LINUX, Libc.SO_PEERCRED_LINUX, cred) >= 4 && BitConverter.ToInt32(cred, 0) == Environment.ProcessId)
                    {
                        n++;
                    }
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
                {
                    return n;
                }
            }
        }

        public void Dispose() => _socket.Dispose();
    }
}
