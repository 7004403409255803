using System;
using System.Globalization;
using Worktrunk.Diagnostics;

namespace Worktrunk.Tether
{
    /// <summary>
    /// The diagnostic sink of a detached supervisor: its own lines go to the same log as the
    /// command's output, prefixed "[wt-tether &lt;UTC time&gt;]". Appends (O_APPEND), so lines
    /// interleave with the command's output but are never torn. Write failures are ignored: a
    /// full disk must not stop a teardown. The log is never created here (TetherDetach made it
    /// 0600), and each message stays one line (control characters escaped).
    /// </summary>
    internal sealed class TetherLog : IDiagnosticSink
    {
        private readonly string? _path;

        internal TetherLog(string? path)
        {
            _path = path;
        }

        public void Verbose(string message) => Append(message);

        public void Warning(string message) => Append("warning: " + message);

        public void Debug(string message) => Append(message);

        public void Progress(int activityId, string activity, string status, int percent, bool completed)
        {
        }

        internal void Append(string message)
        {
            if (_path == null)
            {
                return;
            }

            // One line per message: a file name with a newline in it must not start a fake log line.
            TetherLogFile.Append(_path, "[wt-tether " + DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) + "] " + Printable.OneLine(message) + "\n");
        }
    }
}
