using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using Worktrunk.Interop;
using Worktrunk.Processes;

namespace Worktrunk.Daemons
{
    /// <summary>
    /// Parser for Linux /proc/net/unix (`Num RefCount Protocol Flags Type St Inode Path`). Only
    /// listening sockets (flag __SO_ACCEPTCON, 0x10000) bound to a filesystem path whose file name
    /// is an fsmonitor socket are kept. The kernel keeps the path given to bind() even after the
    /// file or its directory is deleted, so the directory must be tested, not the name.
    /// Read as bytes into a buffer kept per thread; a line is tested by its last bytes (the socket
    /// name) before anything else, and only the paths kept are decoded.
    /// </summary>
    internal static class ProcNetUnix
    {
        private const uint AcceptCon = 0x10000;

        private static readonly byte[] FileNameBytes = Encoding.ASCII.GetBytes(FsmonitorSocket.FileName);

        private static readonly byte[] RemotePrefixBytes = Encoding.ASCII.GetBytes(FsmonitorSocket.RemotePrefix);

        /// <summary>The read buffer, kept per thread between calls (the file grows with every socket on the machine).</summary>
        [ThreadStatic]
        private static byte[]? t_buffer;

        /// <summary>
        /// Reads /proc/net/unix (raw reads into a buffer kept per thread, no text decoding of the
        /// lines it skips) and maps socket inode → bound path for listening fsmonitor sockets.
        /// Throws IOException when the file cannot be read (as File.ReadAllText did).
        /// </summary>
        internal static Dictionary<ulong, string> ReadListeningFsmonitorSockets()
        {
            var buffer = t_buffer ??= new byte[64 * 1024];
            var n = ProcFs.ReadNetUnix(ref buffer);
            t_buffer = buffer;
            if (n < 0)
            {
                throw new IOException("cannot read /proc/net/unix (errno " + Libc.Errno.ToString(CultureInfo.InvariantCulture) + ")");
            }

            return ParseListeningFsmonitorSockets(buffer, n);
        }

        /// <summary>Maps socket inode → bound path, for listening fsmonitor sockets (text form; tests and callers holding the text).</summary>
        internal static Dictionary<ulong, string> ParseListeningFsmonitorSockets(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            return ParseListeningFsmonitorSockets(bytes, bytes.Length);
        }

        /// <summary>
        /// Maps socket inode → bound path, for listening fsmonitor sockets, from the first
        /// <paramref name="length"/> bytes of /proc/net/unix. Each line is tested first by its end
        /// (the socket name), then by its flags; only a kept line's path is decoded (UTF-8).
        /// </summary>
        internal static Dictionary<ulong, string> ParseListeningFsmonitorSockets(byte[] text, int length)
        {
            var map = new Dictionary<ulong, string>();
            var lineStart = Array.IndexOf(text, (byte)'\n', 0, length) + 1;
            if (lineStart == 0)
            {
                // The header alone (or nothing): no socket lines.
                return map;
            }

            while (lineStart < length)
            {
                var lineEnd = Array.IndexOf(text, (byte)'\n', lineStart, length - lineStart);
                if (lineEnd < 0)
                {
                    lineEnd = length;
                }

                if (EndsWithFsmonitorName(text, lineStart, lineEnd))
                {
                    ParseLine(text, lineStart, lineEnd, map);
                }

                lineStart = lineEnd + 1;
            }

            return map;
        }

