using System;
using System.IO;
using Worktrunk.Diagnostics;
using Worktrunk.Processes;
using Worktrunk.Tether;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Tether
{
    /// <summary>
    /// What a tether refuses to run (a NUL a C argv cannot carry, a directory as the program),
    /// its logs (0600 from birth, never recreated, never written through a symlink, one line per
    /// message) and how file names with control characters are shown. Real processes: each
    /// refused command would leave a marker file had it run.
    /// </summary>
    public sealed class TetherInputTests : IDisposable
    {
        // Every refusal here comes before the guardian or the command is spawned (the tests
        // assert no guardian PID was reported), so there is no process to track.
        private readonly GitSandbox _sandbox = GitSandbox.Create();
        private readonly TetherTestSink _sink = new TetherTestSink();

        public void Dispose() => _sandbox.Dispose();

        private string Marker => Path.Combine(_sandbox.Root, "ran");

        [Theory]
        [InlineData(0)]
        [InlineData(2)]
        public void A_NUL_in_an_argument_starts_nothing(int position)
        {
            // `sh -c 'echo > "$1"' sh <marker>`, with a NUL placed in one argument: cut there, the
            // command would still run (and write the marker).
            var args = new[] { "-c", "echo > \"$1\"", "sh", Marker };
            args[position] = args[position] + "\0; rm -rf /";
            var spec = new TetherSpec("sh", args, _sandbox.RepoPath, _sandbox.RepoPath, TimeSpan.FromSeconds(1));
            var e = Assert.Throws<WorktrunkException>(() => TetherSupervisor.Start(spec, _sink));
            Assert.Equal(ErrorIds.InvalidCommandArgument, e.ErrorId);
            Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
            Assert.Contains("Argument " + (position + 1), e.Message, StringComparison.Ordinal);
            Assert.Contains("\\0; rm -rf /\"", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("\0", e.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(Marker));
            Assert.Equal(0, _sink.GuardianPid);
        }

        [Fact]
        public void A_NUL_in_the_program_starts_nothing()
        {
            var spec = new TetherSpec("sh\0ell", new[] { "-c", "echo > \"$1\"", "sh", Marker }, _sandbox.RepoPath, _sandbox.RepoPath, TimeSpan.FromSeconds(1));
            var e = Assert.Throws<WorktrunkException>(() => TetherSupervisor.Start(spec, _sink));
            Assert.Equal(ErrorIds.InvalidPath, e.ErrorId);
            Assert.False(File.Exists(Marker));
            Assert.Equal(0, _sink.GuardianPid);
        }

        [Fact]
        public void The_spawner_itself_refuses_a_NUL_for_every_child_not_only_tethers()
        {
            var options = new SpawnOptions("sh", new[] { "-c", "echo > \"$1\"", "sh", Marker + "\0x" }) { WorkingDirectory = _sandbox.Root };
            var e = Assert.Throws<WorktrunkException>(() => ProcessRunner.Run(options, TimeSpan.FromSeconds(10), _sink));
            Assert.Equal(ErrorIds.InvalidCommandArgument, e.ErrorId);
            Assert.False(File.Exists(Marker));

            var cwd = new SpawnOptions("sh", new[] { "-c", "echo > \"$1\"", "sh", Marker }) { WorkingDirectory = _sandbox.Root + "\0/x" };
            Assert.Equal(ErrorIds.InvalidCommandArgument, Assert.Throws<WorktrunkException>(() => ProcessRunner.Run(cwd, TimeSpan.FromSeconds(10), _sink)).ErrorId);
            Assert.False(File.Exists(Marker));

            // The same command without the NUL runs (the test can fail).
            ProcessRunner.Run(new SpawnOptions("sh", new[] { "-c", "echo > \"$1\"", "sh", Marker }) { WorkingDirectory = _sandbox.Root }, TimeSpan.FromSeconds(10), _sink);
            Assert.True(File.Exists(Marker));
        }

        [Theory]
        [InlineData("sub")]
        [InlineData("./sub")]
        [InlineData("ABSOLUTE")]
        public void A_directory_as_the_program_is_CommandIsDirectory(string program)
        {
            var dir = Path.Combine(_sandbox.RepoPath, "sub");
            Directory.CreateDirectory(dir);
            program = program == "ABSOLUTE" ? dir : program;
            var spec = new TetherSpec(program, Array.Empty<string>(), _sandbox.RepoPath, _sandbox.RepoPath, TimeSpan.FromSeconds(1));
            var e = Assert.Throws<WorktrunkException>(() => TetherSupervisor.Start(spec, _sink));
            Assert.Equal(ErrorIds.CommandIsDirectory, e.ErrorId);
            Assert.Contains("is a directory", e.Message, StringComparison.Ordinal);
            Assert.Equal(0, _sink.GuardianPid);
            Assert.DoesNotContain(_sink.Messages, m => m.StartsWith("D:tethered pid", StringComparison.Ordinal));
        }

        [Fact]
        public void A_bare_name_found_on_PATH_is_run_even_when_a_directory_of_that_name_is_in_the_working_directory()
        {
            Directory.CreateDirectory(Path.Combine(_sandbox.RepoPath, "sh"));
            Assert.Null(TetherInput.DirectoryNamed("sh", _sandbox.RepoPath));
            Assert.Null(TetherInput.DirectoryNamed("not-there", _sandbox.RepoPath));
            Assert.Equal(Path.Combine(_sandbox.RepoPath, "sh"), TetherInput.DirectoryNamed("./sh", _sandbox.RepoPath));
        }

        [Fact]
        public void Logs_are_created_0600_and_an_existing_name_is_never_replaced()
        {
            var commonDir = _sandbox.CommonDir;
            var spec = new TetherSpec("npm", new[] { "run", "dev" }, _sandbox.RepoPath, _sandbox.RepoPath, TimeSpan.FromSeconds(1));
            var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
            var first = TetherDetach.CreateLog(spec, commonDir, now);
            File.WriteAllText(first, "keep me");
            var second = TetherDetach.CreateLog(spec, commonDir, now);

            Assert.NotEqual(first, second);
            Assert.Equal("keep me", File.ReadAllText(first));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(second));
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(first)!, ".wt-tether-log-*"));

            // Outside a repository: the shared log in the directory, 0600 when created.
            var plain = Path.Combine(_sandbox.Root, "plain");
            Directory.CreateDirectory(plain);
            var shared = TetherDetach.CreateLog(new TetherSpec("sh", Array.Empty<string>(), plain, plain, TimeSpan.Zero), null, now);
            Assert.Equal(Path.Combine(plain, ".wt-tether.log"), shared);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(shared));
        }

        [Fact]
        public void A_symlinked_wt_logs_folder_is_refused_and_nothing_is_created_through_it()
        {
            // <common>/wt/logs planted as a symlink to a directory outside the repository: the log
            // folder is reached through the safe layer, so the tether refuses instead of writing there.
            var outside = Path.Combine(_sandbox.Root, "outside-logs");
            var canary = Worktrunk.Core.Tests.Adversarial.TrashAttackCanary.Plant(outside);
            Directory.CreateDirectory(Path.Combine(_sandbox.CommonDir, "wt"));
            File.CreateSymbolicLink(Path.Combine(_sandbox.CommonDir, "wt", "logs"), outside);
            var spec = new TetherSpec("npm", new[] { "run", "dev" }, _sandbox.RepoPath, _sandbox.RepoPath, TimeSpan.FromSeconds(1));

            var e = Assert.Throws<WorktrunkException>(() => TetherDetach.CreateLog(spec, _sandbox.CommonDir, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)));

            Assert.Equal(ErrorIds.RepositoryPathIsSymlink, e.ErrorId);
            Worktrunk.Core.Tests.Adversarial.TrashAttackCanary.AssertIntact(outside, canary);
            Assert.False(Directory.Exists(Path.Combine(outside, "tether")));
        }

        [Fact]
        public void A_log_is_created_0600_even_under_a_permissive_umask_because_mkstemp_sets_the_mode()
        {
            // The mode comes from mkstemp (0600), not from the umask and not from a later chmod:
            // a file created the ordinary way in the same directory gets the umask's mode.
            var dir = Path.Combine(_sandbox.Root, "logs");
            Directory.CreateDirectory(dir);
            var ordinary = Path.Combine(dir, "ordinary");
            File.WriteAllText(ordinary, string.Empty);
            Assert.True(TetherLogFile.TryCreateNew(Path.Combine(dir, "private.log")));
            Assert.NotEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ordinary) & (UnixFileMode)0x1ff);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "private.log")));
        }

        [Fact]
        public void Appends_go_only_to_an_existing_log_never_through_a_symlink_and_one_line_per_message()
        {
            var dir = Path.Combine(_sandbox.Root, "logs");
            Directory.CreateDirectory(dir);
            var log = Path.Combine(dir, "t.log");
            Assert.True(TetherLogFile.TryCreateNew(log));
            new TetherLog(log).Verbose("worktree '/a\nb' is gone\r\n[wt-tether fake] forged");
            var lines = File.ReadAllLines(log);
            Assert.Single(lines);
            Assert.EndsWith("] worktree '/a\\nb' is gone\\r\\n[wt-tether fake] forged", lines[0], StringComparison.Ordinal);

            // A deleted log is not recreated.
            File.Delete(log);
            new TetherLog(log).Verbose("after the delete");
            Assert.False(File.Exists(log));

            // A symlink in its place is not written through.
            var victim = Path.Combine(_sandbox.Root, "victim.txt");
            File.WriteAllText(victim, "intact");
            File.CreateSymbolicLink(log, victim);
            Assert.False(TetherLogFile.Append(log, "x\n"));
            Assert.False(TetherLogFile.TryCreateNew(log));
            Assert.Equal("intact", File.ReadAllText(victim));
        }

        [Theory]
        [InlineData("/w/plain", "'/w/plain'")]
        [InlineData("/w/a\nb", "\"/w/a\\nb\"")]
        [InlineData("/w/a\\n\tb", "\"/w/a\\\\n\\tb\"")]
        [InlineData("C:\\w\\x", "'C:\\w\\x'")]
        [InlineData("say \"hi\"\u001b[2J", "\"say \\\"hi\\\"\\x1b[2J\"")]
        [InlineData("nul\0", "\"nul\\0\"")]
        public void Names_with_control_characters_are_shown_escaped_and_plain_names_as_they_are(string text, string shown)
        {
            Assert.Equal(shown, Printable.Quote(text));
        }
    }
}
