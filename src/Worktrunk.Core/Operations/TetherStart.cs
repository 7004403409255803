// Contract: Start-WtTether's one operation: run a command with its whole process tree tethered
// to the worktree holding its working directory, attached (this thread blocks until the command
// exits, the worktree is removed or Ctrl+C, and the tree is down before Run returns) or detached
// (a supervisor host outlives the session; Run returns its WtTether).
// Guarantees
//   * Every refusal is decided before anything starts, in this order: an empty command
//     (CommandNotFound), a NUL in the program (InvalidPath) or an argument
//     (InvalidCommandArgument), a missing working directory (PathNotFound), a program naming a
//     directory (CommandIsDirectory); then, for -Detach, a program not on PATH (CommandNotFound)
//     and no PowerShell host (TetherHostNotFound). Each is a thrown WorktrunkException with
//     nothing started.
//   * One ShouldProcess, with the command, its directory and the watched worktree as the target;
//     declined (or -WhatIf) starts nothing, not even git beyond locating the worktree.
//   * Outside a repository (or in a bare one) the directory itself is watched: its removal is a
//     subset of any enclosing worktree's removal, so this never tears down too early.
// Data safety: the command is run directly (no shell); only the group it leads (the job on
//   Windows) is signalled, by TetherSupervisor / TetherDetach.
// Signal discipline: Ctrl+C cancels the attached run and the tree is torn down before Run
//   returns (or throws); Dispose tears down a run the caller abandons (the runspace closing).
// Platform: the guardian (a session's dead-man switch) is configured on Unix only; Windows ties
//   the tree to a job object instead. The Windows paths compile here and are not run by tests.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Interop;
using Worktrunk.IO;
using Worktrunk.Processes;
using Worktrunk.Tether;

namespace Worktrunk.Operations
{
    /// <summary>What Start-WtTether is asked to run (already bound and resolved by the caller).</summary>
    internal sealed class TetherStartRequest
    {
        internal TetherStartRequest(string fileName, IReadOnlyList<string> arguments, string workingDirectory, string manifestPath)
        {
            FileName = fileName;
            Arguments = arguments;
            WorkingDirectory = workingDirectory;
            ManifestPath = manifestPath;
        }

        /// <summary>Gets the program (a name looked up on PATH, or a path).</summary>
        internal string FileName { get; }

        /// <summary>Gets the program's arguments, verbatim.</summary>
        internal IReadOnlyList<string> Arguments { get; }

        /// <summary>Gets the command's working directory, already resolved against the session's location.</summary>
        internal string WorkingDirectory { get; }

        /// <summary>Gets the module manifest a supervisor or guardian host imports (the host environment knows where it is).</summary>
        internal string ManifestPath { get; }

        /// <summary>Gets or sets how long the tree gets after SIGTERM before SIGKILL.</summary>
        internal TimeSpan GracePeriod { get; set; } = TetherSpec.DefaultGracePeriod;

        /// <summary>Gets or sets a value indicating whether a detached supervisor runs the command (Run returns at once).</summary>
        internal bool Detach { get; set; }

        /// <summary>Gets or sets how the PowerShell host for supervisors and guardians is found (null: none); asked only when one is needed.</summary>
        internal Func<string?> PowerShellHost { get; set; } = TetherStart.HostFromEnvironment;

        /// <summary>Gets or sets what receives an attached command's exit code before its result is written ($LASTEXITCODE).</summary>
        internal Action<int>? ExitCode { get; set; }

        /// <summary>Gets or sets how long -Detach waits for its supervisor to report.</summary>
        internal TimeSpan HandshakeTimeout { get; set; } = TetherDetach.DefaultHandshakeTimeout;
    }

    /// <summary>The Start-WtTether operation: <see cref="Run"/> once; <see cref="Dispose"/> tears down an abandoned attached run.</summary>
    internal sealed class TetherStart : IDisposable
    {
        /// <summary>The ShouldProcess action of an attached tether.</summary>
        internal const string AttachedAction = "Start a tethered command";

