using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.IO;
using Worktrunk.Operations;
using Worktrunk.Processes;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Operations
{
    /// <summary>
    /// Start-WtTether as one core operation through the recording host: the one ShouldProcess
    /// question, refusals with nothing started, -WhatIf and a declined question starting nothing,
    /// a real attached run and its exit code, Ctrl+C, the directory watched outside a repository,
    /// and -Detach with tools/Worktrunk.Shell as the PowerShell host. Every command writes a marker
    /// file, so "nothing started" is checked by the file's absence, not by trusting the code.
    /// </summary>
    public sealed class TetherStartTests : IDisposable
    {
        private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
        private readonly TestProcesses _procs = new TestProcesses();
        private readonly GitSandbox _sandbox = GitSandbox.Create();
        private readonly string _marker;

        public TetherStartTests()
        {
            Assert.True(File.Exists(RepoPaths.ShellExecutable), "build tools/Worktrunk.Shell first: " + RepoPaths.ShellExecutable);
            _marker = Path.Combine(_sandbox.Root, "marker");
        }

        // The session's guardian belongs to this test process (DEVELOPERS.md): never killed here.
        public void Dispose()
        {
            _procs.Dispose();
            _sandbox.Dispose();
        }

        /// <summary>sh writing its PID to the marker, then running <paramref name="then"/>.</summary>
        private string[] MarkerScript(string then) => new[] { "-c", "echo $$ > \"$1\"; " + then, "sh", _marker };

        private static TetherStartRequest Request(string fileName, IReadOnlyList<string> arguments, string directory, bool detach = false) =>
            new TetherStartRequest(fileName, arguments, directory, RepoPaths.ModuleManifest)
            {
                GracePeriod = TimeSpan.FromSeconds(2),
                Detach = detach,
                PowerShellHost = () => RepoPaths.ShellExecutable,
            };

        private static TetherStart Operation(TetherStartRequest request, RecordingOperationHost host) =>
            new TetherStart(request, new GitRunner(host.Sink, host.Cancellation), host);

        private static string ExpectedTarget(string fileName, IReadOnlyList<string> arguments, string directory, string watched) =>
            $"{CommandLine.Format(fileName, arguments)} (in {Printable.Quote(directory)}; tethered to {Printable.Quote(watched)})";

        [Fact]
        public void An_attached_run_asks_once_naming_command_directory_and_worktree_and_returns_the_exit_code()
        {
            var wt = _sandbox.AddWorktree("feature");
            var sub = Path.Combine(wt, "src");
            Directory.CreateDirectory(sub);
            var arguments = MarkerScript("exit 3");
            var host = new RecordingOperationHost(_sandbox.RepoPath);
            var exitCodes = new List<int>();
            var request = Request("sh", arguments, sub);
            request.ExitCode = code =>
            {
                // Reported before the result is written ($LASTEXITCODE is set when downstream sees it).
                Assert.Empty(host.Outputs);
                exitCodes.Add(code);
            };

            var result = Operation(request, host).Run();

            Assert.Equal(new[] { (ExpectedTarget("sh", arguments, sub, PathUtil.Canonicalize(wt)), TetherStart.AttachedAction) }, host.Questions);
            Assert.NotNull(result);
            Assert.Same(result, Assert.Single(host.Outputs));
            Assert.Equal(3, result!.ExitCode);
            Assert.Equal(WtTetherEndReason.Exited, result.Reason);
            Assert.Equal(new[] { 3 }, exitCodes);
            Assert.Equal(result.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(_marker).Trim());
            Assert.False(TestProcesses.IsAlive(result.ProcessId));
            Assert.Empty(host.Errors);
        }

        [Fact]
        public void A_failing_command_is_a_TetheredCommandFailed_failure_and_a_succeeding_one_is_none()
        {
            var host = new RecordingOperationHost(_sandbox.RepoPath);
            var failing = Operation(Request("sh", MarkerScript("exit 7"), _sandbox.RepoPath), host);
            var result = failing.Run();
            Assert.NotNull(failing.Failure);
            Assert.Equal(ErrorIds.TetheredCommandFailed, failing.Failure!.ErrorId);
            Assert.Same(result, failing.Failure.Target);
            Assert.Contains("$LASTEXITCODE holds 7", failing.Failure.Hint!, StringComparison.Ordinal);

            var fine = Operation(Request("sh", MarkerScript("exit 0"), _sandbox.RepoPath), host);
            Assert.Equal(0, fine.Run()!.ExitCode);
            Assert.Null(fine.Failure);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void WhatIf_asks_with_the_right_action_and_starts_nothing(bool detach)
        {
            var host = new RecordingOperationHost(_sandbox.RepoPath, whatIf: true);
            var arguments = MarkerScript("exit 0");

            var result = Operation(Request("sh", arguments, _sandbox.RepoPath, detach), host).Run();

            Assert.Null(result);
            Assert.Equal(new[] { (ExpectedTarget("sh", arguments, _sandbox.RepoPath, _sandbox.RepoPath), detach ? TetherStart.DetachedAction : TetherStart.AttachedAction) }, host.Questions);
            Assert.False(File.Exists(_marker));
            Assert.Empty(host.Outputs);
            Assert.Empty(host.Errors);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void A_declined_question_starts_nothing(bool detach)
        {
            var host = new RecordingOperationHost(_sandbox.RepoPath) { Approve = (_, _) => false };

            var operation = Operation(Request("sh", MarkerScript("exit 0"), _sandbox.RepoPath, detach), host);
            Assert.Null(operation.Run());

            Assert.Single(host.Questions);
            Assert.False(File.Exists(_marker));
            Assert.Empty(host.Outputs);
            Assert.Null(operation.Failure);
        }

        public static TheoryData<string, string, string, bool> Refusals() => new TheoryData<string, string, string, bool>
        {
            { "empty", "  ", ErrorIds.CommandNotFound, false },
            { "empty", string.Empty, ErrorIds.CommandNotFound, true },
            { "nul-argument", "sh", ErrorIds.InvalidCommandArgument, false },
            { "nul-argument", "sh", ErrorIds.InvalidCommandArgument, true },
            { "nul-program", "s\0h", ErrorIds.InvalidPath, false },
            { "missing-directory", "sh", ErrorIds.PathNotFound, false },
            { "missing-directory", "sh", ErrorIds.PathNotFound, true },
            { "program-is-directory", "./sub", ErrorIds.CommandIsDirectory, false },
            { "not-on-path", "wt-no-such-program-1b2c", ErrorIds.CommandNotFound, true },
        };

        [Theory]
        [MemberData(nameof(Refusals))]
        public void Bad_input_is_refused_with_its_error_id_before_anything_is_asked_or_started(string kind, string fileName, string errorId, bool detach)
        {
            Directory.CreateDirectory(Path.Combine(_sandbox.RepoPath, "sub"));
            var arguments = MarkerScript("exit 0").ToList();
            if (kind == "nul-argument")
            {
                arguments.Add("a\0b");
            }

            var directory = kind == "missing-directory" ? Path.Combine(_sandbox.Root, "gone") : _sandbox.RepoPath;
            var host = new RecordingOperationHost(_sandbox.RepoPath);

            var e = Assert.Throws<WorktrunkException>(() => Operation(Request(fileName, arguments, directory, detach), host).Run());

            Assert.Equal(errorId, e.ErrorId);
            Assert.NotNull(e.Target);
            if (kind != "not-on-path")
            {
                Assert.Empty(host.Questions);
            }

            Assert.False(File.Exists(_marker));
            Assert.Empty(host.Outputs);
        }

        [Fact]
        public void Detach_without_a_PowerShell_host_is_TetherHostNotFound_with_nothing_started()
        {
            var host = new RecordingOperationHost(_sandbox.RepoPath);
            var request = Request("sh", MarkerScript("exit 0"), _sandbox.RepoPath, detach: true);
            request.PowerShellHost = () => null;

            var e = Assert.Throws<WorktrunkException>(() => Operation(request, host).Run());

            Assert.Equal(ErrorIds.TetherHostNotFound, e.ErrorId);
            Assert.Equal("sh", e.Target);
            Assert.False(File.Exists(_marker));
            Assert.Empty(host.Outputs);
        }

        [Fact]
        public void A_command_outside_a_repository_watches_its_own_directory()
        {
            var plain = Path.Combine(_sandbox.Root, "plain");
            Directory.CreateDirectory(plain);
            var arguments = MarkerScript("exit 0");
            var host = new RecordingOperationHost(plain);

            var result = Operation(Request("sh", arguments, plain), host).Run();

            Assert.Equal(ExpectedTarget("sh", arguments, plain, PathUtil.Canonicalize(plain)), Assert.Single(host.Questions).Target);
            Assert.Contains(host.VerboseLines, l => l.StartsWith("Not in a git worktree (", StringComparison.Ordinal) && l.EndsWith("; watching " + Printable.Quote(plain) + " itself.", StringComparison.Ordinal));
            Assert.Equal(PathUtil.Canonicalize(plain), result!.Worktree);
            Assert.Equal(0, result.ExitCode);
            Assert.True(File.Exists(_marker));
        }

        [Fact]
        public async Task Ctrl_C_tears_the_tree_down_before_Run_returns_and_writes_nothing()
        {
            var host = new RecordingOperationHost(_sandbox.RepoPath);
            var operation = Operation(Request("sh", MarkerScript("exec sleep 120"), _sandbox.RepoPath), host);
            var pid = 0;
            var watcher = Task.Run(() =>
            {
                // Synchronizes on the command's own progress: its PID in the marker file.
                Assert.True(TestProcesses.WaitUntil(() => File.Exists(_marker) && File.ReadAllText(_marker).Trim().Length > 0, Generous), "the command never started");
                pid = int.Parse(File.ReadAllText(_marker).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                _procs.Track(pid, group: true);
                host.Cancel();
            });

            var result = operation.Run();
            await watcher;

            Assert.Null(result);
            Assert.Empty(host.Outputs);
            Assert.Null(operation.Failure);
            Assert.False(TestProcesses.IsAlive(pid));
        }

        [Fact]
        public void Detach_starts_a_supervisor_through_the_PowerShell_host_and_writes_its_WtTether()
        {
            var wt = _sandbox.AddWorktree("served");
            var arguments = MarkerScript("exec sleep 120");
            var host = new RecordingOperationHost(wt);

            var result = Operation(Request("sh", arguments, wt, detach: true), host).Run();

            Assert.Null(result);
            Assert.Equal(new[] { (ExpectedTarget("sh", arguments, wt, PathUtil.Canonicalize(wt)), TetherStart.DetachedAction) }, host.Questions);
            var tether = Assert.IsType<WtTether>(Assert.Single(host.Outputs));
            _procs.Track(tether.ProcessId, group: true);
            _procs.Track(tether.SupervisorId);
            Assert.Equal(PathUtil.Canonicalize(wt), tether.Worktree);
            Assert.True(TestProcesses.WaitUntil(() => File.Exists(_marker) && File.ReadAllText(_marker).Trim().Length > 0, Generous), "the detached command never started");
            Assert.Equal(tether.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(_marker).Trim());
            Assert.True(TestProcesses.IsAlive(tether.SupervisorId));
            Assert.Empty(host.Errors);
        }
    }
}
