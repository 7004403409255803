using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using CsCheck;
using Worktrunk.Diagnostics;
using Worktrunk.Interop;
using Worktrunk.Tether;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Tether
{
    /// <summary>Pure logic of the tether: path classification, the supervisor token, exit statuses, the handshake, naming, and the Windows layouts and command lines.</summary>
    public sealed class TetherPureTests
    {
        [Theory]
        [InlineData(2, true)] // ENOENT
        [InlineData(20, true)] // ENOTDIR
        [InlineData(13, false)] // EACCES
        [InlineData(5, false)] // EIO
        [InlineData(1, false)] // EPERM
        [InlineData(40, false)] // ELOOP
        [InlineData(36, false)] // ENAMETOOLONG
        [InlineData(12, false)] // ENOMEM
        [InlineData(116, false)] // ESTALE (a dead NFS handle is not a removal)
        public void Only_not_found_errors_mean_removed_on_Unix(int errno, bool removed) =>
            Assert.Equal(removed ? WatchedPathState.Removed : WatchedPathState.Inaccessible, PathWatch.ClassifyUnix(errno));

        [Theory]
        [InlineData(2, true)]
        [InlineData(3, true)]
        [InlineData(5, false)] // also what a delete-pending directory reports
        [InlineData(32, false)]
        [InlineData(53, false)]
        [InlineData(1231, false)]
        public void Only_not_found_errors_mean_removed_on_Windows(int error, bool removed) =>
            Assert.Equal(removed ? WatchedPathState.Removed : WatchedPathState.Inaccessible, PathWatch.ClassifyWindows(error));

        [Fact]
        public void The_real_probe_classifies_real_paths()
        {
            var dir = Path.Combine(Path.GetTempPath(), "wt-probe-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(dir);
            try
            {
                Assert.Equal(WatchedPathState.Present, PathWatch.Probe(dir, out _));
                Assert.Equal(WatchedPathState.Removed, PathWatch.Probe(Path.Combine(dir, "missing"), out var e1));
                Assert.Equal(2, e1);

                File.WriteAllText(Path.Combine(dir, "file"), "x");
                Assert.Equal(WatchedPathState.Removed, PathWatch.Probe(Path.Combine(dir, "file", "wt"), out var e2));
                Assert.Equal(20, e2);

                // A symlink loop in an ancestor is an error, not an absence.
                File.CreateSymbolicLink(Path.Combine(dir, "loop"), Path.Combine(dir, "loop"));
                Assert.Equal(WatchedPathState.Inaccessible, PathWatch.Probe(Path.Combine(dir, "loop", "wt"), out var e3));
                Assert.Equal(40, e3);

                // lstat does not follow the last component: a dangling link still exists.
                File.CreateSymbolicLink(Path.Combine(dir, "dangling"), Path.Combine(dir, "nowhere"));
                Assert.Equal(WatchedPathState.Present, PathWatch.Probe(Path.Combine(dir, "dangling"), out _));
            }
            finally
            {
                TestFiles.DeleteTree(dir);
            }
        }

        [Fact]
        public void The_supervisor_token_round_trips_any_argument_vector()
        {
            Gen.Select(Gen.String, Gen.String.Array[0, 8], Gen.String, Gen.Long[0, TimeSpan.FromHours(1).Ticks], Gen.Bool)
                .Sample((file, args, dir, ticks, detached) =>
                {
                    var spec = new TetherSpec("p" + file, args, "/w/" + dir, "/wt/" + dir, TimeSpan.FromTicks(ticks), detached ? "/log/" + file : null, detached ? "/state" : null);
                    var token = spec.Encode();
                    Assert.Matches("^[A-Za-z0-9+/=]+$", token);
                    var back = TetherSpec.Decode(token);
                    Assert.Equal(spec.FileName, back.FileName);
                    Assert.Equal(spec.Arguments, back.Arguments);
                    Assert.Equal(spec.WorkingDirectory, back.WorkingDirectory);
                    Assert.Equal(spec.WatchedPath, back.WatchedPath);
                    Assert.Equal(spec.GracePeriod, back.GracePeriod);
                    Assert.Equal(spec.LogPath, back.LogPath);
                    Assert.Equal(spec.StatePath, back.StatePath);
                });
        }

        [Fact]
        public void Hostile_arguments_survive_the_token_verbatim()
        {
            var args = new[] { "'; rm -rf / #", "$(touch /tmp/pwned)", "`x`", "\"", "a\nb", "", " ", "--", "-Detach", "ü✓", "$env:HOME" };
            var back = TetherSpec.Decode(new TetherSpec("npm", args, "/w", "/w", TimeSpan.FromSeconds(1)).Encode());
            Assert.Equal(args, back.Arguments);
        }

        [Theory]
        [InlineData("")]
        [InlineData("not base64!")]
        [InlineData("aGVsbG8=")]
        [InlineData("MTY6d3QtdGV0aGVyLXNwZWMvMTI6c2g5OTk5OQ==")]
        public void A_malformed_token_is_TetherSpecInvalid(string token)
        {
            var e = Assert.Throws<WorktrunkException>(() => TetherSpec.Decode(token));
            Assert.Equal(ErrorIds.TetherSpecInvalid, e.ErrorId);
        }

        [Fact]
        public void A_token_with_trailing_data_is_rejected()
        {
            var good = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(new TetherSpec("a", new[] { "b" }, "/w", "/w", TimeSpan.Zero).Encode()));
            var bad = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(good + "1:x"));
            Assert.Equal(ErrorIds.TetherSpecInvalid, Assert.Throws<WorktrunkException>(() => TetherSpec.Decode(bad)).ErrorId);
        }

        [Theory]
        [InlineData(0x0000, 0, null)]
        [InlineData(0x0300, 3, null)]
        [InlineData(0xff00, 255, null)]
        [InlineData(0x000f, null, 15)]
        [InlineData(0x0089, null, 9)] // SIGKILL with the core-dump bit
        public void Wait_statuses_decode_to_exactly_one_of_code_and_signal(int status, int? code, int? signal)
        {
            ExitStatus.Decode(status, out var c, out var s);
            Assert.Equal(code, c);
            Assert.Equal(signal, s);
        }

        [Theory]
        [InlineData(WtTetherEndReason.Exited, 0, null, 0)]
        [InlineData(WtTetherEndReason.Exited, 3, null, 3)]
        [InlineData(WtTetherEndReason.Exited, null, 15, 143)]
        [InlineData(WtTetherEndReason.Exited, null, 9, 137)]
        [InlineData(WtTetherEndReason.Exited, null, null, 1)]
        [InlineData(WtTetherEndReason.WorktreeRemoved, null, 15, 0)]
        [InlineData(WtTetherEndReason.WorktreeRemoved, 1, null, 0)]
        [InlineData(WtTetherEndReason.Stopped, null, 9, 0)]
        public void LastExitCode_follows_the_shell_convention_and_forgives_our_own_teardown(WtTetherEndReason reason, int? code, int? signal, int expected) =>
            Assert.Equal(expected, ExitStatus.LastExitCode(reason, code, signal));

        [Fact]
        public void Signal_names_and_descriptions()
        {
            Assert.Equal("SIGTERM", ExitStatus.SignalName(15));
            Assert.Equal("SIGKILL", ExitStatus.SignalName(9));
            Assert.Equal("SIG64", ExitStatus.SignalName(64));
            Assert.Equal("exit code 3", ExitStatus.Describe(3, null));
            Assert.Equal("signal 15 (SIGTERM)", ExitStatus.Describe(null, 15));
            Assert.Equal("status unknown", ExitStatus.Describe(null, null));
        }

        [Fact]
        public void The_handshake_round_trips_ready_and_failure_reports()
        {
            var dir = Path.Combine(Path.GetTempPath(), "wt-hs-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(dir);
            try
            {
                var ready = Path.Combine(dir, "ready.state");
                var start = DateTimeOffset.FromUnixTimeMilliseconds(1767225600123);
                TetherHandshake.WriteReady(ready, 11, 22, 22, start);
                var r = TetherHandshake.Parse(File.ReadAllText(ready))!;
                Assert.Null(r.ErrorId);
                Assert.Equal((11, 22, 22), (r.SupervisorId, r.ProcessId, r.ProcessGroupId));
                Assert.Equal(start, r.StartTime);

                var failed = Path.Combine(dir, "failed.state");
                TetherHandshake.WriteFailure(failed, new WorktrunkException(ErrorIds.CommandNotFound, ErrorKind.ObjectNotFound, "Cannot find 'x=y\nz' on PATH."));
                var f = TetherHandshake.Parse(File.ReadAllText(failed))!;
                Assert.Equal(ErrorIds.CommandNotFound, f.ErrorId);
                Assert.Equal(ErrorKind.ObjectNotFound, f.Kind);
                Assert.Equal("Cannot find 'x=y\nz' on PATH.", f.Message);

                Assert.Null(TetherHandshake.Parse("ready\nsupervisor=1\n"));
                Assert.Null(TetherHandshake.Parse(string.Empty));
                Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
            }
            finally
            {
                TestFiles.DeleteTree(dir);
            }
        }

        [Fact]
        public void The_host_is_the_variable_then_this_pwsh_then_pwsh_on_PATH()
        {
            bool Exists(string p) => p == "/opt/shell/host" || p == "/usr/bin/pwsh" || p == "/bin/myhost";
            Assert.Equal("/opt/shell/host", TetherDetach.ResolveHost("/opt/shell/host", "/usr/bin/pwsh", "/usr/bin", Exists));
            Assert.Equal("/bin/myhost", TetherDetach.ResolveHost("myhost", null, "/nope:/bin", Exists));
            Assert.Null(TetherDetach.ResolveHost("/missing/host", "/usr/bin/pwsh", "/usr/bin", Exists));
            Assert.Equal("/opt/microsoft/pwsh", TetherDetach.ResolveHost(null, "/opt/microsoft/pwsh", "/nope", Exists));
            Assert.Equal("/usr/bin/pwsh", TetherDetach.ResolveHost(string.Empty, "/usr/share/dotnet/dotnet", "/nope:/usr/bin", Exists));
            Assert.Null(TetherDetach.ResolveHost(null, "/usr/share/dotnet/dotnet", "/nope", Exists));
        }

        [Fact]
        public void The_supervisor_script_carries_user_text_only_as_base64()
        {
            Gen.Select(Gen.String, Gen.String).Sample((manifest, arg) =>
            {
                var token = new TetherSpec("x", new[] { arg }, "/w", "/w", TimeSpan.Zero).Encode();
                var script = TetherDetach.SupervisorScript("/m/" + manifest, token);
                var fixedPart = TetherDetach.SupervisorScript("/m/", new TetherSpec("x", new[] { string.Empty }, "/w", "/w", TimeSpan.Zero).Encode());
                Assert.Equal(fixedPart.Count(c => c == '\''), script.Count(c => c == '\''));
                Assert.DoesNotContain('"', script);
                Assert.DoesNotContain('\n', script);
            });
        }

        [Theory]
        [InlineData("wt-feat-npm", "wt-feat-npm")]
        [InlineData("feature/auth: npm", "feature-auth-npm")]
        [InlineData("..", "tether")]
        [InlineData("ünï cödé", "n-c-d")]
        public void Log_names_are_sanitized(string input, string expected) => Assert.Equal(expected, TetherDetach.Sanitize(input));

        [Fact]
        public void Logs_go_under_the_common_dir_one_new_file_per_tether_or_beside_the_directory_outside_a_repo()
        {
            var root = Path.Combine(Path.GetTempPath(), "wt-log-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            var wt = Path.Combine(root, "agent one");
            Directory.CreateDirectory(wt);
            try
            {
                var spec = new TetherSpec("/usr/bin/npm", Array.Empty<string>(), wt, wt, TimeSpan.Zero);
                var now = DateTimeOffset.FromUnixTimeSeconds(1767225600);
                var common = Path.Combine(root, ".git");
                Directory.CreateDirectory(common); // a repository's common dir exists: the safe layer starts there
                var first = TetherDetach.CreateLog(spec, common, now);
                var second = TetherDetach.CreateLog(spec, common, now);
                Assert.Equal(Path.Combine(common, "wt", "logs", "tether", "agent-one-npm-1767225600.log"), first);
                Assert.Equal(Path.Combine(common, "wt", "logs", "tether", "agent-one-npm-1767225600-2.log"), second);
                Assert.Equal(Path.Combine(wt, ".wt-tether.log"), TetherDetach.CreateLog(spec, null, now));
                Assert.True(File.Exists(Path.Combine(wt, ".wt-tether.log")));
            }
            finally
            {
                TestFiles.DeleteTree(root);
            }
        }

        [Fact]
        public void Windows_job_structures_match_the_SDK_layout()
        {
            var is64 = IntPtr.Size == 8;
            Assert.Equal(is64 ? 64 : 48, Marshal.SizeOf<Kernel32.JOBOBJECT_BASIC_LIMIT_INFORMATION>());
            Assert.Equal(16, (int)Marshal.OffsetOf<Kernel32.JOBOBJECT_BASIC_LIMIT_INFORMATION>(nameof(Kernel32.JOBOBJECT_BASIC_LIMIT_INFORMATION.LimitFlags)));
            Assert.Equal(48, Marshal.SizeOf<Kernel32.IO_COUNTERS>());
            Assert.Equal(is64 ? 144 : 112, Marshal.SizeOf<Kernel32.JOBOBJECT_EXTENDED_LIMIT_INFORMATION>());
            Assert.Equal(48, Marshal.SizeOf<Kernel32.JOBOBJECT_BASIC_ACCOUNTING_INFORMATION>());
            Assert.Equal(40, (int)Marshal.OffsetOf<Kernel32.JOBOBJECT_BASIC_ACCOUNTING_INFORMATION>(nameof(Kernel32.JOBOBJECT_BASIC_ACCOUNTING_INFORMATION.ActiveProcesses)));
            Assert.Equal(is64 ? 104 : 68, Marshal.SizeOf<Kernel32.STARTUPINFOW>());
            Assert.Equal(is64 ? 24 : 16, Marshal.SizeOf<Kernel32.PROCESS_INFORMATION>());

            // The tether's worktree identity (PathWatch on Windows): DWORD-aligned FILETIMEs.
            Assert.Equal(52, Marshal.SizeOf<Kernel32.BY_HANDLE_FILE_INFORMATION>());
            Assert.Equal(28, (int)Marshal.OffsetOf<Kernel32.BY_HANDLE_FILE_INFORMATION>(nameof(Kernel32.BY_HANDLE_FILE_INFORMATION.VolumeSerialNumber)));
            Assert.Equal(44, (int)Marshal.OffsetOf<Kernel32.BY_HANDLE_FILE_INFORMATION>(nameof(Kernel32.BY_HANDLE_FILE_INFORMATION.FileIndexHigh)));
        }

        [Fact]
        public void Windows_jobs_kill_on_close_and_commands_start_suspended_in_their_own_group()
        {
            var limits = WindowsJobTree.JobLimits();
            Assert.Equal(0x2000u, limits.BasicLimitInformation.LimitFlags);
            Assert.NotEqual(0u, WindowsJobTree.CreationFlags & Kernel32.CREATE_SUSPENDED);
            Assert.NotEqual(0u, WindowsJobTree.CreationFlags & Kernel32.CREATE_NEW_PROCESS_GROUP);
            Assert.Equal(0u, WindowsJobTree.CreationFlags & Kernel32.CREATE_BREAKAWAY_FROM_JOB);
        }

        [Fact]
        public void Windows_programs_are_found_through_PATH_and_PATHEXT()
        {
            // Windows file names are case-insensitive (PATHEXT is upper-case, files usually are not).
            bool Exists(string p) => new[] { @"C:\node\npm.cmd", @"C:\node\node.exe", @"C:\tools\thing", @"D:\w\bin\run.bat" }.Any(f => string.Equals(f, p, StringComparison.OrdinalIgnoreCase));
            Assert.Equal(@"C:\node\npm.CMD", WindowsCommand.Resolve("npm", @"C:\none;C:\node", ".COM;.EXE;.BAT;.CMD", @"D:\w", Exists), ignoreCase: true);
            Assert.Equal(@"C:\node\node.exe", WindowsCommand.Resolve("node", @"C:\node", null, @"D:\w", Exists), ignoreCase: true);
            Assert.Equal(@"C:\node\node.exe", WindowsCommand.Resolve("node.exe", @"C:\node", ".EXE", @"D:\w", Exists), ignoreCase: true);
            Assert.Equal(@"C:\tools\thing", WindowsCommand.Resolve("thing", @"C:\tools", ".EXE", @"D:\w", Exists), ignoreCase: true);
            Assert.Equal(@"D:\w\bin\run.BAT", WindowsCommand.Resolve(@"bin\run", @"C:\none", ".EXE;.BAT", @"D:\w", Exists), ignoreCase: true);
            Assert.Equal(@"D:\w\bin\run.bat", WindowsCommand.Resolve(@"D:\w\bin\run.bat", @"C:\none", ".EXE;.BAT", @"C:\elsewhere", Exists), ignoreCase: true);
            Assert.Equal(@"C:\node\npm.cmd", WindowsCommand.Resolve("npm", @"""C:\node\""", ".cmd", @"D:\w", Exists), ignoreCase: true);
            Assert.Null(WindowsCommand.Resolve("missing", @"C:\node", ".EXE", @"D:\w", Exists));
        }

        [Fact]
        public void Windows_command_lines_quote_for_CommandLineToArgvW_and_batch_files_refuse_cmd_metacharacters()
        {
            WindowsCommand.Build(@"C:\node\node.exe", new[] { "server.js", "a b", "q\"uote" }, @"C:\Windows\system32\cmd.exe", out var app, out var line);
            Assert.Equal(@"C:\node\node.exe", app);
            Assert.Equal("C:\\node\\node.exe server.js \"a b\" \"q\\\"uote\"", line);

            WindowsCommand.Build(@"C:\node\npm.cmd", new[] { "run", "dev", "--port", "3000" }, @"C:\Windows\system32\cmd.exe", out app, out line);
            Assert.Equal(@"C:\Windows\system32\cmd.exe", app);
            Assert.Equal("\"C:\\Windows\\system32\\cmd.exe\" /d /s /c \"C:\\node\\npm.cmd run dev --port 3000\"", line);

            foreach (var hostile in new[] { "a&calc", "%PATH%", "x|y", "\"", "a^b", "(x)", "a\nb", "!v!" })
            {
                var e = Assert.Throws<WorktrunkException>(() => WindowsCommand.Build(@"C:\node\npm.cmd", new[] { hostile }, "cmd.exe", out _, out _));
                Assert.Equal(ErrorIds.SpawnFailed, e.ErrorId);
            }
        }
    }
}
