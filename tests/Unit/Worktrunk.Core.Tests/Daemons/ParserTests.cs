using System.Linq;
using Worktrunk.Daemons;
using Xunit;

namespace Worktrunk.Core.Tests.Daemons
{
    /// <summary>Pure parsers: argv matching, lsof's two dialects, /proc/net/unix, Windows pipe names.</summary>
    public sealed class ParserTests
    {
        [Theory]
        [InlineData("git", "fsmonitor--daemon", "run")]
        [InlineData("/usr/lib/git-core/git", "fsmonitor--daemon", "run", "--detach", "--ipc-threads=8")]
        [InlineData("/opt/homebrew/opt/git/libexec/git-core/git", "fsmonitor--daemon", "run", "--detach", "--ipc-threads=8")]
        [InlineData("git", "-c", "core.fsmonitor=true", "-C", "/src/repo", "--no-optional-locks", "fsmonitor--daemon", "run")]
        [InlineData("git", "--git-dir=/x/.git", "fsmonitor--daemon", "run")]
        [InlineData(@"C:\Program Files\Git\mingw64\bin\git.exe", "fsmonitor--daemon", "run", "--ipc-threads=8")]
        public void Exact_daemon_argv_matches(params string[] argv) => Assert.True(DaemonArgv.IsDaemonRun(argv));

        [Theory]
        [InlineData("gdb", "--args", "git", "fsmonitor--daemon", "run")]
        [InlineData("sh", "-c", "git fsmonitor--daemon run")]
        [InlineData("strace", "-f", "git", "fsmonitor--daemon", "run")]
        [InlineData("vim", "git fsmonitor--daemon run")]
        [InlineData("git", "fsmonitor--daemon", "start")]
        [InlineData("git", "fsmonitor--daemon", "stop")]
        [InlineData("git", "fsmonitor--daemon")]
        [InlineData("git", "status")]
        [InlineData("git", "--unknown-option", "fsmonitor--daemon", "run")]
        [InlineData("git", "-c", "fsmonitor--daemon", "run")]
        [InlineData("gitx", "fsmonitor--daemon", "run")]
        [InlineData("/usr/bin/git-wrapper", "fsmonitor--daemon", "run")]
        [InlineData("git fsmonitor--daemon run")]
        public void Anything_else_does_not(params string[] argv) => Assert.False(DaemonArgv.IsDaemonRun(argv));

        [Fact]
        public void Null_and_empty_argv_do_not_match()
        {
            Assert.False(DaemonArgv.IsDaemonRun(null));
            Assert.False(DaemonArgv.IsDaemonRun(new string[0]));
        }

        [Fact]
        public void Lsof_macos_dialect_resolved_bare_and_non_daemon_records_split_per_pid()
        {
            const string Out = "p2337\nf15\nn->0xf3491abb08452a68\nf18\nn/Users/me/repo/.git/fsmonitor--daemon.ipc\np2497\nf24\nnfsmonitor--daemon.ipc\np3000\nf3\nn/tmp/other.sock\n";
            var records = LsofParser.Parse(Out);
            Assert.Equal(new[] { 2337, 2497, 3000 }, records.Select(r => r.Pid));
            Assert.Equal("/Users/me/repo/.git/fsmonitor--daemon.ipc", LsofParser.SocketOf(records[0]));
            Assert.Equal("fsmonitor--daemon.ipc", LsofParser.SocketOf(records[1]));
            Assert.Null(LsofParser.SocketOf(records[2]));
        }

        [Fact]
        public void Lsof_linux_dialect_type_suffix_is_stripped_not_misread_as_a_bare_name()
        {
            const string Out = "p7109\nf3\nn/home/me/repo/.git/worktrees/feat/fsmonitor--daemon.ipc type=STREAM\nf4\nntype=STREAM\nf5\nntype=STREAM\n";
            var record = Assert.Single(LsofParser.Parse(Out));
            Assert.Equal("/home/me/repo/.git/worktrees/feat/fsmonitor--daemon.ipc", LsofParser.SocketOf(record));
        }

        [Theory]
        [InlineData("/r/.git/fsmonitor--daemon.ipc type=STREAM", "/r/.git/fsmonitor--daemon.ipc")]
        [InlineData("/r/.git/fsmonitor--daemon.ipc type=STREAM (LISTEN)", "/r/.git/fsmonitor--daemon.ipc")]
        [InlineData("/r/.git/fsmonitor--daemon.ipc (LISTEN)", "/r/.git/fsmonitor--daemon.ipc")]
        [InlineData("/r/.git/fsmonitor--daemon.ipc", "/r/.git/fsmonitor--daemon.ipc")]
        [InlineData("type=STREAM", "")]
        [InlineData("fsmonitor--daemon.ipc", "fsmonitor--daemon.ipc")]
        public void Suffixes_are_stripped(string raw, string expected) => Assert.Equal(expected, LsofParser.StripSuffix(raw));

