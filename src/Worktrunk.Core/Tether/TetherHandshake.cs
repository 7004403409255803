using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using Worktrunk.Diagnostics;

namespace Worktrunk.Tether
{
    /// <summary>What a detached supervisor reported to the session that launched it.</summary>
    internal sealed class HandshakeReport
    {
        internal HandshakeReport(int supervisorId, int processId, int processGroupId, DateTimeOffset startTime)
        {
            SupervisorId = supervisorId;
            ProcessId = processId;
            ProcessGroupId = processGroupId;
            StartTime = startTime;
        }

        internal HandshakeReport(string errorId, ErrorKind kind, string message)
        {
            ErrorId = errorId;
            Kind = kind;
            Message = message;
        }

        internal int SupervisorId { get; }

        internal int ProcessId { get; }

        internal int ProcessGroupId { get; }

        internal DateTimeOffset StartTime { get; }

        /// <summary>Set when the supervisor could not start the command.</summary>
        internal string? ErrorId { get; }

        internal ErrorKind Kind { get; }

        internal string? Message { get; }
    }

    /// <summary>
    /// The state file a detached supervisor writes once (atomically: a temporary file renamed
    /// into place) and the launching session reads and deletes: either "ready" with the process
    /// ids, or "failed" with the error id and message of a start that failed.
    /// </summary>
    internal static class TetherHandshake
    {
        private static readonly Encoding s_utf8 = new UTF8Encoding(false);

        internal static void WriteReady(string path, int supervisorId, int processId, int processGroupId, DateTimeOffset startTime) =>
            WriteAtomically(path, "ready\nsupervisor=" + I(supervisorId) + "\npid=" + I(processId) + "\npgid=" + I(processGroupId) + "\nstart=" + startTime.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "\n");

        internal static void WriteFailure(string path, WorktrunkException e) =>
            WriteAtomically(path, "failed\nid=" + e.ErrorId + "\nkind=" + e.Kind.ToString() + "\nmessage=" + Convert.ToBase64String(s_utf8.GetBytes(e.Message)) + "\n");

        /// <summary>Parses a state file's text; null when it is not a complete report.</summary>
        internal static HandshakeReport? Parse(string text)
        {
            var lines = text.Split('\n');
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 1; i < lines.Length; i++)
            {
                var eq = lines[i].IndexOf('=');
                if (eq > 0)
                {
                    values[lines[i].Substring(0, eq)] = lines[i].Substring(eq + 1);
                }
            }

            if (lines[0] == "ready" &&
                values.TryGetValue("supervisor", out var s) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var supervisor) &&
                values.TryGetValue("pid", out var p) && int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) &&
                values.TryGetValue("pgid", out var g) && int.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out var pgid) &&
                values.TryGetValue("start", out var t) && long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
            {
                return new HandshakeReport(supervisor, pid, pgid, DateTimeOffset.FromUnixTimeMilliseconds(start).ToLocalTime());
            }

            if (lines[0] == "failed" && values.TryGetValue("id", out var id) && values.TryGetValue("message", out var m))
            {
                string message;
                try
                {
                    message = s_utf8.GetString(Convert.FromBase64String(m));
                }
                catch (FormatException)
                {
                    message = m;
                }

                var kind = values.TryGetValue("kind", out var k) && Enum.TryParse<ErrorKind>(k, out var parsed) ? parsed : ErrorKind.InvalidOperation;
                return new HandshakeReport(id, kind, message);
            }

            return null;
        }

        private static void WriteAtomically(string path, string text)
        {
            var temp = path + ".tmp";
            File.WriteAllText(temp, text, s_utf8);
            File.Move(temp, path);
        }

        private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
