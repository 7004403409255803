// Contract: binding for Operations/DaemonStop (stops fsmonitor daemons given by object or PID:
// re-discovered and re-classified before asking and again before signalling; Live and Unknown
// refused without -Force; one ShouldProcess per daemon, asked here in ProcessRecord order; the
// signals sent together in EndProcessing). See DaemonStop for the data-safety and signal rules.

using System;
using System.Management.Automation;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;
using Worktrunk.Operations;
using Worktrunk.PowerShell.Completion;
using Worktrunk.PowerShell.Internal;

namespace Worktrunk.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Stops git fsmonitor daemons: IPC stop, then identity-checked SIGTERM, a bounded wait and SIGKILL.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "WtDaemon", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = InputObjectSet)]
    [OutputType(typeof(WtDaemonStopResult))]
    public sealed class StopWtDaemonCommand : WorktrunkCmdlet
    {
        /// <summary>The ShouldProcess action text.</summary>
        internal const string Action = DaemonStop.Action;

        private const string InputObjectSet = "InputObject";
        private const string ProcessIdSet = "ProcessId";

        private DaemonStop? _stop;

        /// <summary>Gets or sets daemons from Get-WtOrphanDaemon.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
        [ValidateNotNull]
        public WtFsmonitorDaemon[]? InputObject { get; set; }

        /// <summary>Gets or sets process ids of daemons; binds by property name (any object with a ProcessId).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ProcessIdSet)]
        [ArgumentCompleter(typeof(DaemonProcessIdCompleter))]
        public int[]? ProcessId { get; set; }

        /// <summary>Gets or sets a value indicating whether Live and Unknown daemons are stopped too.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Gets or sets how long a daemon has after SIGTERM before SIGKILL, in seconds.</summary>
        [Parameter]
        [ValidateRange(0.0, 300.0)]
        public double TimeoutSec { get; set; } = DaemonSignaller.DefaultDeadline.TotalSeconds;

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            try
            {
                var stop = Operation();
                if (ParameterSetName == ProcessIdSet)
                {
                    stop.Consider(ProcessId!);
                }
                else
                {
                    stop.Consider(InputObject!);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (WorktrunkException e)
            {
                WriteWorktrunkError(e);
            }
        }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            try
            {
                _stop?.Finish();
                Sink.Drain();
            }
            catch (OperationCanceledException)
            {
            }
            catch (WorktrunkException e)
            {
                ThrowTerminating(e);
            }
        }

        private DaemonStop Operation() => _stop ??= new DaemonStop(Force.IsPresent, TimeSpan.FromSeconds(TimeoutSec), new CmdletHost(this));
    }
}
