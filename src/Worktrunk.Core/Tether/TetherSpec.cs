using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Worktrunk.Diagnostics;
using Worktrunk.IO;
using Worktrunk.Processes;

namespace Worktrunk.Tether
{
    /// <summary>
    /// What a tether runs and watches. Immutable. <see cref="Encode"/> turns it into the one
    /// opaque token a detached supervisor receives on its command line: base64 over
    /// length-prefixed UTF-8 fields, so no argument (quotes, newlines, `$`, `;`) is ever parsed
    /// by a shell or by PowerShell.
    /// </summary>
    internal sealed class TetherSpec
    {
        private const string Magic = "wt-tether-spec/2";

        internal TetherSpec(string fileName, IReadOnlyList<string> arguments, string workingDirectory, string watchedPath, TimeSpan gracePeriod, string? logPath = null, string? statePath = null, FileIdentity? watchedIdentity = null)
        {
            if (string.IsNullOrEmpty(fileName))
            {
                throw new ArgumentException("A tethered command needs a program.", nameof(fileName));
            }

            FileName = fileName;
            Arguments = arguments ?? throw new ArgumentNullException(nameof(arguments));
            WorkingDirectory = workingDirectory ?? throw new ArgumentNullException(nameof(workingDirectory));
            WatchedPath = watchedPath ?? throw new ArgumentNullException(nameof(watchedPath));
            GracePeriod = gracePeriod < TimeSpan.Zero ? TimeSpan.Zero : gracePeriod;
            LogPath = string.IsNullOrEmpty(logPath) ? null : logPath;
            StatePath = string.IsNullOrEmpty(statePath) ? null : statePath;
            WatchedIdentity = watchedIdentity;
        }

        /// <summary>The default bounded wait between SIGTERM and SIGKILL.</summary>
        internal static TimeSpan DefaultGracePeriod => TimeSpan.FromSeconds(5);

        /// <summary>Program name (looked up on PATH) or path; run directly, never through a shell.</summary>
        internal string FileName { get; }

        internal IReadOnlyList<string> Arguments { get; }

        /// <summary>The command's working directory (absolute).</summary>
        internal string WorkingDirectory { get; }

        /// <summary>The path whose disappearance tears the tree down (absolute).</summary>
        internal string WatchedPath { get; }

        internal TimeSpan GracePeriod { get; }

        /// <summary>Detached supervisors only: the log their own lines are appended to.</summary>
        internal string? LogPath { get; }

        /// <summary>Detached supervisors only: where they report their process ids (or a start failure) to the launching session.</summary>
        internal string? StatePath { get; }

        /// <summary>Detached supervisors only: the identity of the watched worktree when Start-WtTether ran (the supervisor refuses to start the command if the path names another file by then), or null.</summary>
        internal FileIdentity? WatchedIdentity { get; }

        /// <summary>The command line for people (POSIX quoting).</summary>
        internal string Display => CommandLine.Format(FileName, Arguments);

        /// <summary>A copy with a log, a state file and the worktree's identity now, for a detached supervisor.</summary>
        internal TetherSpec WithDetachFiles(string logPath, string statePath, FileIdentity? watchedIdentity = null) =>
            new TetherSpec(FileName, Arguments, WorkingDirectory, WatchedPath, GracePeriod, logPath, statePath, watchedIdentity);

        /// <summary>The opaque, shell-safe token (characters A-Z a-z 0-9 + / = only).</summary>
        internal string Encode()
        {
            var sb = new StringBuilder();
            Field(sb, Magic);
            Field(sb, FileName);
            Field(sb, Arguments.Count.ToString(CultureInfo.InvariantCulture));
            foreach (var a in Arguments)
            {
                Field(sb, a);
            }

            Field(sb, WorkingDirectory);
            Field(sb, WatchedPath);
            Field(sb, GracePeriod.Ticks.ToString(CultureInfo.InvariantCulture));
            Field(sb, LogPath ?? string.Empty);
            Field(sb, StatePath ?? string.Empty);
            Field(sb, WatchedIdentity == null ? string.Empty : WatchedIdentity.Value.Device.ToString(CultureInfo.InvariantCulture) + "," + WatchedIdentity.Value.Index.ToString(CultureInfo.InvariantCulture));
            return Convert.ToBase64String(new UTF8Encoding(false).GetBytes(sb.ToString()));
        }

        /// <summary>Reads a token made by <see cref="Encode"/>; throws TetherSpecInvalid for anything else.</summary>
        internal static TetherSpec Decode(string token)
        {
            string text;
            try
            {
                text = new UTF8Encoding(false, true).GetString(Convert.FromBase64String(token ?? string.Empty));
            }
            catch (Exception e) when (e is FormatException || e is ArgumentException)
            {
                throw Invalid("it is not base64-encoded UTF-8", e);
            }

            var position = 0;
            if (Next(text, ref position) != Magic)
            {
                throw Invalid("it does not start with " + Magic, null);
            }

            var fileName = Next(text, ref position);
            if (!int.TryParse(Next(text, ref position), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > 100000)
            {
                throw Invalid("the argument count is not a number", null);
            }

            var arguments = new List<string>(count);
            for (var i = 0; i < count; i++)
            {
                arguments.Add(Next(text, ref position));
            }

            var workingDirectory = Next(text, ref position);
            var watched = Next(text, ref position);
            if (!long.TryParse(Next(text, ref position), NumberStyles.None, CultureInfo.InvariantCulture, out var graceTicks))
            {
                throw Invalid("the grace period is not a number", null);
            }

            var log = Next(text, ref position);
            var state = Next(text, ref position);
            var identityText = Next(text, ref position);
            FileIdentity? identity = null;
            if (identityText.Length > 0)
            {
                var comma = identityText.IndexOf(',');
                if (comma < 0 ||
                    !ulong.TryParse(identityText.Substring(0, comma), NumberStyles.None, CultureInfo.InvariantCulture, out var device) ||
                    !ulong.TryParse(identityText.Substring(comma + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    throw Invalid("the worktree identity is not two numbers", null);
                }

                identity = new FileIdentity(device, index);
            }

            if (position != text.Length)
            {
                throw Invalid("it has trailing data", null);
            }

            if (fileName.Length == 0)
            {
                throw Invalid("it names no program", null);
            }

            return new TetherSpec(fileName, arguments, workingDirectory, watched, TimeSpan.FromTicks(graceTicks), log, state, identity);
        }

        private static void Field(StringBuilder sb, string value)
        {
            sb.Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value);
        }

        private static string Next(string text, ref int position)
        {
            var colon = text.IndexOf(':', position);
            if (colon < 0 || colon == position || colon - position > 9 ||
                !int.TryParse(text.Substring(position, colon - position), NumberStyles.None, CultureInfo.InvariantCulture, out var length) ||
                length > text.Length - colon - 1)
            {
                throw Invalid("a field is malformed", null);
            }

            position = colon + 1 + length;
            return text.Substring(colon + 1, length);
        }

        private static WorktrunkException Invalid(string why, Exception? inner) =>
            new WorktrunkException(ErrorIds.TetherSpecInvalid, ErrorKind.InvalidArgument, "The tether supervisor payload is invalid: " + why + ".", hint: "-SupervisorSpec is internal to Start-WtTether -Detach; do not pass it yourself.", inner: inner);
    }
}
