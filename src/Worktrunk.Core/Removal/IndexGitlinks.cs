using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Worktrunk.Removal
{
    /// <summary>
    /// The gitlinks (mode 160000: submodule entries) of a worktree's index, read from the index
    /// file itself (gitformat-index: "DIRC", versions 2, 3 and 4, SHA-1 or SHA-256 object ids),
    /// so the submodule gate costs no process. What `git ls-files --stage` prints for those
    /// entries, and nothing else. Returns null ("ask git") for every shape it does not fully
    /// understand: another signature or version, a split index (link extension), a sparse index
    /// (sdir extension or a directory entry), or a file whose entries and extensions do not end
    /// exactly at its trailing checksum.
    /// </summary>
    internal static class IndexGitlinks
    {
        private const uint GitlinkMode = 0xE000; // 0160000
        private const uint TypeMask = 0xF000;
        private const uint DirectoryMode = 0x4000; // 040000: a sparse-index directory entry

        /// <summary>The gitlink paths in the index file <paramref name="indexFile"/>; empty when it does not exist; null when only git can say.</summary>
        internal static List<string>? Read(string indexFile)
        {
            byte[] data;
            try
            {
                if (!File.Exists(indexFile))
                {
                    // git reads a missing index as an empty one.
                    return new List<string>();
                }

                data = File.ReadAllBytes(indexFile);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }

            // The hash size is not in the file: exactly one of SHA-1 and SHA-256 parses to the checksum.
            return Parse(data, 20) ?? Parse(data, 32);
        }

        private static List<string>? Parse(byte[] data, int hashSize)
        {
            if (data.Length < 12 + hashSize || data[0] != 'D' || data[1] != 'I' || data[2] != 'R' || data[3] != 'C')
            {
                return null;
            }

            var version = U32(data, 4);
            if (version < 2 || version > 4)
            {
                return null;
            }

            var count = U32(data, 8);
            var end = data.Length - hashSize;
            var pos = 12;
            var links = new List<string>();
            var previous = Array.Empty<byte>();
            for (uint i = 0; i < count; i++)
            {
                var start = pos;
                var fixedSize = 40 + hashSize + 2;
                if (pos + fixedSize > end)
                {
                    return null;
                }

                var mode = U32(data, pos + 24);
                var flags = (data[pos + 40 + hashSize] << 8) | data[pos + 40 + hashSize + 1];
                pos += fixedSize;
                if ((flags & 0x4000) != 0)
                {
                    if (version < 3 || pos + 2 > end)
                    {
                        return null;
                    }

                    pos += 2;
                }

                var type = mode & TypeMask;
                if (type == DirectoryMode)
                {
                    return null;
                }

                if (version == 4)
                {
                    // Prefix-compressed: a varint of bytes to drop from the previous name, then the NUL-terminated rest.
                    if (!TryVarint(data, ref pos, end, out var strip) || strip > (ulong)previous.Length)
                    {
                        return null;
                    }

                    var nul = Array.IndexOf(data, (byte)0, pos, end - pos);
                    if (nul < 0)
                    {
                        return null;
                    }

                    var keep = previous.Length - (int)strip;
                    var name = new byte[keep + (nul - pos)];
                    Buffer.BlockCopy(previous, 0, name, 0, keep);
                    Buffer.BlockCopy(data, pos, name, keep, nul - pos);
                    previous = name;
                    pos = nul + 1;
                    if (type == GitlinkMode)
                    {
                        links.Add(Encoding.UTF8.GetString(name));
                    }
                }
                else
                {
                    var nul = Array.IndexOf(data, (byte)0, pos, end - pos);
                    if (nul < 0)
                    {
                        return null;
                    }

                    // Only a gitlink's name is decoded (no copy per entry of a large index).
                    if (type == GitlinkMode)
                    {
                        links.Add(Encoding.UTF8.GetString(data, pos, nul - pos));
                    }

                    // 1 to 8 NULs pad the entry to a multiple of 8 bytes.
                    pos = start + ((pos - start + (nul - pos) + 8) & ~7);
                    if (pos > end || pos <= nul)
                    {
                        return null;
                    }
                }
            }

            // Extensions: a 4-byte signature and a 4-byte size each, up to the checksum.
            while (pos < end)
            {
                if (pos + 8 > end)
                {
                    return null;
                }

                var signature = Encoding.ASCII.GetString(data, pos, 4);
                var size = U32(data, pos + 4);
                if (signature == "link" || signature == "sdir" || size > (uint)(end - pos - 8))
                {
                    return null;
                }

                pos += 8 + (int)size;
            }

            return pos == end ? links : null;
        }

        private static uint U32(byte[] data, int at) =>
            ((uint)data[at] << 24) | ((uint)data[at + 1] << 16) | ((uint)data[at + 2] << 8) | data[at + 3];

        /// <summary>git's offset varint (varint.c decode_varint).</summary>
        private static bool TryVarint(byte[] data, ref int pos, int end, out ulong value)
        {
            value = 0;
            if (pos >= end)
            {
                return false;
            }

            var c = data[pos++];
            value = (ulong)(c & 127);
            while ((c & 128) != 0)
            {
                if (pos >= end || value > (ulong.MaxValue >> 8))
                {
                    return false;
                }

                value += 1;
                c = data[pos++];
                value = (value << 7) + (ulong)(c & 127);
            }

            return true;
        }
    }
}
