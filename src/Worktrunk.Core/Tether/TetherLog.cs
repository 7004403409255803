using System;
using System.Globalization;
using System.IO;
using System.Text;
using Worktrunk.Diagnostics;

namespace Worktrunk.Tether
{
    /// <summary>
    /// The diagnostic sink of a detached supervisor: its own lines go to the same log as the
    /// command's output, prefixed "[wt-tether &lt;UTC time&gt;]". Appends (O_APPEND), so lines
    /// interleave with the command's output but are never torn. Write failures are ignored: a
    /// full disk must not stop a teardown.
    /// </summary>
    internal sealed class TetherLog : IDiagnosticSink
    {
        private static readonly Encoding s_utf8 = new UTF8Encoding(false);
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

            try
            {
                File.AppendAllText(_path, "[wt-tether " + DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) + "] " + message + "\n", s_utf8);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
            }
        }
    }
}
