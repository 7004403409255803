// Contract: asks a listening Unix socket, by its path, which process listens on it. Linux only.
// How: a non-blocking, close-on-exec AF_UNIX stream socket connects to the path and reads
// SO_PEERCRED (the PID that called listen(), translated into our PID namespace) and, where the
// kernel has it (6.5+), SO_PEERPIDFD: a pidfd of that same process, which pins it, so a PID that
// changes hands afterwards shows up as an exited pidfd instead of as someone else. Then the
// connection is closed without a byte written.
// Never blocks: a full backlog is EAGAIN (Busy), not a wait; a path that is no socket, or one
// nobody listens on, is refused at once; nothing is ever opened for reading or writing by path,
// so a FIFO or device at the path is never touched.
// Effect on the listener: it accepts a connection that ends at once. git 2.55's daemon (simple-
// IPC, ipc-unix-socket.c) reads EOF before any packet and drops the connection silently (no
// trace2 event, no log line; checked with GIT_TRACE2_EVENT) and keeps serving: the next
// `git status` is answered by the same PID (RealDaemonDiscoveryTests).
// Trust: the answer names the process that called listen() on whatever socket the path reaches
// now, which need not be the socket /proc/net/unix listed under that path (the path may lead
// elsewhere through a symlink, the file may have been replaced, the listener may have exited).
// getpeername tells the first apart (the reached socket's bound address must be the path itself);
// the caller handles the others (DaemonDiscovery: one listed socket per path, a pidfd that has not
// exited, and the descriptor walk whenever either does not hold).

using System.Text;
using Worktrunk.Interop;

namespace Worktrunk.Daemons
{
    /// <summary>What asking a socket path for its listener found.</summary>
    internal enum PeerStatus
    {
        /// <summary>Connected; the listener's PID (and a pidfd when the kernel gives one).</summary>
        Found,

        /// <summary>Nothing at the path (its file or directory is gone): the kernel still lists the socket by the path it was bound to.</summary>
        PathGone,

        /// <summary>The backlog is full (EAGAIN): the listener is busy or wedged.</summary>
        Busy,

        /// <summary>Refused, denied, too long for sun_path, or any other failure.</summary>
        Failed,
    }

    /// <summary>Who listens on a Unix socket path (Linux).</summary>
    internal static unsafe class SocketPeers
    {
        private static bool s_noPeerPidfd;

        /// <summary>
        /// Connects to <paramref name="path"/> and reads the listener's PID; <paramref name="pidfd"/>
        /// is its pidfd (close-on-exec; the caller closes it) or -1 when the kernel has no SO_PEERPIDFD.
        /// </summary>
        internal static PeerStatus Ask(string path, out int pid, out int pidfd) => Ask(path, out pid, out pidfd, out _);

        /// <summary>
        /// As <see cref="Ask(string, out int, out int)"/>; <paramref name="boundAtPath"/> is true when
        /// the socket the connection reached was bound to exactly <paramref name="path"/> (its
        /// getpeername address), i.e. the path did not lead elsewhere through a symlink.
        /// </summary>
        internal static PeerStatus Ask(string path, out int pid, out int pidfd, out bool boundAtPath)
        {
            pid = 0;
            pidfd = -1;
            boundAtPath = false;
            var byteCount = path.Length == 0 || path.Length >= Libc.SockaddrUnSize ? -1 : Encoding.UTF8.GetByteCount(path);
            if (byteCount <= 0 || byteCount >= Libc.SockaddrUnSize - 2 || path.IndexOf('\0') >= 0)
            {
                // git binds long paths through a chdir (unix-socket.c); that cannot be done here without changing this process's working directory.
                return PeerStatus.Failed;
            }

            // The UTF-8 path on the stack (no allocation per socket).
            var bytes = stackalloc byte[byteCount];
            fixed (char* chars = path)
            {
                Encoding.UTF8.GetBytes(chars, path.Length, bytes, byteCount);
            }

            var fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM_LINUX | Libc.SOCK_NONBLOCK_LINUX | Libc.SOCK_CLOEXEC_LINUX, 0);
            if (fd < 0)
            {
                return PeerStatus.Failed;
            }

            try
            {
                var addr = stackalloc byte[Libc.SockaddrUnSize];
                for (var i = 0; i < Libc.SockaddrUnSize; i++)
                {
                    addr[i] = 0;
                }

                *(ushort*)addr = Libc.AF_UNIX;
                for (var i = 0; i < byteCount; i++)
                {
                    addr[2 + i] = bytes[i];
                }

                int rc;
                do
                {
                    rc = Libc.connect(fd, addr, 2 + byteCount + 1);
                }
                while (rc != 0 && Libc.Errno == Libc.EINTR);

                if (rc != 0)
                {
                    var errno = Libc.Errno;
                    return errno == Libc.ENOENT || errno == Libc.ENOTDIR ? PeerStatus.PathGone
                        : errno == Libc.EAGAIN_LINUX ? PeerStatus.Busy
                        : PeerStatus.Failed;
                }

                // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
                var cred = stackalloc int[3];
                var length = 12;
                if (Libc.getsockopt(fd, Libc.SOL_SOCKET_LINUX, Libc.SO_PEERCRED_LINUX, (byte*)cred, &length) != 0 || length < 4 || cred[0] <= 0)
                {
                    // 0: the listener is in a PID namespace we cannot see.
                    return PeerStatus.Failed;
                }

                pid = cred[0];

                // The listener's address, as it bound it (the accepted side carries the listener's name).
                var peer = stackalloc byte[Libc.SockaddrUnSize];
                var peerLength = Libc.SockaddrUnSize;
                if (Libc.getpeername(fd, peer, &peerLength) == 0 && peerLength > 2)
                {
                    var nameLength = peerLength - 2;
                    while (nameLength > 0 && peer[2 + nameLength - 1] == 0)
                    {
                        nameLength--;
                    }

                    boundAtPath = nameLength == byteCount;
                    for (var i = 0; boundAtPath && i < nameLength; i++)
                    {
                        boundAtPath = peer[2 + i] == bytes[i];
                    }
                }

                if (!s_noPeerPidfd)
                {
                    var value = -1;
                    var size = 4;
                    if (Libc.getsockopt(fd, Libc.SOL_SOCKET_LINUX, Libc.SO_PEERPIDFD_LINUX, (byte*)&value, &size) == 0 && value >= 0)
                    {
                        pidfd = value;
                    }
                    else if (Libc.Errno == Libc.ENOPROTOOPT_LINUX)
                    {
                        s_noPeerPidfd = true;
                    }
                }

                return PeerStatus.Found;
            }
            finally
            {
                Libc.close(fd);
            }
        }
    }
}
