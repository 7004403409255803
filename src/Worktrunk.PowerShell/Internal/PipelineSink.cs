using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using Worktrunk.Diagnostics;

namespace Worktrunk.PowerShell.Internal
{
    /// <summary>
    /// Adapts the core's diagnostic sink to PowerShell streams. PowerShell allows Write* only on
    /// the pipeline thread: calls made there write at once; calls from other threads are queued
    /// and written by <see cref="Drain"/>, which the cmdlet calls from the pipeline thread.
    /// </summary>
    internal sealed class PipelineSink : IDiagnosticSink
    {
        private readonly Cmdlet _cmdlet;
        private readonly int _pipelineThread;
        private readonly ConcurrentQueue<(Stream Kind, string Text, ProgressRecord? Progress)> _queue = new ConcurrentQueue<(Stream, string, ProgressRecord?)>();

        /// <summary>The PowerShell stream a message goes to.</summary>
        private enum Stream
        {
            Verbose,
            Warning,
            Debug,
            Progress,
        }

        internal PipelineSink(Cmdlet cmdlet)
        {
            _cmdlet = cmdlet;
            _pipelineThread = Thread.CurrentThread.ManagedThreadId;
        }

        public void Verbose(string message) => Emit(Stream.Verbose, message, null);

        public void Warning(string message) => Emit(Stream.Warning, message, null);

        public void Debug(string message) => Emit(Stream.Debug, message, null);

        public void Progress(int activityId, string activity, string status, int percent, bool completed)
        {
            var record = new ProgressRecord(activityId, activity, string.IsNullOrEmpty(status) ? activity : status)
            {
                PercentComplete = percent,
                RecordType = completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            };
            Emit(Stream.Progress, string.Empty, record);
        }

        /// <summary>Writes everything queued by other threads; call on the pipeline thread.</summary>
        internal void Drain()
        {
            while (_queue.TryDequeue(out var item))
            {
                Write(item.Kind, item.Text, item.Progress);
            }
        }

        private void Emit(Stream kind, string text, ProgressRecord? progress)
        {
            if (Thread.CurrentThread.ManagedThreadId == _pipelineThread)
            {
                Drain();
                Write(kind, text, progress);
            }
            else
            {
                _queue.Enqueue((kind, text, progress));
            }
        }

        private void Write(Stream kind, string text, ProgressRecord? progress)
        {
            switch (kind)
            {
                case Stream.Verbose:
                    _cmdlet.WriteVerbose(text);
                    break;
                case Stream.Warning:
                    _cmdlet.WriteWarning(text);
                    break;
                case Stream.Debug:
                    _cmdlet.WriteDebug(text);
                    break;
                default:
                    _cmdlet.WriteProgress(progress);
                    break;
            }
        }
    }
}
