using System;
using System.Globalization;
using Worktrunk.Interop;

namespace Worktrunk.IO
{
    /// <summary>The identity of a file: Unix device and inode, Windows volume serial number and file index.</summary>
    internal readonly struct FileIdentity : IEquatable<FileIdentity>
    {
        internal FileIdentity(ulong device, ulong index)
        {
            Device = device;
            Index = index;
        }

        internal ulong Device { get; }

        /// <summary>The inode (Unix) or file index (Windows).</summary>
        internal ulong Index { get; }

        public static bool operator ==(FileIdentity a, FileIdentity b) => a.Equals(b);

        public static bool operator !=(FileIdentity a, FileIdentity b) => !a.Equals(b);

        public bool Equals(FileIdentity other) => Device == other.Device && Index == other.Index;

        public override bool Equals(object? obj) => obj is FileIdentity other && Equals(other);

        public override int GetHashCode() => Device.GetHashCode() ^ (Index.GetHashCode() * 31);

        public override string ToString() => "device " + Device.ToString(CultureInfo.InvariantCulture) + ", inode " + Index.ToString(CultureInfo.InvariantCulture);

        /// <summary>stat(2) of <paramref name="path"/> (following symlinks, as the daemon's own watch does); null when it cannot be read. Linux.</summary>
        internal static unsafe FileIdentity? Of(string path)
        {
            if (!Platform.IsLinux)
            {
                return null;
            }

            var buffer = stackalloc byte[Libc.StatSize];
            try
            {
                if (Libc.stat(path, buffer) != 0)
                {
                    return null;
                }
            }
            catch (EntryPointNotFoundException)
            {
                // glibc before 2.33 exports only __xstat.
                return null;
            }

            return new FileIdentity(*(ulong*)buffer, *(ulong*)(buffer + 8));
        }
    }
}
