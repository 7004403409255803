// Contract: small raw file reads without FileStream (no fstat, flock or pread per call): one
// open(O_RDONLY | O_CLOEXEC), reads into a caller's buffer, close. Read-only; a file that cannot be
// opened yields -1, never an exception. Used for procfs files (through ProcFs) and for git's small
// files on hot paths (FileSystemView). Platform: Unix only (open/read/close through Libc).

using System;
using System.Text;
using Worktrunk.Interop;

namespace Worktrunk.IO
{
    /// <summary>Raw reads of whole small files into a caller's buffer.</summary>
    internal static unsafe class FileBytes
    {
        /// <summary>Reads a small file (up to the buffer's size) with one open/read/close; the byte count, or -1 when it cannot be opened. Unix only.</summary>
        internal static int TryReadFile(string path, byte[] buffer)
        {
            var fd = OpenForReading(path);
            return fd < 0 ? -1 : ReadAll(fd, buffer, buffer.Length);
        }

        /// <summary>
        /// Reads a whole file (a procfs text file such as /proc/net/unix or an fdinfo) into
        /// <paramref name="buffer"/>, replacing it with a larger one (doubled) while it is full; the
        /// byte count, or -1 when the file cannot be opened or read. Unix only.
        /// </summary>
        internal static int ReadWholeFile(string path, ref byte[] buffer)
        {
            var fd = OpenForReading(path);
            if (fd < 0)
            {
                return -1;
            }

            try
            {
                var total = 0;
                while (true)
                {
                    if (total == buffer.Length)
                    {
                        var larger = new byte[buffer.Length * 2];
                        Buffer.BlockCopy(buffer, 0, larger, 0, total);
                        buffer = larger;
                    }

                    var got = ReadOnce(fd, buffer, total, buffer.Length - total);
                    if (got < 0)
                    {
                        return -1;
                    }

                    if (got == 0)
                    {
                        return total;
                    }

                    total += got;
                }
            }
            finally
            {
                Libc.close(fd);
            }
        }

        /// <summary>open(path, O_RDONLY | O_CLOEXEC) with the path as UTF-8 on the stack; the descriptor or -1.</summary>
        private static int OpenForReading(string path)
        {
            var byteCount = Encoding.UTF8.GetByteCount(path);
            if (byteCount > 4000)
            {
                return -1;
            }

            var bytes = stackalloc byte[byteCount + 1];
            fixed (char* chars = path)
            {
                Encoding.UTF8.GetBytes(chars, path.Length, bytes, byteCount);
            }

            bytes[byteCount] = 0;
            return Libc.open_bytes(bytes, Libc.O_RDONLY | (Platform.IsMacOS ? Libc.O_CLOEXEC_MACOS : Libc.O_CLOEXEC_LINUX));
        }

        /// <summary>
        /// Reads up to <paramref name="limit"/> bytes from <paramref name="fd"/> and closes it. Without
        /// <paramref name="toEnd"/> one read is enough: procfs returns a small file whole, and a short
        /// read can only make a record unparsable or a prefilter miss, never match what is not there.
        /// </summary>
        internal static int ReadAll(int fd, byte[] buffer, int limit, bool toEnd = true)
        {
            try
            {
                var total = 0;
                fixed (byte* b = buffer)
                {
                    while (total < limit)
                    {
                        var got = (long)Libc.read(fd, b + total, (IntPtr)(limit - total));
                        if (got < 0 && Libc.Errno == Libc.EINTR)
                        {
                            continue;
                        }

                        if (got <= 0)
                        {
                            break;
                        }

                        total += (int)got;
                        if (!toEnd)
                        {
                            break;
                        }
                    }
                }

                return total;
            }
            finally
            {
                Libc.close(fd);
            }
        }

        /// <summary>One read(2) of up to <paramref name="count"/> bytes at <paramref name="offset"/>, retried on EINTR; the byte count, 0 at end of file, or -1.</summary>
        internal static int ReadOnce(int fd, byte[] buffer, int offset, int count)
        {
            fixed (byte* b = buffer)
            {
                while (true)
                {
                    var got = (long)Libc.read(fd, b + offset, (IntPtr)count);
                    if (got < 0 && Libc.Errno == Libc.EINTR)
                    {
                        continue;
                    }

                    return (int)got;
                }
            }
        }
    }
}
