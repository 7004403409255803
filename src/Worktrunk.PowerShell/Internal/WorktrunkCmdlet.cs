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
        /// for other providers (a registry or variable drive), and a terminating InvalidPath
        /// error for a path holding a character no path can contain (see <see cref="CheckPathText"/>).
        /// </summary>
        internal string ResolveDirectory(string? path, string parameterName)
        {
            if (path != null)
            {
                CheckPathText(path, parameterName);
            }

            if (string.IsNullOrEmpty(path))
            {
                var location = SessionState.Path.CurrentLocation;
                if (!string.Equals(location.Provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
                {
                    ThrowTerminatingError(ErrorMapper.Create(
                        ErrorIds.NotAFileSystemPath,
                        ErrorCategory.InvalidArgument,
                        $"The current location {Printable.Quote(location.Path)} is not a filesystem path.",
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
                ThrowTerminatingError(ErrorMapper.Create(ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, Printable.OneLine(e.Message), path, inner: e));
                throw;
            }
            catch (ArgumentException e)
            {
                // The provider's own verdict on a malformed path (PSArgumentException included).
                ThrowTerminatingError(InvalidPathRecord(path!, parameterName, Printable.OneLine(e.Message), e));
                throw;
            }

            if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
            {
                ThrowTerminatingError(ErrorMapper.Create(
                    ErrorIds.NotAFileSystemPath,
                    ErrorCategory.InvalidArgument,
                    $"-{parameterName} {Printable.Quote(path)} is not a filesystem path (provider {provider.Name}).",
                    path));
            }

            return resolved;
        }

        /// <summary>
        /// Throws a terminating InvalidPath error when <paramref name="path"/> holds a character
        /// no path can contain: NUL everywhere (a C path ends there, so the rest would be
        /// silently dropped), and on Windows also the characters .NET reports as invalid in paths.
        /// Nothing has been done when it throws.
        /// </summary>
        internal void CheckPathText(string path, string parameterName)
        {
            var bad = path.IndexOf('\0') >= 0 ? path.IndexOf('\0') : path.IndexOfAny(System.IO.Path.GetInvalidPathChars());
            if (bad >= 0)
            {
                var what = path[bad] == '\0' ? "a NUL character" : $"the character U+{(int)path[bad]:X4}";
                ThrowTerminatingError(InvalidPathRecord(path, parameterName, $"-{parameterName} {Printable.Quote(path)} contains {what}, which no path can contain.", null));
            }
        }

        /// <summary>The session's current filesystem location, or null when the session is on another provider.</summary>
        internal string? CurrentFileSystemLocation()
        {
            var location = SessionState.Path.CurrentLocation;
            return string.Equals(location.Provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase) ? location.ProviderPath : null;
        }

        private static ErrorRecord InvalidPathRecord(string path, string parameterName, string message, Exception? inner) =>
            ErrorMapper.Create(ErrorIds.InvalidPath, ErrorCategory.InvalidArgument, message, path, "Pass -" + parameterName + " a path without NUL or other characters that paths cannot contain.", inner);

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
