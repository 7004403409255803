using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using Worktrunk.Interop;

namespace Worktrunk.IO
{
    /// <summary>
    /// Path canonicalization. Every comparison of worktree, git-dir and socket paths goes through
    /// <see cref="Canonicalize"/> on both sides, so a repository reached through a symlink (or
    /// macOS's /var → /private/var) never makes a live thing look like something else.
    /// </summary>
    internal static class PathUtil
    {
        internal static readonly StringComparison Comparison = Platform.IsWindows || Platform.IsMacOS ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

        /// <summary>
        /// The canonical absolute form: symlinks resolved (Unix realpath) for the longest existing
        /// ancestor, the rest normalized lexically (so a deleted directory keeps a stable name),
        /// no trailing separator.
        /// </summary>
        internal static string Canonicalize(string path)
        {
            var full = TrimEnd(Path.GetFullPath(path));
            if (Platform.IsWindows)
            {
                return full;
            }

            var tail = new Stack<string>();
            var current = full;
            while (true)
            {
                var real = RealPath(current);
                if (real != null)
                {
                    foreach (var part in tail)
                    {
                        real = Path.Combine(real, part);
                    }

                    return TrimEnd(real);
                }

                var parent = Path.GetDirectoryName(current);
                if (string.IsNullOrEmpty(parent))
                {
                    return full;
                }

                tail.Push(Path.GetFileName(current));
                current = parent!;
            }
        }

        /// <summary>True when <paramref name="path"/> is <paramref name="root"/> or lies below it (both canonical).</summary>
        internal static bool IsAtOrUnder(string path, string root)
        {
            if (string.Equals(path, root, Comparison))
            {
                return true;
            }

            var prefix = root.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? root : root + Path.DirectorySeparatorChar;
            return path.StartsWith(prefix, Comparison);
        }

        internal static string TrimEnd(string path)
        {
            var root = Path.GetPathRoot(path) ?? string.Empty;
            while (path.Length > root.Length && (path.EndsWith("/", StringComparison.Ordinal) || path.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal)))
            {
                path = path.Substring(0, path.Length - 1);
            }

            return path;
        }

        private static string? RealPath(string path)
        {
            var p = Libc.realpath(path, IntPtr.Zero);
            if (p == IntPtr.Zero)
            {
                return null;
            }

            try
            {
                return Marshal.PtrToStringAnsi(p);
            }
            finally
            {
                Libc.free(p);
            }
        }
    }
}
