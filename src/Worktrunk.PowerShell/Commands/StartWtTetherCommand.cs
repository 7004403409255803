// Contract: Start-WtTether runs a command with its whole process tree tethered to its worktree:
// the tree is torn down when the command exits (final sweep), when the worktree is removed, or
// when the pipeline is stopped (Ctrl+C), and the tree is down before this cmdlet returns. The
// checks, the ShouldProcess question, attached vs detached and the supervision live in
// Worktrunk.Core (Operations/TetherStart.cs, Tether/); this file binds parameters, resolves paths
// against the session, and maps results to PowerShell ($LASTEXITCODE, error records).
// Data safety: the command is run directly (no shell); only the group it leads is signalled.
// Nothing is started under -WhatIf; a command that cannot start is a terminating error with
// nothing left running. -TetherGuardian (hidden) makes this process a session's guardian
// (Tether/TetherGuardian.cs): it signals only groups it was armed with, after end-of-file.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using Worktrunk.Diagnostics;
using Worktrunk.Operations;
using Worktrunk.PowerShell.Internal;
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

        private TetherStart? _running;

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
                    try
                    {
                        TetherStart.Supervise(SupervisorSpec!, ManifestPath(), TetherStart.HostFromEnvironment, Cancellation);
                    }
                    catch (WorktrunkException e)
                    {
                        ThrowTerminating(e);
                    }

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

            var request = new TetherStartRequest(fileName, arguments, ResolveDirectory(WorkingDirectory, nameof(WorkingDirectory)), ManifestPath())
            {
                GracePeriod = GracePeriod,
                Detach = Detach.IsPresent,
                ExitCode = code => SessionState.PSVariable.Set("global:LASTEXITCODE", code),
            };
            var operation = new TetherStart(request, Git, new CmdletHost(this));
            _running = operation;
            try
            {
                operation.Run();
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e, fileName);
            }
            finally
            {
                _running = null;
            }

            if (operation.Failure is { } failure)
            {
                WriteError(ErrorMapper.Create(failure.ErrorId, ErrorCategory.NotSpecified, failure.Message, failure.Target, failure.Hint));
            }
        }

        /// <inheritdoc/>
        internal override void OnDispose()
        {
            // The pipeline ended without Run finishing (the runspace closed under us): tear down.
            _running?.Dispose();
            _running = null;
        }

        /// <summary>The module's manifest next to this assembly (the assembly itself when there is none).</summary>
        private static string ManifestPath()
        {
            var moduleDir = System.IO.Path.GetDirectoryName(typeof(StartWtTetherCommand).Assembly.Location) ?? string.Empty;
            var manifest = System.IO.Path.Combine(moduleDir, "Worktrunk.psd1");
            return File.Exists(manifest) ? manifest : typeof(StartWtTetherCommand).Assembly.Location;
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
