using System;
using System.Management.Automation;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Operations;

namespace Worktrunk.PowerShell.Internal
{
    /// <summary>
    /// The one adapter from a cmdlet to the core's <see cref="IOperationHost"/>: ShouldProcess,
    /// -WhatIf (bound or through $WhatIfPreference), the session's location (never the process's
    /// working directory), output and non-terminating errors on the pipeline thread, diagnostics
    /// through the cmdlet's <see cref="PipelineSink"/> (drained before every write, so streams
    /// keep their order), Ctrl+C through the cmdlet's cancellation.
    /// </summary>
    internal sealed class CmdletHost : IOperationHost
    {
        private readonly WorktrunkCmdlet _cmdlet;
        private readonly string? _viewTypeName;

        /// <param name="cmdlet">The cmdlet running the operation.</param>
        /// <param name="viewTypeName">A type name put first on every output object, so the format file picks another view for it (Get-WtWorktree -Status: Worktrunk.WtWorktree#Status); null writes objects as they are.</param>
        internal CmdletHost(WorktrunkCmdlet cmdlet, string? viewTypeName = null)
        {
            _cmdlet = cmdlet;
            _viewTypeName = viewTypeName;
        }

        public IDiagnosticSink Sink => _cmdlet.Sink;

        public CancellationToken Cancellation => _cmdlet.Cancellation;

        public bool IsWhatIf
        {
            get
            {
                if (_cmdlet.MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound))
                {
                    return bound is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(bound);
                }

                return LanguagePrimitives.IsTrue(_cmdlet.SessionState.PSVariable.GetValue("WhatIfPreference", false));
            }
        }

        public string? CurrentLocation => _cmdlet.CurrentFileSystemLocation();

        public bool ShouldProcess(string target, string action)
        {
            _cmdlet.Sink.Drain();
            return _cmdlet.ShouldProcess(target, action);
        }

        public void SetLocation(string directory)
        {
            try
            {
                _cmdlet.SessionState.Path.SetLocation(WildcardPattern.Escape(directory));
            }
            catch (Exception e) when (e is SessionStateException || e is ProviderInvocationException || e is PSInvalidOperationException || e is ArgumentException)
            {
                throw new WorktrunkException(
                    ErrorIds.SetLocationFailed,
                    ErrorKind.InvalidOperation,
                    $"Cannot set the session's location to {Printable.Quote(directory)}: {Printable.OneLine(e.Message)}",
                    directory,
                    null,
                    e);
            }
        }

        public void Output(object item)
        {
            _cmdlet.Sink.Drain();
            if (_viewTypeName == null)
            {
                _cmdlet.WriteObject(item);
                return;
            }

            var o = PSObject.AsPSObject(item);
            o.TypeNames.Insert(0, _viewTypeName);
            _cmdlet.WriteObject(o);
        }

        public void Error(WorktrunkException error, object? target) => _cmdlet.WriteWorktrunkError(error, target);
    }
}
