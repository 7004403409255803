using System;
using System.IO;
using System.Linq;
using Worktrunk.Daemons;
using Worktrunk.Processes;
using Worktrunk.StandIn;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Processes
{
    /// <summary>The raw /proc readers of ProcFs agree with System.IO reading the same files.</summary>
    public sealed class ProcFsTests : IDisposable
    {
        private readonly TestProcesses _procs = new TestProcesses();
        private readonly string _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "wt-procfs-" + Guid.NewGuid().ToString("N").Substring(0, 8))).FullName;

        public void Dispose()
        {
            _procs.Dispose();
            TestFiles.DeleteTree(_dir);
        }

        [Fact]
        public void Pids_argv_and_stat_match_what_System_IO_reads()
        {
            // ProcessTable's readers are these; the oracle is System.IO on the same files.
            var self = Environment.ProcessId;
            Assert.Contains(self, ProcFs.Pids());
            Assert.Equal(Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsDigit)).Count() > 0, ProcFs.EnumeratePids().Any());
            var buffer = new byte[4096];
            var cmdline = File.ReadAllBytes("/proc/self/cmdline");
            Assert.Equal(ProcFs.ParseCmdline(cmdline), ProcFs.ReadArgv(self, buffer));
            Assert.Equal(ProcFs.ParseCmdline(cmdline), ProcFs.ReadArgv(self));
            var stat = ProcFs.ParseStatText(self, File.ReadAllText("/proc/self/stat"))!.Value;
            Assert.Equal(stat.StartTime, ProcFs.ReadStat(self, buffer)!.Value.StartTime);
            Assert.Equal(stat.StartTime, ProcFs.ReadStat(self)!.Value.StartTime);

            // An argv longer than the buffer is read whole.
            Assert.Equal(ProcFs.ParseCmdline(cmdline), ProcFs.ReadArgv(self, new byte[8]));
            Assert.Null(ProcFs.ReadArgv(int.MaxValue - 1, buffer));
            Assert.Null(ProcFs.ReadStat(int.MaxValue - 1, buffer));
        }

        [Fact]
        public void Argv0_prefilter_reads_long_argv0_fully_and_matches_only_git()
        {
            var longGit = "/" + string.Join("/", Enumerable.Repeat("very-long-directory-name", 14)) + "/git";
            Assert.True(longGit.Length > 256);
            var buffer = new byte[4096];
            var git = StandInLauncher.Start(_procs, Path.Combine(_dir, FsmonitorSocket.FileName), argv0: longGit);
            var gitx = StandInLauncher.Start(_procs, null, StandInMode.NoSocket, argv0: "/usr/bin/gitx");
            Assert.NotNull(ProcFs.ArgvIfGit(git.Pid, buffer));
            Assert.Null(ProcFs.ArgvIfGit(gitx.Pid, buffer));
            Assert.Null(ProcFs.ArgvIfGit(Environment.ProcessId, buffer));

            // The long argv[0] is still an exact daemon argv, so discovery finds it.
            Assert.Contains(DaemonDiscovery.Discover(Worktrunk.Diagnostics.NullSink.Instance), d => d.Pid == git.Pid);
        }

        [Fact]
        public void Socket_search_finds_the_listening_socket_and_reports_none_for_a_process_without_one()
        {
            var d = StandInLauncher.Start(_procs, Path.Combine(_dir, FsmonitorSocket.FileName));
            var sockets = ProcNetUnix.ParseListeningFsmonitorSockets(File.ReadAllText("/proc/net/unix"));
            Assert.True(ProcFs.FindSocketInode(d.Pid, sockets.ContainsKey, out var inode));
            Assert.Equal(d.SocketPath, sockets[inode]);
            Assert.True(ProcFs.FindSocketInode(Environment.ProcessId, sockets.ContainsKey, out var none));
            Assert.Equal(0UL, none);
        }

        [Fact]
        public void Available_is_whether_proc_can_be_read_and_is_cached()
        {
            // Checked once (Lazy): the same answer on every call, and the answer System.IO gives.
            Assert.Equal(OperatingSystem.IsLinux() && File.Exists("/proc/self/stat"), ProcFs.Available);
            Assert.Equal(ProcFs.Available, ProcFs.Available);
        }

        [Fact]
        public void No_file_in_src_but_ProcFs_names_a_proc_path()
        {
            // Issue 13: one /proc reader. A "/proc literal anywhere else in src/ is a second reader.
            var src = Path.Combine(RepoPaths.Root, "src");
            var readers = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                .Where(f => File.ReadAllText(f).Contains("\"/proc", StringComparison.Ordinal))
                .Select(f => Path.GetRelativePath(src, f).Replace(Path.DirectorySeparatorChar, '/'))
                .ToList();
            Assert.Equal(new[] { "Worktrunk.Core/Processes/ProcFs.cs" }, readers);
        }
    }
}
