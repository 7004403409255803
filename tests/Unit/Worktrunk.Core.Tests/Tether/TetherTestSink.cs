using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Worktrunk.Diagnostics;

namespace Worktrunk.Core.Tests.Tether
{
    /// <summary>A sink that keeps every message (Debug included, where the guardian's PID is reported); optionally throws once armed, as a stopped pipeline's Write* does.</summary>
    internal sealed class TetherTestSink : IDiagnosticSink
    {
        private readonly ConcurrentQueue<string> _all = new ConcurrentQueue<string>();

        internal List<string> Messages => _all.ToList();

        internal List<string> Warnings => _all.Where(m => m.StartsWith("W:", StringComparison.Ordinal)).ToList();

        /// <summary>When set, every Verbose or Warning call throws this exception.</summary>
        internal Func<Exception>? ThrowOnWrite { get; set; }

        /// <summary>The guardian's PID reported at Debug level, or 0.</summary>
        internal int GuardianPid
        {
            get
            {
                var line = _all.FirstOrDefault(m => m.StartsWith("D:tether guardian pid ", StringComparison.Ordinal));
                return line == null ? 0 : int.Parse(new string(line.Substring("D:tether guardian pid ".Length).TakeWhile(char.IsDigit).ToArray()), CultureInfo.InvariantCulture);
            }
        }

        public void Verbose(string message)
        {
            _all.Enqueue("V:" + message);
            if (ThrowOnWrite != null)
            {
                throw ThrowOnWrite();
            }
        }

        public void Warning(string message)
        {
            _all.Enqueue("W:" + message);
            if (ThrowOnWrite != null)
            {
                throw ThrowOnWrite();
            }
        }

        /// <summary>When set, every Debug call throws this exception (after recording the message).</summary>
        internal Func<Exception>? ThrowOnDebug { get; set; }

        public void Debug(string message)
        {
            _all.Enqueue("D:" + message);
            if (ThrowOnDebug != null)
            {
                throw ThrowOnDebug();
            }
        }

        public void Progress(int activityId, string activity, string status, int percent, bool completed)
        {
        }
    }
}
