using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Xunit;

namespace Worktrunk.Core.Tests.Adversarial
{
    /// <summary>
    /// Canary trees planted where nothing may be touched (outside the repository, the targets of
    /// planted symlinks), and their byte-for-byte snapshot: every file's bytes, every link's target,
    /// every directory.
    /// </summary>
    internal static class TrashAttackCanary
    {
        [DllImport("libc", SetLastError = true)]
        private static extern int lchown(string path, int owner, int group);

        /// <summary>Creates <paramref name="dir"/> holding files with random bytes in two levels, and returns its snapshot.</summary>
        internal static string Plant(string dir)
        {
            Directory.CreateDirectory(Path.Combine(dir, "nested", "deeper"));
            File.WriteAllBytes(Path.Combine(dir, "precious.bin"), RandomNumberGenerator.GetBytes(4096));
            File.WriteAllText(Path.Combine(dir, "nested", "notes.txt"), "irreplaceable " + Guid.NewGuid());
            File.WriteAllBytes(Path.Combine(dir, "nested", "deeper", "data.bin"), RandomNumberGenerator.GetBytes(777));
            return Snapshot(dir);
        }

        /// <summary>Every entry under <paramref name="dir"/> (links not followed) with its content, sorted.</summary>
        internal static string Snapshot(string dir)
        {
            Assert.True(Directory.Exists(dir), "the canary directory itself is gone: " + dir);
            var entries = new DirectoryInfo(dir).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
                .Select(e => Path.GetRelativePath(dir, e.FullName) + " " + Describe(e))
                .OrderBy(s => s, StringComparer.Ordinal);
            return string.Join("\n", entries);
        }

        internal static void AssertIntact(string dir, string snapshot) => Assert.Equal(snapshot, Snapshot(dir));

        /// <summary>Gives <paramref name="path"/> (not following a link) to another user, as a second account on the machine would own it.</summary>
        internal static void GiveToAnotherUser(string path)
        {
            Assert.True(lchown(path, 4242, 4242) == 0, "lchown failed (errno " + Marshal.GetLastWin32Error() + "); these tests run as root");
        }

        private static string Describe(FileSystemInfo e)
        {
            if (e.LinkTarget != null)
            {
                return "-> " + e.LinkTarget;
            }

            return e is FileInfo f ? Convert.ToBase64String(File.ReadAllBytes(f.FullName)) : "/";
        }
    }
}
