using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Worktrunk.Diagnostics;

namespace Worktrunk.Core.Tests
{
    /// <summary>A diagnostic sink that keeps everything, for assertions.</summary>
    internal sealed class RecordingSink : IDiagnosticSink
    {
        private readonly ConcurrentQueue<string> _verbose = new ConcurrentQueue<string>();
        private readonly ConcurrentQueue<string> _warnings = new ConcurrentQueue<string>();

        public List<string> Verbose => _verbose.ToList();

        public List<string> Warnings => _warnings.ToList();

        void IDiagnosticSink.Verbose(string message) => _verbose.Enqueue(message);

        public void Warning(string message) => _warnings.Enqueue(message);

        public void Debug(string message)
        {
        }

        public void Progress(int activityId, string activity, string status, int percent, bool completed)
        {
        }
    }
}