        /// <summary>
        /// A cheap test on the line's last bytes: its last '/'-separated part is the socket file name,
        /// or `.git-fsmonitor-` and 40 or 64 hex digits (FsmonitorSocket.IsFsmonitorSocket's shapes).
        /// </summary>
        private static bool EndsWithFsmonitorName(byte[] text, int start, int end)
        {
            var slash = end - 1;
            while (slash >= start && text[slash] != (byte)'/' && text[slash] != (byte)' ')
            {
                slash--;
            }

            if (slash < start || text[slash] != (byte)'/')
            {
                // A bound path always has a '/'; its name has no space for the shapes kept.
                return false;
            }

            var nameStart = slash + 1;
            var nameLength = end - nameStart;
            if (nameLength == FileNameBytes.Length)
            {
                return Same(text, nameStart, FileNameBytes);
            }

            var hex = nameLength - RemotePrefixBytes.Length;
            if ((hex != 40 && hex != 64) || !Same(text, nameStart, RemotePrefixBytes))
            {
                return false;
            }

            for (var i = nameStart + RemotePrefixBytes.Length; i < end; i++)
            {
                var c = text[i];
                if (!((c >= (byte)'0' && c <= (byte)'9') || (c >= (byte)'a' && c <= (byte)'f')))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool Same(byte[] text, int at, byte[] what)
        {
            for (var i = 0; i < what.Length; i++)
            {
                if (text[at + i] != what[i])
                {
                    return false;
                }
            }

            return true;
        }

        private static void ParseLine(byte[] text, int start, int end, Dictionary<ulong, string> map)
        {
            // Seven whitespace-separated fields, then a single space and the path (which may hold spaces).
            var pos = start;
            var flagsStart = 0;
            var flagsEnd = 0;
            var inodeStart = 0;
            var inodeEnd = 0;
            for (var field = 0; field < 7; field++)
            {
                while (pos < end && text[pos] == (byte)' ')
                {
                    pos++;
                }

                var tokenStart = pos;
                while (pos < end && text[pos] != (byte)' ')
                {
                    pos++;
                }

                if (tokenStart == pos)
                {
                    return;
                }

                if (field == 3)
                {
                    flagsStart = tokenStart;
                    flagsEnd = pos;
                }
                else if (field == 6)
                {
                    inodeStart = tokenStart;
                    inodeEnd = pos;
                }
            }

            if (pos >= end || text[pos] != (byte)' ')
            {
                return;
            }

            var pathStart = pos + 1;
            if (pathStart >= end || text[pathStart] != (byte)'/')
            {
                // Abstract sockets ('@') and unbound ones are never a daemon's.
                return;
            }

            if (!TryHex(text, flagsStart, flagsEnd, out var flags) || (flags & AcceptCon) == 0 || !TryDecimal(text, inodeStart, inodeEnd, out var inode))
            {
                return;
            }

            var path = Encoding.UTF8.GetString(text, pathStart, end - pathStart);

            // The decoded path decides, exactly as the text parser did (the byte test above only skips early).
            if (FsmonitorSocket.IsFsmonitorSocket(path))
            {
                map[inode] = path;
            }
        }

        /// <summary>uint.TryParse(HexNumber) for a field without spaces: 1–8 significant hex digits (leading zeros allowed).</summary>
        private static bool TryHex(byte[] text, int start, int end, out uint value)
        {
            value = 0;
            if (start >= end)
            {
                return false;
            }

            for (var i = start; i < end; i++)
            {
                var c = text[i];
                uint d;
                if (c >= (byte)'0' && c <= (byte)'9')
                {
                    d = (uint)(c - '0');
                }
                else if (c >= (byte)'a' && c <= (byte)'f')
                {
                    d = (uint)(c - 'a' + 10);
                }
                else if (c >= (byte)'A' && c <= (byte)'F')
                {
                    d = (uint)(c - 'A' + 10);
                }
                else
                {
                    return false;
                }

                if (value > 0x0FFFFFFF)
                {
                    return false;
                }

                value = (value << 4) | d;
            }

            return true;
        }

        /// <summary>ulong.TryParse(NumberStyles.None) of bytes: digits only, no overflow (also ProcFs's stat fields).</summary>
        internal static bool TryDecimal(byte[] text, int start, int end, out ulong value)
        {
            value = 0;
            if (start >= end)
            {
                return false;
            }

            for (var i = start; i < end; i++)
            {
                var c = text[i];
                if (c < (byte)'0' || c > (byte)'9')
                {
                    return false;
                }

                var d = (ulong)(c - '0');
                if (value > (ulong.MaxValue - d) / 10)
                {
                    return false;
                }

                value = (value * 10) + d;
            }

            return true;
        }

        /// <summary>The inode of an fd link target `socket:[12345]`, or 0.</summary>
        internal static unsafe ulong SocketInode(string linkTarget)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(linkTarget);
            fixed (byte* b = bytes)
            {
                return SocketInode(b, bytes.Length);
            }
        }

        /// <summary>The inode of a descriptor link's text `socket:[12345]` (<paramref name="length"/> bytes, not NUL-terminated), or 0: the one parser of that form.</summary>
        internal static unsafe ulong SocketInode(byte* link, int length)
        {
            const string Prefix = "socket:[";
            if (length < Prefix.Length + 2 || link[length - 1] != (byte)']')
            {
                return 0;
            }

            for (var i = 0; i < Prefix.Length; i++)
            {
                if (link[i] != (byte)Prefix[i])
                {
                    return 0;
                }
            }

            ulong ino = 0;
            for (var i = Prefix.Length; i < length - 1; i++)
            {
                var c = link[i];
                if (c < (byte)'0' || c > (byte)'9' || ino > (ulong.MaxValue - 9) / 10)
                {
                    return 0;
                }

                ino = (ino * 10) + (ulong)(c - (byte)'0');
            }

            return ino;
        }
    }
}
