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
        private readonly ConcurrentQueue<(int Kind, string Text, ProgressRecord? Progress)> _queue = new ConcurrentQueue<(int, string, ProgressRecord?)>();

        internal PipelineSink(Cmdlet cmdlet)
        {
            _cmdlet = cmdlet;
            _pipelineThread = Thread.CurrentThread.ManagedThreadId;
        }

        public void Verbose(string message) => Emit(0, message, null);

        public void Warning(string message) => Emit(1, message, null);

        public void Debug(string message) => Emit(2, message, null);

        public void Progress(int activityId, string activity, string status, int percent, bool completed)
        {
            var record = new ProgressRecord(activityId, activity, string.IsNullOrEmpty(status) ? activity : status)
            {
                PercentComplete = percent,
                RecordType = completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            };
            Emit(3, string.Empty, record);
        }

        /// <summary>Writes everything queued by other threads; call on the pipeline thread.</summary>
        internal void Drain()
        {
            while (_queue.TryDequeue(out var item))
            {
                Write(item.Kind, item.Text, item.Progress);
            }
        }

        private void Emit(int kind, string text, ProgressRecord? progress)
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

        private void Write(int kind, string text, ProgressRecord? progress)
        {
            switch (kind)
            {
                case 0:
                    _cmdlet.WriteVerbose(text);
                    break;
                case 1:
                    _cmdlet.WriteWarning(text);
                    break;
                case 2:
                    _cmdlet.WriteDebug(text);
                    break;
                default:
                    _cmdlet.WriteProgress(progress);
                    break;
            }
        }
    }
}