        /// <summary>The ShouldProcess action of a detached tether.</summary>
        internal const string DetachedAction = "Start a detached tethered command";

        private readonly TetherStartRequest _request;
        private readonly GitRunner _git;
        private readonly IOperationHost _host;
        private TetherSupervisor? _running;

        internal TetherStart(TetherStartRequest request, GitRunner git, IOperationHost host)
        {
            _request = request;
            _git = git;
            _host = host;
        }

        /// <summary>Gets the failure of an attached command that ran and failed (TetheredCommandFailed, target: its result), after <see cref="Run"/>; null otherwise.</summary>
        internal WorktrunkException? Failure { get; private set; }

        /// <summary>The ShouldProcess target naming the command, its directory and the watched worktree.</summary>
        internal static string Target(TetherSpec spec) =>
            $"{spec.Display} (in {Printable.Quote(spec.WorkingDirectory)}; tethered to {Printable.Quote(spec.WatchedPath)})";

        /// <summary>The PowerShell host from the environment: WORKTRUNK_POWERSHELL_HOST, this process when it is pwsh, pwsh on PATH; null when none.</summary>
        internal static string? HostFromEnvironment() =>
            TetherDetach.ResolveHost(Environment.GetEnvironmentVariable(TetherDetach.HostVariable), CurrentExecutable(), Environment.GetEnvironmentVariable("PATH"), File.Exists);

        /// <summary>Being a detached supervisor (Start-WtTether -SupervisorSpec): the guardian configured, then the supervision until the command ends.</summary>
        internal static WtTetherResult Supervise(string supervisorSpec, string manifestPath, Func<string?> powerShellHost, System.Threading.CancellationToken cancellation)
        {
            ConfigureGuardian(powerShellHost, manifestPath);
            return TetherDetach.Supervise(supervisorSpec, cancellation);
        }

        /// <summary>
        /// Checks, asks, and starts: the attached result (also written through the host, after
        /// <see cref="TetherStartRequest.ExitCode"/>), or null (declined, -WhatIf, detached: the
        /// WtTether is written, or Ctrl+C: nothing is written). Throws WorktrunkException with
        /// nothing started for every refusal.
        /// </summary>
        internal WtTetherResult? Run()
        {
            var fileName = _request.FileName;
            if (fileName.Trim().Length == 0)
            {
                throw new WorktrunkException(ErrorIds.CommandNotFound, ErrorKind.InvalidArgument, "The command to tether is empty.", fileName, "Put the command after --: Start-WtTether -- npm run dev");
            }

            // Input a C argv cannot carry is refused before anything runs (git included), so
            // nothing is ever started with a silently truncated program or argument.
            TetherInput.CheckText(fileName, _request.Arguments);
            var workingDirectory = _request.WorkingDirectory;
            if (!Directory.Exists(workingDirectory))
            {
                throw new WorktrunkException(ErrorIds.PathNotFound, ErrorKind.ObjectNotFound, $"Cannot find directory {Printable.Quote(workingDirectory)}.", workingDirectory);
            }

            TetherInput.CheckProgram(fileName, workingDirectory);
            var (watched, commonDir) = LocateWorktree(workingDirectory);
            var spec = new TetherSpec(fileName, _request.Arguments, workingDirectory, watched, _request.GracePeriod);
            if (!_host.ShouldProcess(Target(spec), _request.Detach ? DetachedAction : AttachedAction))
            {
                return null;
            }

            if (_request.Detach)
            {
                StartDetached(spec, commonDir);
                return null;
            }

            ConfigureGuardian(_request.PowerShellHost, _request.ManifestPath);
            return RunAttached(spec);
        }

        /// <inheritdoc/>
        public void Dispose()
        {
            // The caller ended without Run finishing (the runspace closed under it): tear down.
            _running?.Dispose();
            _running = null;
        }

