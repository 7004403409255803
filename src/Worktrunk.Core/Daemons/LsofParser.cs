// Contract: parses `lsof -a -p <pids> -U -F pn` output from macOS and Linux into per-PID records
// and finds each record's fsmonitor socket. Data safety: a PID that produced no record (it
// exited between pgrep and lsof) is absent, never synthesized; lines before any `p` line and
// lines under a non-numeric `p` line are discarded, never attached to a neighbour; a record
// holding no fsmonitor socket name is not a daemon (a pgrep false positive: gdb, a wrapper
// shell). lsof's exit status is ignored by the caller: it is non-zero whenever one listed PID
// vanished, yet the survivors' records are complete.
// Dialects: macOS prints `n/path/fsmonitor--daemon.ipc`, or the bare `nfsmonitor--daemon.ipc`
// once the directory is deleted; Linux lsof appends ` type=STREAM` (and may add `(…)` state)
// to every Unix socket name and keeps the full path after deletion. The suffix is stripped
// before the name is judged; the reference implementation misread it as a bare name and would
// have reaped a live daemon. Linux lsof also cuts a path at its first space, which then no
// longer ends in the socket name: such a daemon is dropped (missed, never misjudged).
// Platform: pure.

using System;
using System.Collections.Generic;
using System.Globalization;

namespace Worktrunk.Daemons
{
    /// <summary>One `p` record of lsof -F output: the PID and its `n` names in order.</summary>
    internal sealed class LsofRecord
    {
        internal LsofRecord(int pid)
        {
            Pid = pid;
        }

        internal int Pid { get; }

        internal List<string> Names { get; } = new List<string>();
    }

    /// <summary>Parser for lsof's field output (-F pn).</summary>
    internal static class LsofParser
    {
        /// <summary>Splits the output into records, in order; a PID repeated by lsof keeps one record.</summary>
        internal static List<LsofRecord> Parse(string output)
        {
            var records = new List<LsofRecord>();
            var byPid = new Dictionary<int, LsofRecord>();
            LsofRecord? current = null;
            foreach (var raw in output.Split('\n'))
            {
                var line = raw.TrimEnd('\r');
                if (line.Length == 0)
                {
                    continue;
                }

                var field = line[0];
                var value = line.Substring(1);
                if (field == 'p')
                {
                    current = null;
                    if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0)
                    {
                        if (!byPid.TryGetValue(pid, out current))
                        {
                            current = new LsofRecord(pid);
                            byPid.Add(pid, current);
                            records.Add(current);
                        }
                    }

                    continue;
                }

                if (field == 'n' && current != null)
                {
                    current.Names.Add(value);
                }
            }

            return records;
        }

        /// <summary>
        /// The fsmonitor socket in a record, or null when it holds none (then it is not a daemon).
        /// A resolved path wins over a bare name; socket-pair endpoints (`-&gt;0x…`) are skipped.
        /// </summary>
        internal static string? SocketOf(LsofRecord record)
        {
            string? bare = null;
            foreach (var raw in record.Names)
            {
                if (raw.StartsWith("->", StringComparison.Ordinal))
                {
                    continue;
                }

                var name = StripSuffix(raw);
                if (name.Length == 0)
                {
                    continue;
                }

                if (FsmonitorSocket.IsBareName(name))
                {
                    bare ??= name;
                    continue;
                }

                if (name.IndexOf('/') >= 0 && FsmonitorSocket.IsFsmonitorSocket(name))
                {
                    return name;
                }
            }

            return bare;
        }

        /// <summary>Removes Linux lsof's trailing ` type=…` and any trailing ` (…)` state from a name.</summary>
        internal static string StripSuffix(string name)
        {
            var s = name.TrimEnd();
            while (true)
            {
                if (s.EndsWith(")", StringComparison.Ordinal))
                {
                    var open = s.LastIndexOf(" (", StringComparison.Ordinal);
                    if (open >= 0)
                    {
                        s = s.Substring(0, open).TrimEnd();
                        continue;
                    }
                }

                var type = s.LastIndexOf(" type=", StringComparison.Ordinal);
                if (type >= 0 && s.IndexOf(' ', type + 1) < 0)
                {
                    s = s.Substring(0, type).TrimEnd();
                    continue;
                }

                if (s.StartsWith("type=", StringComparison.Ordinal) && s.IndexOf(' ') < 0)
                {
                    return string.Empty;
                }

                return s;
            }
        }
    }
}
