using System.Collections.Generic;
using System.Globalization;

namespace Worktrunk.Daemons
{
    /// <summary>
    /// Parser for Linux /proc/net/unix (`Num RefCount Protocol Flags Type St Inode Path`). Only
    /// listening sockets (flag __SO_ACCEPTCON, 0x10000) bound to a filesystem path whose file name
    /// is an fsmonitor socket are kept. The kernel keeps the path given to bind() even after the
    /// file or its directory is deleted, so the directory must be tested, not the name.
    /// </summary>
    internal static class ProcNetUnix
    {
        private const uint AcceptCon = 0x10000;

        /// <summary>Maps socket inode → bound path, for listening fsmonitor sockets.</summary>
        internal static Dictionary<ulong, string> ParseListeningFsmonitorSockets(string text)
        {
            var map = new Dictionary<ulong, string>();
            var lineStart = 0;
            var first = true;
            while (lineStart < text.Length)
            {
                var lineEnd = text.IndexOf('\n', lineStart);
                if (lineEnd < 0)
                {
                    lineEnd = text.Length;
                }

                if (!first)
                {
                    ParseLine(text, lineStart, lineEnd, map);
                }

                first = false;
                lineStart = lineEnd + 1;
            }

            return map;
        }

        private static void ParseLine(string text, int start, int end, Dictionary<ulong, string> map)
        {
            // Seven whitespace-separated fields, then a single space and the path (which may hold spaces).
            var pos = start;
            string? flags = null;
            string? inode = null;
            for (var field = 0; field < 7; field++)
            {
                while (pos < end && text[pos] == ' ')
                {
                    pos++;
                }

                var tokenStart = pos;
                while (pos < end && text[pos] != ' ')
                {
                    pos++;
                }

                if (tokenStart == pos)
                {
                    return;
                }

                if (field == 3)
                {
                    flags = text.Substring(tokenStart, pos - tokenStart);
                }
                else if (field == 6)
                {
                    inode = text.Substring(tokenStart, pos - tokenStart);
                }
            }

            if (pos >= end || text[pos] != ' ')
            {
                return;
            }

            var path = text.Substring(pos + 1, end - pos - 1);
            if (path.Length == 0 || path[0] != '/' || !FsmonitorSocket.IsFsmonitorSocket(path))
            {
                return;
            }

            if (!uint.TryParse(flags, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var f) || (f & AcceptCon) == 0)
            {
                return;
            }

            if (ulong.TryParse(inode, NumberStyles.None, CultureInfo.InvariantCulture, out var ino))
            {
                map[ino] = path;
            }
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
