using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using Worktrunk.Daemons;
using Worktrunk.IO;
using Worktrunk.Processes;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>
    /// The byte parsers of /proc/net/unix and /proc/&lt;pid&gt;/stat (no text decoding of what they
    /// skip) give exactly what the text parsers they replaced give: on the machine's real files and
    /// on crafted lines (paths with spaces, abstract `@` sockets, deleted paths, non-ASCII, odd fields).
    /// </summary>
    public sealed class ProcBytesParserTests : IDisposable
    {
        private readonly string _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "wt-pbp-" + Guid.NewGuid().ToString("N").Substring(0, 8))).FullName;

        public void Dispose() => TestFiles.DeleteTree(_dir);

        private static void AssertSameAsReference(string text)
        {
            var expected = ReferenceProcNetUnix.Parse(text);
            var bytes = Encoding.UTF8.GetBytes(text);
            var actual = ProcNetUnix.ParseListeningFsmonitorSockets(bytes, bytes.Length);
            Assert.Equal(expected.OrderBy(kv => kv.Key), actual.OrderBy(kv => kv.Key));

            // Only a prefix of a larger buffer is read.
            var padded = new byte[bytes.Length + 64];
            Buffer.BlockCopy(bytes, 0, padded, 0, bytes.Length);
            for (var i = bytes.Length; i < padded.Length; i++)
            {
                padded[i] = (byte)'/';
            }

            Assert.Equal(expected.OrderBy(kv => kv.Key), ProcNetUnix.ParseListeningFsmonitorSockets(padded, bytes.Length).OrderBy(kv => kv.Key));
        }

        [Fact]
        public void Proc_net_unix_byte_parser_matches_the_text_parser_on_crafted_lines()
        {
            var hex40 = new string('a', 40);
            var hex64 = new string('0', 64);
            const string Header = "Num       RefCount Protocol Flags    Type St Inode Path\n";
            var lines = new[]
            {
                "0000000029f55ad5: 00000002 00000000 00010000 0001 01 32381 /tmp/dotnet-diagnostic-6960-114998-socket",
                "000000003f244a9d: 00000002 00000000 00010000 0001 01 32427 /tmp/a b/.git/fsmonitor--daemon.ipc",
                "000000003f244a9e: 00000002 00000000 00000000 0001 01 32428 /tmp/c/.git/fsmonitor--daemon.ipc",
                "0000000099a6f1ee: 00000003 00000000 00000000 0001 03 32311",
                "0000000028e488f7: 00000003 00000000 00010000 0001 01  1071 @fsmonitor--daemon.ipc",
                "0000000028e488f6: 00000003 00000000 00010000 0001 01  1072 @/tmp/x/.git/fsmonitor--daemon.ipc",
                "0000000028e488f8: 00000002 00000000 00010000 0001 01 99999 /home/me/.git-fsmonitor-" + hex40,
                "0000000028e488f9: 00000002 00000000 00010000 0001 01 99998 /home/me/.git-fsmonitor-" + hex64,
                "0000000028e488fa: 00000002 00000000 00010000 0001 01 99997 /home/me/.git-fsmonitor-" + hex40 + "0",
                "0000000028e488fb: 00000002 00000000 00010000 0001 01 99996 /home/me/.git-fsmonitor-" + new string('A', 40),
                "0000000028e488fc: 00000002 00000000 00010000 0001 01 99995 /gone/dir (deleted)/.git/fsmonitor--daemon.ipc",
                "0000000028e488fd: 00000002 00000000 00010000 0001 01 99994 /tmp/d/.git/fsmonitor--daemon.ipc (deleted)",
                "0000000028e488fe: 00000002 00000000 00010000 0001 01 99993 /tmp/é ü/.git/fsmonitor--daemon.ipc",
                "0000000028e488ff: 00000002 00000000 00010000 0001 01 99992 /tmp/e/.git/xfsmonitor--daemon.ipc",
                "0000000028e48900: 00000002 00000000 00010000 0001 01 99991 fsmonitor--daemon.ipc",
                "0000000028e48901: 00000002 00000000 00010000 0001 01 99990 /fsmonitor--daemon.ipc",
                "0000000028e48902: 00000002 00000000 0001000G 0001 01 99989 /tmp/f/.git/fsmonitor--daemon.ipc",
                "0000000028e48903: 00000002 00000000 00010000 0001 01 9998x /tmp/g/.git/fsmonitor--daemon.ipc",
                "0000000028e48904: 00000002 00000000 FFFFFFFF 0001 01 99988 /tmp/h/.git/fsmonitor--daemon.ipc",
                "0000000028e48905: 00000002 00000000 100010000 0001 01 99987 /tmp/i/.git/fsmonitor--daemon.ipc",
                "0000000028e48906: 00000002 00000000 0000000000010000 0001 01 99986 /tmp/j/.git/fsmonitor--daemon.ipc",
                "0000000028e48907: 00000002 00000000 00010000 0001 01 18446744073709551615 /tmp/k/.git/fsmonitor--daemon.ipc",
                "0000000028e48908: 00000002 00000000 00010000 0001 01 18446744073709551616 /tmp/l/.git/fsmonitor--daemon.ipc",
                "0000000028e48909: 00000002 00000000 00010000 0001 01 99985  /tmp/m/.git/fsmonitor--daemon.ipc",
                "0000000028e4890a: 00000002 00000000 00010000 0001 01 99984 ",
                "0000000028e4890b: 00000002 00000000 00010000 0001 01 99983 /tmp/n/.git/fsmonitor--daemon.ipc\r",
                "0000000028e4890c: 00000002 00000000 00010000 0001 01 99982 /tmp/o/.git/fsmonitor--daemon.ipc/",
                "0000000028e4890d: 00000002 00000000 00010000 0001",
                string.Empty,
                "0000000028e4890e: 00000002 00000000 00010000 0001 01 99981 /tmp/p/.git/fsmonitor--daemon.ipc",
                "0000000028e4890e: 00000002 00000000 00010000 0001 01 99981 /tmp/q/.git/fsmonitor--daemon.ipc",
            };

            var all = Header + string.Join("\n", lines) + "\n";
            AssertSameAsReference(all);
            AssertSameAsReference(all.TrimEnd('\n'));
            AssertSameAsReference(string.Empty);
            AssertSameAsReference(Header);
            AssertSameAsReference(Header.TrimEnd('\n'));
            foreach (var line in lines)
            {
                AssertSameAsReference(Header + line + "\n");
                AssertSameAsReference(Header + line);
            }

            // What the new parser keeps, spelled out (so the comparison cannot pass on two empty maps).
            var map = ProcNetUnix.ParseListeningFsmonitorSockets(all);
            Assert.Equal("/tmp/a b/.git/fsmonitor--daemon.ipc", map[32427]);
            Assert.Equal("/home/me/.git-fsmonitor-" + hex40, map[99999]);
            Assert.Equal("/home/me/.git-fsmonitor-" + hex64, map[99998]);
            Assert.Equal("/gone/dir (deleted)/.git/fsmonitor--daemon.ipc", map[99995]);
            Assert.Equal("/tmp/é ü/.git/fsmonitor--daemon.ipc", map[99993]);
            Assert.Equal("/tmp/j/.git/fsmonitor--daemon.ipc", map[99986]);
            Assert.Equal("/tmp/k/.git/fsmonitor--daemon.ipc", map[ulong.MaxValue]);
            Assert.Equal("/tmp/q/.git/fsmonitor--daemon.ipc", map[99981]);
            Assert.False(map.ContainsKey(32428)); // not listening
            Assert.False(map.ContainsKey(1071)); // abstract
            Assert.False(map.ContainsKey(1072)); // abstract
            Assert.False(map.ContainsKey(99994)); // name is not the socket's
            Assert.False(map.ContainsKey(99996)); // upper-case hex is not git's name
            Assert.False(map.ContainsKey(99985)); // two spaces: the path starts with a space
            Assert.False(map.ContainsKey(99983)); // a CR is part of the name
        }

        [Fact]
        public void Proc_net_unix_byte_parser_matches_the_text_parser_on_this_machine_with_real_sockets()
        {
            // Real listening sockets of each shape, bound here: a path with spaces and non-ASCII, a deleted directory's.
            var sockets = new List<Socket>();
            try
            {
                foreach (var dir in new[] { "a b", "é", "gone" })
                {
                    var gitDir = Directory.CreateDirectory(Path.Combine(_dir, dir, ".git")).FullName;
                    var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    s.Bind(new UnixDomainSocketEndPoint(Path.Combine(gitDir, FsmonitorSocket.FileName)));
                    s.Listen(1);
                    sockets.Add(s);
                }

                TestFiles.DeleteTree(Path.Combine(_dir, "gone"));
                var text = File.ReadAllText("/proc/net/unix");
                AssertSameAsReference(text);

                var map = ProcNetUnix.ReadListeningFsmonitorSockets();
                foreach (var dir in new[] { "a b", "é", "gone" })
                {
                    Assert.Contains(Path.Combine(_dir, dir, ".git", FsmonitorSocket.FileName), map.Values);
                }

                // The reader with a buffer kept per thread agrees with the text of the same moment (no socket of ours changed in between).
                Assert.Equal(
                    ReferenceProcNetUnix.Parse(File.ReadAllText("/proc/net/unix")).Where(kv => kv.Value.StartsWith(_dir, StringComparison.Ordinal)).OrderBy(kv => kv.Key),
                    map.Where(kv => kv.Value.StartsWith(_dir, StringComparison.Ordinal)).OrderBy(kv => kv.Key));
            }
            finally
            {
                sockets.ForEach(s => s.Dispose());
            }
        }

        [Fact]
        public void Whole_file_reader_grows_its_buffer_and_reports_a_missing_file()
        {
            var path = Path.Combine(_dir, "big");
            var content = Enumerable.Range(0, 5000).Select(i => (byte)(i % 251)).ToArray();
            File.WriteAllBytes(path, content);
            var buffer = new byte[7];
            var n = FileBytes.ReadWholeFile(path, ref buffer);
            Assert.Equal(content.Length, n);
            Assert.Equal(content, buffer.Take(n).ToArray());
            Assert.Equal(-1, FileBytes.ReadWholeFile(Path.Combine(_dir, "missing"), ref buffer));
            var empty = Path.Combine(_dir, "empty");
            File.WriteAllBytes(empty, Array.Empty<byte>());
            Assert.Equal(0, FileBytes.ReadWholeFile(empty, ref buffer));

            // A procfs file larger than one read.
            var small = new byte[16];
            Assert.Equal(File.ReadAllBytes("/proc/self/status").Length > 16, FileBytes.ReadWholeFile("/proc/self/status", ref small) > 16);
        }

        private static void AssertStatSame(int pid, string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var expected = ProcFs.ParseStatText(pid, text);
            var actual = ProcFs.ParseStat(pid, bytes, bytes.Length);
            Assert.Equal(expected.HasValue, actual.HasValue);
            if (expected.HasValue)
            {
                var e = expected.Value;
                var a = actual!.Value;
                Assert.Equal((e.Pid, e.State, e.ParentPid, e.ProcessGroup, e.Session, e.StartTime), (a.Pid, a.State, a.ParentPid, a.ProcessGroup, a.Session, a.StartTime));
            }
        }

        [Fact]
        public void Stat_byte_parser_matches_the_text_parser_on_every_process_of_this_machine()
        {
            var compared = 0;
            foreach (var pid in ProcFs.Pids())
            {
                byte[] raw;
                try
                {
                    raw = File.ReadAllBytes("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
                }
                catch (IOException)
                {
                    continue;
                }

                AssertStatSame(pid, Encoding.UTF8.GetString(raw));
                Assert.NotNull(ProcFs.ParseStat(pid, raw, raw.Length));
                compared++;
            }

            Assert.True(compared > 1);
        }

        [Fact]
        public void Stat_byte_parser_matches_the_text_parser_on_crafted_lines()
        {
            var tail = " 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 12345 18 19 20\n";
            var cases = new[]
            {
                "5 (sh) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 1 2 3\n",
                "5 (a b) c) R 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 1 2 3\n",
                "5 (x\ny) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 1 2 3\n",
                "5 (é)) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 1 2 3\n",
                "5 (x) S -1 -0 +5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765\n",
                "5 (x) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765",
                "5 (x) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0\n",
                "5 (x) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 \n",
                "5 (x) S  1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 1\n",
                "5 (x) SS 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 1\n",
                "5 (x)  1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 1\n",
                "5 (x) é 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 1\n",
                "5 (x)é S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 1\n",
                "5 (x) S 2147483647 2147483648 0000000001 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 18446744073709551615 1\n",
                "5 (x) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 18446744073709551616 1\n",
                "5 (x) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 01234567890123456789 1\n",
                "5 (x) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98x65 1\n",
                "5 (x) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765\t1\n",
                "5 (x) Z" + tail,
                "5 (x)",
                "5 (x) ",
                "5 (x) S",
                "no paren at all 1 2 3",
                string.Empty,
            };

            foreach (var c in cases)
            {
                AssertStatSame(5, c);
            }

            // Spelled out: the comm may hold ") " and the start time is field 22.
            var s = ProcFs.ParseStat(5, Encoding.UTF8.GetBytes(cases[1]), Encoding.UTF8.GetByteCount(cases[1]))!.Value;
            Assert.Equal(('R', 1, 5, 5, 98765UL), (s.State, s.ParentPid, s.ProcessGroup, s.Session, s.StartTime));
        }

        /// <summary>The text parser of /proc/net/unix this change replaced, kept as the oracle.</summary>
        private static class ReferenceProcNetUnix
        {
            internal static Dictionary<ulong, string> Parse(string text)
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

                if (!uint.TryParse(flags, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var f) || (f & 0x10000) == 0)
                {
                    return;
                }

                if (ulong.TryParse(inode, NumberStyles.None, CultureInfo.InvariantCulture, out var ino))
                {
                    map[ino] = path;
                }
            }
        }
    }
}
