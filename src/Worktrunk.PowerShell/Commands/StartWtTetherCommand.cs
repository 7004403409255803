// Contract: Start-WtTether runs a command with its whole process tree tethered to its worktree:
// the tree is torn down when the command exits (final sweep), when the worktree is removed, or
// when the pipeline is stopped (Ctrl+C), and the tree is down before this cmdlet returns. The
// supervision itself lives in Worktrunk.Core (Tether/); this file binds parameters, resolves
// paths against the session, and maps results to PowerShell ($LASTEXITCODE, error records).
// Data safety: the command is run directly (no shell); only the group it leads is signalled.
// Nothing is started under -WhatIf; a command that cannot start is a terminating error with
// nothing left running. -TetherGuardian (hidden) makes this process a session's guardian
// (Tether/TetherGuardian.cs): it signals only groups it was armed with, after end-of-file.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Interop;
using Worktrunk.IO;
using Worktrunk.PowerShell.Internal;
using Worktrunk.Processes;
using Worktrunk.Tether;

namespace Worktrunk.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Runs a command with its whole process tree tethered to its worktree.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "WtTether", DefaultParameterSetName = CommandSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(WtTetherResult), typeof(WtTether))]
    public sealed class StartWtTetherCommand : WorktrunkCmdlet
    {
        private const string CommandSet = "Command";
        private const string FilePathSet = "FilePath";
        private const string SuperviseSet = "Supervise";
        private const string GuardianSet = "Guardian";

        private TetherSupervisor? _running;

        /// <summary>Gets or sets the command and its arguments, usually after `--`: Start-WtTether -- npm run dev.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromRemainingArguments = true, ParameterSetName = CommandSet)]
        [AllowEmptyString]
        public string[]? Command { get; set; }

        /// <summary>Gets or sets the program to run (a name looked up on PATH, or a path).</summary>
        [Parameter(Mandatory = true, ParameterSetName = FilePathSet)]
        [ValidateNotNullOrEmpty]
        public string? FilePath { get; set; }

        /// <summary>Gets or sets the program's arguments, passed verbatim.</summary>
        [Parameter(ParameterSetName = FilePathSet)]
        [Alias("Args")]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public string[]? ArgumentList { get; set; }

        /// <summary>Gets or sets the command's working directory; defaults to the session's current location. The watched worktree is the one containing it. Binds from the pipeline by property name Path (a Worktrunk.WtWorktree).</summary>
        [Parameter(ParameterSetName = CommandSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = FilePathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("Path")]
        [ValidateNotNullOrEmpty]
        public string? WorkingDirectory { get; set; }

        /// <summary>Gets or sets how long the tree gets to exit after SIGTERM before SIGKILL (a number means seconds). Default 5 seconds.</summary>
        [Parameter(ParameterSetName = CommandSet)]
        [Parameter(ParameterSetName = FilePathSet)]
        [GracePeriodTransformation]
        [ValidateGracePeriod]
        public TimeSpan GracePeriod
        {
            get => _gracePeriod ?? TetherSpec.DefaultGracePeriod;
            set => _gracePeriod = value;
        }

        /// <summary>Gets or sets a value indicating whether to return at once with a Worktrunk.WtTether while a supervisor outlives this session.</summary>
        [Parameter(ParameterSetName = CommandSet)]
        [Parameter(ParameterSetName = FilePathSet)]
        public SwitchParameter Detach { get; set; }

        /// <summary>Gets or sets the internal payload of a detached supervisor (used by -Detach; not for people).</summary>
        [Parameter(Mandatory = true, ParameterSetName = SuperviseSet, DontShow = true)]
        [ValidateNotNullOrEmpty]
        public string? SupervisorSpec { get; set; }

        /// <summary>Gets or sets a value indicating whether this process is a session's tether guardian (started by the first tether of a session; not for people).</summary>
        [Parameter(Mandatory = true, ParameterSetName = GuardianSet, DontShow = true)]
        public SwitchParameter TetherGuardian { get; set; }

        private TimeSpan? _gracePeriod;

        /// <inheritdoc/>
        /// <remarks>One tether per input record: `Get-WtWorktree | Start-WtTether -Detach -- npm run dev` starts one in each worktree (without pipeline input this runs once).</remarks>
        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case SuperviseSet:
                    ConfigureGuardian();
                    Supervise();
                    return;
                case GuardianSet:
                    // The guardian's whole life: read arm/done lines from stdin until end-of-file,
                    // then tear down what is still armed (Tether/TetherGuardian.cs).
                    Worktrunk.Tether.TetherGuardian.Serve();
                    return;
                case CommandSet:
                case FilePathSet:
                    break;
                default:
                    throw new InvalidOperationException("Unknown parameter set " + ParameterSetName);
            }

            string fileName;
            var arguments = new List<string>();
            if (ParameterSetName == CommandSet)
            {
                fileName = Command![0] ?? string.Empty;
                for (var i = 1; i < Command.Length; i++)
                {
                    arguments.Add(Command[i] ?? string.Empty);
                }
            }
            else
            {
                fileName = FilePath!;
                foreach (var a in ArgumentList ?? Array.Empty<string>())
                {
                    arguments.Add(a ?? string.Empty);
                }
            }

            if (fileName.Trim().Length == 0)
            {
                ThrowTerminatingError(ErrorMapper.Create(ErrorIds.CommandNotFound, ErrorCategory.InvalidArgument, "The command to tether is empty.", fileName, "Put the command after --: Start-WtTether -- npm run dev"));
            }

            // Input a C argv cannot carry is refused before anything runs (git included), so
            // nothing is ever started with a silently truncated program or argument.
            try
            {
                TetherInput.CheckText(fileName, arguments);
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e);
            }

            var workingDirectory = ResolveDirectory(WorkingDirectory, nameof(WorkingDirectory));
            if (!Directory.Exists(workingDirectory))
            {
                ThrowTerminatingError(ErrorMapper.Create(ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, $"Cannot find directory {Printable.Quote(workingDirectory)}.", workingDirectory));
            }

            try
            {
                TetherInput.CheckProgram(fileName, workingDirectory);
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e);
            }

            var (watched, commonDir) = LocateWorktree(workingDirectory);
            var spec = new TetherSpec(fileName, arguments, workingDirectory, watched, GracePeriod);
            var target = $"{spec.Display} (in {Printable.Quote(workingDirectory)}; tethered to {Printable.Quote(watched)})";
            if (!ShouldProcess(target, Detach ? "Start a detached tethered command" : "Start a tethered command"))
            {
                return;
            }

            if (Detach)
            {
                StartDetached(spec, commonDir);
            }
            else
            {
                ConfigureGuardian();
                RunAttached(spec);
            }
        }

        /// <inheritdoc/>
        internal override void OnDispose()
        {
            // The pipeline ended without Run finishing (the runspace closed under us): tear down.
            _running?.Dispose();
            _running = null;
        }

        private void RunAttached(TetherSpec spec)
        {
            TetherSupervisor supervisor;
            try
            {
                supervisor = TetherSupervisor.Start(spec, Sink);
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e, spec.FileName);
                return;
            }

            WtTetherResult result;
            _running = supervisor;
            try
            {
                // Blocks on the pipeline thread; StopProcessing cancels the token, and the tree is
                // torn down before Run returns. Anything thrown out of Run (a stopped pipeline's
                // Write*) leaves only after the teardown too.
                result = supervisor.Run(Cancellation);
            }
            finally
            {
                supervisor.Dispose();
                _running = null;
            }

            if (result.Reason == WtTetherEndReason.Stopped)
            {
                // The pipeline is stopping: PowerShell discards anything written now.
                return;
            }

            Sink.Drain();
            SessionState.PSVariable.Set("global:LASTEXITCODE", result.LastExitCode);
            WriteObject(result);
            if (result.Failed)
            {
                WriteError(ErrorMapper.Create(
                    ErrorIds.TetheredCommandFailed,
                    ErrorCategory.NotSpecified,
                    $"{spec.Display} failed: {ExitStatus.Describe(result.ExitCode, result.Signal)}.",
                    result,
                    "The command's process group was swept; $LASTEXITCODE holds " + result.LastExitCode.ToString(CultureInfo.InvariantCulture) + "."));
            }
        }

        private void StartDetached(TetherSpec spec, string? commonDir)
        {
            var path = Environment.GetEnvironmentVariable("PATH");
            var resolved = Platform.IsWindows
                ? WindowsCommand.Resolve(spec.FileName, path, Environment.GetEnvironmentVariable("PATHEXT"), spec.WorkingDirectory, File.Exists)
                : ExecutableLocator.Resolve(spec.FileName, path, spec.WorkingDirectory);
            if (resolved == null)
            {
                ThrowTerminatingError(ErrorMapper.Create(ErrorIds.CommandNotFound, ErrorCategory.ObjectNotFound, $"Cannot find {Printable.Quote(spec.FileName)} on PATH.", spec.FileName));
            }

            var host = ResolveHost();
            if (host == null)
            {
                ThrowTerminatingError(ErrorMapper.Create(
                    ErrorIds.TetherHostNotFound,
                    ErrorCategory.ObjectNotFound,
                    "-Detach needs a PowerShell host for its supervisor, and none was found.",
                    spec.FileName,
                    "Put pwsh on PATH, or set " + TetherDetach.HostVariable + " to a PowerShell executable."));
            }

            try
            {
                var tether = TetherDetach.Launch(spec, commonDir, host!, ManifestPath(), TetherDetach.DefaultHandshakeTimeout, Sink, Cancellation);
                Sink.Drain();
                WriteObject(tether);
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e, spec.FileName);
            }
        }

        private void Supervise()
        {
            try
            {
                TetherDetach.Supervise(SupervisorSpec!, Cancellation);
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e);
            }
        }

        /// <summary>The watched path (the worktree root holding the directory, else the directory itself) and the common git dir, if any.</summary>
        private (string Watched, string? CommonDir) LocateWorktree(string workingDirectory)
        {
            try
            {
                var repo = RepositoryLocator.Locate(workingDirectory, Git);
                if (repo.WorkTreeRoot == null)
                {
                    Sink.Verbose($"{Printable.Quote(workingDirectory)} is in a bare repository or a git directory; watching the directory itself.");
                }

                return (repo.WorkTreeRoot ?? PathUtil.Canonicalize(workingDirectory), repo.CommonDir);
            }
            catch (WorktrunkException e)
            {
                // Outside a repository the directory itself is watched: its removal is a subset of
                // any enclosing worktree's removal, so this never tears down too early.
                Sink.Verbose($"Not in a git worktree ({Printable.OneLine(e.Message)}); watching {Printable.Quote(workingDirectory)} itself.");
                return (PathUtil.Canonicalize(workingDirectory), null);
            }
        }

        /// <summary>The PowerShell host for supervisors and guardians (WORKTRUNK_POWERSHELL_HOST, this process when it is pwsh, pwsh on PATH), or null.</summary>
        private static string? ResolveHost() =>
            TetherDetach.ResolveHost(Environment.GetEnvironmentVariable(TetherDetach.HostVariable), CurrentExecutable(), Environment.GetEnvironmentVariable("PATH"), File.Exists);

        /// <summary>The module's manifest next to this assembly (the assembly itself when there is none).</summary>
        private static string ManifestPath()
        {
            var moduleDir = System.IO.Path.GetDirectoryName(typeof(StartWtTetherCommand).Assembly.Location) ?? string.Empty;
            var manifest = System.IO.Path.Combine(moduleDir, "Worktrunk.psd1");
            return File.Exists(manifest) ? manifest : typeof(StartWtTetherCommand).Assembly.Location;
        }

        /// <summary>Tells the core where this session's tether guardian comes from (Unix; without a host the tether warns and runs unguarded).</summary>
        private static void ConfigureGuardian()
        {
            if (Platform.IsWindows)
            {
                return;
            }

            var host = ResolveHost();
            if (host != null)
            {
                Worktrunk.Tether.TetherGuardian.Configure(host, ManifestPath());
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

        /// <summary>Lets -GracePeriod take seconds (10, 0.5, '2.5') as well as a TimeSpan or '00:00:10'.</summary>
        private sealed class GracePeriodTransformationAttribute : ArgumentTransformationAttribute
        {
            public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
            {
                var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
                switch (value)
                {
                    case TimeSpan span:
                        return span;
                    case int i:
                        return TimeSpan.FromSeconds(i);
                    case long l:
                        return TimeSpan.FromSeconds(l);
                    case double d:
                        return TimeSpan.FromSeconds(d);
                    case decimal m:
                        return TimeSpan.FromSeconds((double)m);
                    case string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds):
                        return TimeSpan.FromSeconds(seconds);
                    case string s when TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var parsed):
                        return parsed;
                    default:
                        return inputData;
                }
            }
        }

        /// <summary>Keeps -GracePeriod between 0 and one hour.</summary>
        private sealed class ValidateGracePeriodAttribute : ValidateArgumentsAttribute
        {
            protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
            {
                var value = arguments is PSObject wrapped ? wrapped.BaseObject : arguments;
                if (!(value is TimeSpan span) || span < TimeSpan.Zero || span > TimeSpan.FromHours(1))
                {
                    throw new ValidationMetadataException("The grace period must be between 0 and 1 hour (a number means seconds).");
                }
            }
        }
    }
}
