using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Worktrunk.Diagnostics;
using Worktrunk.Processes;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Processes
{
    public sealed class ProcessRunnerTests : IDisposable
    {
        private readonly TestProcesses _procs = new TestProcesses();
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "wt-runner-" + Guid.NewGuid().ToString("N").Substring(0, 8));

        public ProcessRunnerTests()
        {
            Directory.CreateDirectory(_dir);
        }

        public void Dispose()
        {
            _procs.Dispose();
            TestFiles.DeleteTree(_dir);
        }

        private static CommandResult Sh(string script, TimeSpan? timeout = null, string? cwd = null, IDiagnosticSink? sink = null)
        {
            var options = new SpawnOptions("sh", new[] { "-c", script }) { WorkingDirectory = cwd };
            return ProcessRunner.Run(options, timeout ?? TimeSpan.FromSeconds(20), sink ?? NullSink.Instance);
        }

        [Fact]
        public void Captures_stdout_stderr_and_exit_code_separately()
        {
            var r = Sh("printf 'out\\n'; printf 'err\\n' >&2; exit 3");
            Assert.Equal(3, r.ExitCode);
            Assert.Equal(0, r.Signal);
            Assert.Equal("out\n", r.Stdout);
            Assert.Equal("err\n", r.Stderr);
        }

        [Fact]
        public void Large_output_on_both_streams_does_not_deadlock()
        {
            // 1 MiB on each stream: far beyond a pipe buffer, so reading one at a time would deadlock.
            var r = Sh("head -c 1048576 /dev/zero | tr '\\0' a; head -c 1048576 /dev/zero | tr '\\0' b >&2");
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(1048576, r.Stdout.Length);
            Assert.Equal(1048576, r.Stderr.Length);
            Assert.All(r.Stdout, c => Assert.Equal('a', c));
        }

        [Fact]
        public void Decodes_utf8_output()
        {
            var r = Sh("printf 'h\\303\\251llo \\342\\234\\223'");
            Assert.Equal("héllo ✓", r.Stdout);
        }

        [Fact]
        public void Arguments_are_passed_verbatim_without_a_shell()
        {
            var weird = "a b 'c' \"d\" $HOME `x` ; | *";
            var r = ProcessRunner.Run(new SpawnOptions("printf", new[] { "%s", weird }), TimeSpan.FromSeconds(10), NullSink.Instance);
            Assert.Equal(weird, r.Stdout);
        }

        [Fact]
        public void Stdin_is_closed_so_a_reader_sees_eof_at_once()
        {
            var r = Sh("cat; echo done", TimeSpan.FromSeconds(5));
            Assert.Equal("done\n", r.Stdout);
        }

        [Fact]
        public void Runs_in_the_requested_working_directory()
        {
            var r = Sh("pwd -P", cwd: _dir);
            Assert.Equal(Worktrunk.IO.PathUtil.Canonicalize(_dir), r.Stdout.Trim());
        }

        [Fact]
        public void Child_is_the_leader_of_a_new_process_group()
        {
            var r = Sh("echo $$; ps -o pgid= -p $$");
            var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToArray();
            Assert.Equal(lines[0], lines[1]);
            Assert.NotEqual(Environment.ProcessId.ToString(), lines[1]);
        }

        [Fact]
        public void Child_starts_with_default_signal_dispositions()
        {
            // The .NET runtime ignores SIGPIPE; a child must not inherit that (nor a blocked mask).
            // Only the standard signals 1-31 are checked: glibc reserves 32 and 33 for itself.
            var r = Sh("grep -E '^(SigIgn|SigBlk)' /proc/self/status");
            var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            foreach (var line in lines)
            {
                var mask = Convert.ToUInt64(line.Split('\t')[1].Trim(), 16);
                Assert.Equal(0UL, mask & 0x7FFFFFFFUL);
            }
        }

        [Fact]
        public void Reports_a_signal_death()
        {
            var r = Sh("kill -TERM $$");
            Assert.Equal(-1, r.ExitCode);
            Assert.Equal(15, r.Signal);
        }

        [Fact]
        public void Missing_program_is_CommandNotFound()
        {
            var e = Assert.Throws<WorktrunkException>(() => ProcessRunner.Run(new SpawnOptions("wt-no-such-program-xyz", Array.Empty<string>()), TimeSpan.FromSeconds(5), NullSink.Instance));
            Assert.Equal(ErrorIds.CommandNotFound, e.ErrorId);
        }

        [Fact]
        public void A_missing_working_directory_is_PathNotFound_not_a_missing_program()
        {
            var gone = Path.Combine(Path.GetTempPath(), "wt-gone-" + Guid.NewGuid().ToString("N"));
            var e = Assert.Throws<WorktrunkException>(() => ProcessRunner.Run(new SpawnOptions("sh", new[] { "-c", "true" }) { WorkingDirectory = gone }, TimeSpan.FromSeconds(5), NullSink.Instance));
            Assert.Equal(ErrorIds.PathNotFound, e.ErrorId);
            Assert.Contains(gone, e.Message);

            // The dirty gate of a worktree that vanished while it was checked: a race, said as one.
            var raced = Assert.Throws<WorktrunkException>(() => Worktrunk.Removal.DirtyGate.Entries(new Worktrunk.Git.GitRunner(NullSink.Instance), gone));
            Assert.Equal(ErrorIds.RemovalRaced, raced.ErrorId);
        }

        [Fact]
        public void Stdin_bytes_reach_the_child_whole_and_then_end_of_file()
        {
            var options = new SpawnOptions("sh", new[] { "-c", "cat; echo '[eof]'" }) { StdinBytes = System.Text.Encoding.UTF8.GetBytes("a\0b\nc") };
            var r = ProcessRunner.Run(options, TimeSpan.FromSeconds(10), NullSink.Instance);
            Assert.Equal("a\0b\nc[eof]\n", r.Stdout);
            Assert.Throws<ArgumentException>(() => ProcessRunner.Run(new SpawnOptions("true", Array.Empty<string>()) { StdinBytes = new byte[SpawnOptions.MaxStdinBytes + 1] }, TimeSpan.FromSeconds(5), NullSink.Instance));
        }

        [Fact]
        public void Every_command_is_reported_to_the_sink_before_it_runs()
        {
            var sink = new RecordingSink();
            Sh("true", sink: sink);
            Assert.Contains(sink.Verbose, v => v.StartsWith("sh -c true", StringComparison.Ordinal));
        }

        [Fact]
        public void A_grandchild_holding_the_output_pipe_does_not_hang_the_call()
        {
            // This is how an auto-started fsmonitor daemon hangs naive callers: it inherits stdout
            // and lives on. The runner must return once the direct child has exited.
            var clock = Stopwatch.StartNew();
            var r = Sh("sleep 30 & echo $!; echo tail", TimeSpan.FromSeconds(20));
            clock.Stop();
            var grandchild = int.Parse(r.Stdout.Split('\n')[0]);
            _procs.Track(grandchild);

            Assert.Equal(0, r.ExitCode);
            Assert.Contains("tail", r.Stdout);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");

            // A normal exit leaves the group alone: the grandchild is still running.
            Assert.True(TestProcesses.IsAlive(grandchild));
        }

        [Fact]
        public void Timeout_kills_the_whole_process_group_including_a_pipe_holding_grandchild()
        {
            var pidFile = Path.Combine(_dir, "pid");
            var clock = Stopwatch.StartNew();
            var e = Assert.Throws<WorktrunkException>(() => Sh($"sleep 60 & echo $! > '{pidFile}'; echo $$ >> '{pidFile}'; sleep 60", TimeSpan.FromMilliseconds(700)));
            clock.Stop();
            Assert.Equal(ErrorIds.CommandTimedOut, e.ErrorId);
            Assert.Equal(ErrorKind.OperationTimeout, e.Kind);

            var pids = File.ReadAllLines(pidFile).Select(int.Parse).ToArray();
            foreach (var pid in pids)
            {
                _procs.Track(pid);
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
            Assert.All(pids, pid => Assert.True(TestProcesses.WaitUntil(() => !TestProcesses.IsAlive(pid), TimeSpan.FromSeconds(2)), $"pid {pid} survived"));
        }

        [Fact]
        public void Timeout_escalates_to_SIGKILL_when_the_group_ignores_SIGTERM()
        {
            var pidFile = Path.Combine(_dir, "pid-ignore");
            var e = Assert.Throws<WorktrunkException>(() => Sh($"trap '' TERM; sleep 60 & echo $! > '{pidFile}'; sleep 60", TimeSpan.FromMilliseconds(500)));
            Assert.Equal(ErrorIds.CommandTimedOut, e.ErrorId);
            var pid = int.Parse(File.ReadAllText(pidFile).Trim());
            _procs.Track(pid);
            Assert.True(TestProcesses.WaitUntil(() => !TestProcesses.IsAlive(pid), TimeSpan.FromSeconds(2)));
        }

        [Fact]
        public void Cancellation_stops_the_group_and_throws_CommandStopped()
        {
            var pidFile = Path.Combine(_dir, "pid-cancel");
            using var cts = new System.Threading.CancellationTokenSource(TimeSpan.FromMilliseconds(400));
            var options = new SpawnOptions("sh", new[] { "-c", $"sleep 60 & echo $! > '{pidFile}'; sleep 60" });
            var e = Assert.Throws<WorktrunkException>(() => ProcessRunner.Run(options, TimeSpan.FromSeconds(30), NullSink.Instance, cts.Token));
            Assert.Equal(ErrorIds.CommandStopped, e.ErrorId);
            var pid = int.Parse(File.ReadAllText(pidFile).Trim());
            _procs.Track(pid);
            Assert.True(TestProcesses.WaitUntil(() => !TestProcesses.IsAlive(pid), TimeSpan.FromSeconds(2)));
        }

        [Fact]
        public void Environment_changes_apply_and_null_removes_a_variable()
        {
            Environment.SetEnvironmentVariable("WT_TEST_REMOVE_ME", "x");
            var options = new SpawnOptions("sh", new[] { "-c", "echo \"${WT_TEST_SET-unset}:${WT_TEST_REMOVE_ME-unset}\"" });
            options.Environment["WT_TEST_SET"] = "yes";
            options.Environment["WT_TEST_REMOVE_ME"] = null;
            var r = ProcessRunner.Run(options, TimeSpan.FromSeconds(10), NullSink.Instance);
            Assert.Equal("yes:unset\n", r.Stdout);
        }

        private static SpawnOptions Stage(string program, params string[] args) => new SpawnOptions(program, args);

        [Fact]
        public void A_pipeline_joins_its_stages_by_pipes_and_carries_more_than_a_pipe_buffer()
        {
            // 4 MiB through three stages: far beyond a pipe buffer and beyond what StdinBytes can hold.
            var r = ProcessRunner.RunPipeline(
                new[] { Stage("head", "-c", "4194304", "/dev/zero"), Stage("tr", "\\0", "a"), Stage("wc", "-c") },
                TimeSpan.FromSeconds(60),
                NullSink.Instance);
            Assert.True(r.Succeeded, r.Stderr);
            Assert.Equal("4194304", r.Stdout.Trim());
        }

        [Fact]
        public void A_pipeline_passes_arguments_verbatim_without_a_shell()
        {
            var weird = "a b 'c' \"d\" $HOME `x` ; | *";
            var r = ProcessRunner.RunPipeline(new[] { Stage("printf", "%s", weird), Stage("cat") }, TimeSpan.FromSeconds(10), NullSink.Instance);
            Assert.Equal(weird, r.Stdout);
        }

        [Fact]
        public void A_failing_earlier_stage_fails_the_pipeline()
        {
            var r = ProcessRunner.RunPipeline(new[] { Stage("sh", "-c", "printf partial; exit 4"), Stage("cat") }, TimeSpan.FromSeconds(10), NullSink.Instance);
            Assert.False(r.Succeeded);
            Assert.Equal(4, r.ExitCode);
        }

        [Fact]
        public void A_reader_that_stops_early_ends_an_endless_writer_with_SIGPIPE_and_succeeds()
        {
            var r = ProcessRunner.RunPipeline(new[] { Stage("yes"), Stage("head", "-c", "2") }, TimeSpan.FromSeconds(30), NullSink.Instance);
            Assert.True(r.Succeeded, r.Stderr);
            Assert.Equal("y\n", r.Stdout);
        }

        [Fact]
        public void A_pipeline_timeout_tears_down_the_earlier_stages()
        {
            var pidFile = Path.Combine(_dir, "pid-pipeline");
            var producer = Stage("sh", "-c", $"echo $$ > '{pidFile}'; exec sleep 60");
            var e = Assert.Throws<WorktrunkException>(() => ProcessRunner.RunPipeline(new[] { producer, Stage("cat") }, TimeSpan.FromMilliseconds(500), NullSink.Instance));
            Assert.Equal(ErrorIds.CommandTimedOut, e.ErrorId);
            var pid = int.Parse(File.ReadAllText(pidFile).Trim());
            _procs.Track(pid);
            Assert.True(TestProcesses.WaitUntil(() => !TestProcesses.IsAlive(pid), TimeSpan.FromSeconds(2)));
        }
    }
}