        private WtTetherResult? RunAttached(TetherSpec spec)
        {
            var supervisor = TetherSupervisor.Start(spec, _host.Sink);
            WtTetherResult result;
            _running = supervisor;
            try
            {
                // Blocks on the caller's thread; Ctrl+C cancels the token, and the tree is torn
                // down before Run returns. Anything thrown out of Run (a stopped pipeline's
                // Write*) leaves only after the teardown too.
                result = supervisor.Run(_host.Cancellation);
            }
            finally
            {
                supervisor.Dispose();
                _running = null;
            }

            if (result.Reason == WtTetherEndReason.Stopped)
            {
                // The pipeline is stopping: anything written now is discarded.
                return null;
            }

            _request.ExitCode?.Invoke(result.LastExitCode);
            _host.Output(result);
            if (result.Failed)
            {
                Failure = new WorktrunkException(
                    ErrorIds.TetheredCommandFailed,
                    ErrorKind.InvalidOperation,
                    $"{spec.Display} failed: {ExitStatus.Describe(result.ExitCode, result.Signal)}.",
                    result,
                    "The command's process group was swept; $LASTEXITCODE holds " + result.LastExitCode.ToString(CultureInfo.InvariantCulture) + ".");
            }

            return result;
        }

        private void StartDetached(TetherSpec spec, string? commonDir)
        {
            var path = Environment.GetEnvironmentVariable("PATH");
            var resolved = Platform.IsWindows
                ? WindowsCommand.Resolve(spec.FileName, path, Environment.GetEnvironmentVariable("PATHEXT"), spec.WorkingDirectory, File.Exists)
                : ExecutableLocator.Resolve(spec.FileName, path, spec.WorkingDirectory);
            if (resolved == null)
            {
                throw new WorktrunkException(ErrorIds.CommandNotFound, ErrorKind.ObjectNotFound, $"Cannot find {Printable.Quote(spec.FileName)} on PATH.", spec.FileName);
            }

            var host = _request.PowerShellHost();
            if (host == null)
            {
                throw new WorktrunkException(
                    ErrorIds.TetherHostNotFound,
                    ErrorKind.ObjectNotFound,
                    "-Detach needs a PowerShell host for its supervisor, and none was found.",
                    spec.FileName,
                    "Put pwsh on PATH, or set " + TetherDetach.HostVariable + " to a PowerShell executable.");
            }

            var tether = TetherDetach.Launch(spec, commonDir, host, _request.ManifestPath, _request.HandshakeTimeout, _host.Sink, _host.Cancellation);
            _host.Output(tether);
        }

        /// <summary>The watched path (the worktree root holding the directory, else the directory itself) and the common git dir, if any.</summary>
        private (string Watched, string? CommonDir) LocateWorktree(string workingDirectory)
        {
            try
            {
                var repo = RepositoryLocator.Locate(workingDirectory, _git);
                if (repo.WorkTreeRoot == null)
                {
                    _host.Sink.Verbose($"{Printable.Quote(workingDirectory)} is in a bare repository or a git directory; watching the directory itself.");
                }

                return (repo.WorkTreeRoot ?? PathUtil.Canonicalize(workingDirectory), repo.CommonDir);
            }
            catch (WorktrunkException e)
            {
                _host.Sink.Verbose($"Not in a git worktree ({Printable.OneLine(e.Message)}); watching {Printable.Quote(workingDirectory)} itself.");
                return (PathUtil.Canonicalize(workingDirectory), null);
            }
        }

        /// <summary>Tells the core where this session's tether guardian comes from (Unix; without a host the tether warns and runs unguarded).</summary>
        private static void ConfigureGuardian(Func<string?> powerShellHost, string manifestPath)
        {
            if (Platform.IsWindows)
            {
                return;
            }

            var host = powerShellHost();
            if (host != null)
            {
                TetherGuardian.Configure(host, manifestPath);
            }
        }

        private static string? CurrentExecutable()
        {
            try
            {
                using var self = Process.GetCurrentProcess();
                return self.MainModule?.FileName;
            }
            catch (Exception e) when (e is InvalidOperationException || e is System.ComponentModel.Win32Exception || e is NotSupportedException)
            {
                return null;
            }
        }
    }
}