        [Fact]
        public void Lsof_pair_endpoints_only_yield_no_socket()
        {
            var record = Assert.Single(LsofParser.Parse("p10\nf3\nn->0x1234\nf4\nn->0x5678\n"));
            Assert.Null(LsofParser.SocketOf(record));
        }

        [Fact]
        public void Lsof_lines_outside_a_parsable_record_are_dropped_and_the_next_record_still_parses()
        {
            const string Out = "f9\nn/leading/.git/fsmonitor--daemon.ipc\npBAD\nf1\nn/bad/.git/fsmonitor--daemon.ipc\np42\nf3\nn/good/.git/fsmonitor--daemon.ipc\n";
            var record = Assert.Single(LsofParser.Parse(Out));
            Assert.Equal(42, record.Pid);
            Assert.Equal("/good/.git/fsmonitor--daemon.ipc", LsofParser.SocketOf(record));
        }

        [Fact]
        public void Lsof_empty_output_means_no_records_and_vanished_pids_are_absent()
        {
            Assert.Empty(LsofParser.Parse(string.Empty));
            var records = LsofParser.Parse("p1\nn/a/.git/fsmonitor--daemon.ipc\n");
            Assert.DoesNotContain(records, r => r.Pid == 2);
        }

        [Fact]
        public void Lsof_a_resolved_path_wins_over_a_bare_name_in_one_record()
        {
            var record = Assert.Single(LsofParser.Parse("p5\nnfsmonitor--daemon.ipc\nn/x/.git/fsmonitor--daemon.ipc\n"));
            Assert.Equal("/x/.git/fsmonitor--daemon.ipc", LsofParser.SocketOf(record));
        }

        [Fact]
        public void Lsof_socket_dir_names_are_recognized()
        {
            var hex = new string('a', 40);
            var record = Assert.Single(LsofParser.Parse("p5\nn/home/me/.git-fsmonitor-" + hex + " type=STREAM\n"));
            Assert.Equal("/home/me/.git-fsmonitor-" + hex, LsofParser.SocketOf(record));
        }

        [Fact]
        public void Proc_net_unix_keeps_listening_fsmonitor_sockets_with_paths_even_with_spaces()
        {
            var text =
                "Num       RefCount Protocol Flags    Type St Inode Path\n" +
                "0000000029f55ad5: 00000002 00000000 00010000 0001 01 32381 /tmp/dotnet-diagnostic-6960-114998-socket\n" +
                "000000003f244a9d: 00000002 00000000 00010000 0001 01 32427 /tmp/a b/.git/fsmonitor--daemon.ipc\n" +
                "000000003f244a9e: 00000002 00000000 00000000 0001 01 32428 /tmp/c/.git/fsmonitor--daemon.ipc\n" +
                "0000000099a6f1ee: 00000003 00000000 00000000 0001 03 32311\n" +
                "0000000028e488f7: 00000003 00000000 00010000 0001 01  1071 @fsmonitor--daemon.ipc\n" +
                "0000000028e488f8: 00000002 00000000 00010000 0001 01 99999 /home/me/.git-fsmonitor-" + new string('0', 40) + "\n";
            var map = ProcNetUnix.ParseListeningFsmonitorSockets(text);
            Assert.Equal(2, map.Count);
            Assert.Equal("/tmp/a b/.git/fsmonitor--daemon.ipc", map[32427]);
            Assert.Equal("/home/me/.git-fsmonitor-" + new string('0', 40), map[99999]);
        }

        [Theory]
        [InlineData("socket:[32427]", 32427UL)]
        [InlineData("pipe:[32427]", 0UL)]
        [InlineData("/dev/null", 0UL)]
        [InlineData("socket:[]", 0UL)]
        public void Fd_link_socket_inodes(string link, ulong inode) => Assert.Equal(inode, ProcNetUnix.SocketInode(link));

        [Fact]
        public void Windows_pipe_names_map_to_git_dir_sockets()
        {
            Assert.Equal(@"C:\src\repo\.git\fsmonitor--daemon.ipc", WindowsPipes.SocketPathFor(@"\\.\pipe\C_\src\repo\.git\fsmonitor--daemon.ipc"));
            Assert.Equal(@"\\server\share\repo\.git\fsmonitor--daemon.ipc", WindowsPipes.SocketPathFor(@"\\.\pipe\\server\share\repo\.git\fsmonitor--daemon.ipc"));
            Assert.Null(WindowsPipes.SocketPathFor(@"\\.\pipe\mojo.1234"));
            Assert.Null(WindowsPipes.SocketPathFor(@"\\.\pipe\C_\x\not-fsmonitor--daemon.ipcx"));
            Assert.Equal(0, WindowsPipes.ServerProcessId(@"\\.\pipe\whatever"));
        }
    }
}
