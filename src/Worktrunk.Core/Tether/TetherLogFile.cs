// Contract: creating and appending to tether logs. A log holds the command's whole output
// (tokens, URLs with secrets, paths), so on Unix it is created with mode 0600 from birth:
// mkstemp makes a private temporary file (O_EXCL, 0600) next to the log, and a rename that never
// replaces anything (IO/NoReplaceRename) gives it its name; there is no moment at which the log
// exists with a wider mode, and no chmod. An append opens an existing log only (O_APPEND,
// O_NOFOLLOW, no O_CREAT): a deleted log is not recreated, and a symlink put in its place is not
// written through.
// Platform: Unix as above (Linux runs; macOS compiled, not run here). Windows: FileStream
// (CreateNew / Append); the file inherits its directory's ACL, as every file there does.

using System;
using System.IO;
using System.Text;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.IO;

namespace Worktrunk.Tether
{
    /// <summary>Tether log files: created private, appended without creating.</summary>
    internal static unsafe class TetherLogFile
    {
        /// <summary>Creates <paramref name="path"/> empty (0600 on Unix); false when something already exists there. Throws IOException or UnauthorizedAccessException for anything else.</summary>
        internal static bool TryCreateNew(string path)
        {
            if (Platform.IsWindows)
            {
                try
                {
                    using (new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
                    {
                    }

                    return true;
                }
                catch (IOException) when (File.Exists(path) || Directory.Exists(path))
                {
                    return false;
                }
            }

            if (Exists(path))
            {
                return false;
            }

            var directory = Path.GetDirectoryName(path) ?? ".";
            var template = Encoding.UTF8.GetBytes(Path.Combine(directory, ".wt-tether-log-XXXXXX") + "\0");
            int fd;
            fixed (byte* t = template)
            {
                fd = Libc.TetherMkstemp(t);
            }

            if (fd < 0)
            {
                var errno = Libc.Errno;
                throw errno == Libc.EACCES || errno == Libc.EPERM
                    ? new UnauthorizedAccessException($"Cannot create a log in {Printable.Quote(directory)}: permission denied.")
                    : (Exception)new IOException($"Cannot create a log in {Printable.Quote(directory)}: error {errno}.");
            }

            Libc.close(fd);
            var temporary = Encoding.UTF8.GetString(template, 0, template.Length - 1);
            try
            {
                NoReplaceRename.Move(temporary, path);
                return true;
            }
            catch (IOException) when (Exists(path))
            {
                return false;
            }
            finally
            {
                if (Exists(temporary))
                {
                    File.Delete(temporary);
                }
            }
        }

        /// <summary>Creates <paramref name="path"/> (0600 on Unix) unless it exists; an existing file is used as it is.</summary>
        internal static void CreateOrUse(string path)
        {
            if (!Exists(path))
            {
                TryCreateNew(path);
            }
        }

        /// <summary>Appends <paramref name="text"/> to an existing log; false when the log is missing, is a symlink, or cannot be written.</summary>
        internal static bool Append(string path, string text)
        {
            var bytes = new UTF8Encoding(false).GetBytes(text);
            if (Platform.IsWindows)
            {
                try
                {
                    using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                    stream.Seek(0, SeekOrigin.End);
                    stream.Write(bytes, 0, bytes.Length);
                    return true;
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    return false;
                }
            }

            var fd = OpenForAppend(path);
            if (fd < 0)
            {
                return false;
            }

            try
            {
                fixed (byte* b = bytes)
                {
                    var done = 0;
                    while (done < bytes.Length)
                    {
                        var n = (long)Libc.write(fd, b + done, (IntPtr)(bytes.Length - done));
                        if (n <= 0)
                        {
                            if (n < 0 && Libc.Errno == Libc.EINTR)
                            {
                                continue;
                            }

                            return false;
                        }

                        done += (int)n;
                    }
                }

                return true;
            }
            finally
            {
                Libc.close(fd);
            }
        }

        /// <summary>
        /// Unix: opens an existing log for appending (O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
        /// no O_CREAT) and returns the descriptor, or -1 (errno set) when it is missing, a symlink
        /// or not writable. The caller closes it.
        /// </summary>
        internal static int OpenForAppend(string path)
        {
            var name = Encoding.UTF8.GetBytes(path + "\0");
            fixed (byte* n = name)
            {
                return Libc.open_bytes(n, Libc.O_WRONLY | Libc.TetherAppendFlag | Libc.TetherNoFollowFlag | Libc.O_CLOEXEC);
            }
        }

        private static bool Exists(string path)
        {
            var buffer = stackalloc byte[Libc.OpaqueSize];
            return Libc.lstat(path, buffer) == 0;
        }
    }
}
