using System;
using System.Management.Automation;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Git;

namespace Worktrunk.PowerShell.Internal
{
    /// <summary>
    /// Base of every Worktrunk cmdlet: diagnostics routed to PowerShell streams, Ctrl+C wired to a
    /// cancellation token (StopProcessing), paths resolved against the PowerShell session rather
    /// than the process, and core failures turned into ErrorRecords in one place.
    /// </summary>
    public abstract class WorktrunkCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private PipelineSink? _sink;
        private bool _disposed;

        /// <summary>Gets the token cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
        internal CancellationToken Cancellation => _stop.Token;

        /// <summary>Gets the sink the core reports to (Verbose shows every external command).</summary>
        internal PipelineSink Sink => _sink ??= new PipelineSink(this);

        /// <summary>Gets a git runner bound to this cmdlet's sink and cancellation.</summary>
        internal GitRunner Git => new GitRunner(Sink, Cancellation);

        /// <inheritdoc/>
        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            OnDispose();
            _stop.Dispose();
            GC.SuppressFinalize(this);
        }

        /// <summary>Releases what a derived cmdlet holds (child processes, timers) even when EndProcessing never ran.</summary>
        internal virtual void OnDispose()
        {
        }

        /// <inheritdoc/>
        protected override void BeginProcessing()
        {
            _sink = new PipelineSink(this);
        }

        /// <inheritdoc/>
        protected override void StopProcessing()
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        /// <summary>
        /// The filesystem directory a path names, resolved against the session's location. Null
        /// means the session's current location. Throws a terminating NotAFileSystemPath error
        /// for other providers (a registry or variable drive).
        /// </summary>
        internal string ResolveDirectory(string? path, string parameterName)
        {
            if (string.IsNullOrEmpty(path))
            {
                var location = SessionState.Path.CurrentLocation;
                if (!string.Equals(location.Provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
                {
                    ThrowTerminatingError(ErrorMapper.Create(
                        ErrorIds.NotAFileSystemPath,
                        ErrorCategory.InvalidArgument,
                        $"The current location '{location.Path}' is not a filesystem path.",
                        location.Path,
                        "Set-Location to a directory inside a repository, or pass -" + parameterName + "."));
                }

                return location.ProviderPath;
            }

            string resolved;
            ProviderInfo provider;
            try
            {
                resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
            }
            catch (Exception e) when (e is ItemNotFoundException || e is DriveNotFoundException || e is ProviderNotFoundException || e is NotSupportedException)
            {
                ThrowTerminatingError(ErrorMapper.Create(ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, e.Message, path, inner: e));
                throw;
            }

            if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
            {
                ThrowTerminatingError(ErrorMapper.Create(
                    ErrorIds.NotAFileSystemPath,
                    ErrorCategory.InvalidArgument,
                    $"-{parameterName} '{path}' is not a filesystem path (provider {provider.Name}).",
                    path));
            }

            return resolved;
        }

        /// <summary>The session's current filesystem location, or null when the session is on another provider.</summary>
        internal string? CurrentFileSystemLocation()
        {
            var location = SessionState.Path.CurrentLocation;
            return string.Equals(location.Provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase) ? location.ProviderPath : null;
        }

        /// <summary>Reports a core failure as a terminating error.</summary>
        internal void ThrowTerminating(WorktrunkException e, object? target = null)
        {
            Sink.Drain();
            ThrowTerminatingError(ErrorMapper.ToErrorRecord(e, target));
        }

        /// <summary>Reports a core failure as a non-terminating error and carries on.</summary>
        internal void WriteWorktrunkError(WorktrunkException e, object? target = null)
        {
            Sink.Drain();
            WriteError(ErrorMapper.ToErrorRecord(e, target));
        }
    }
}
