using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using Worktrunk.Daemons;
using Worktrunk.Diagnostics;

namespace Worktrunk.PowerShell.Completion
{
    /// <summary>
    /// Completes the process ids of running fsmonitor daemons (read-only discovery; on Linux it
    /// spawns nothing), with each daemon's socket as the tooltip.
    /// </summary>
    public sealed class DaemonProcessIdCompleter : IArgumentCompleter
    {
        /// <inheritdoc/>
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var results = new List<CompletionResult>();
            try
            {
                var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
                var daemons = DaemonDiscovery.Discover(NullSink.Instance);
                daemons.Sort((a, b) => a.Pid.CompareTo(b.Pid));
                foreach (var d in daemons)
                {
                    var text = d.Pid.ToString(CultureInfo.InvariantCulture);
                    if (text.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        results.Add(new CompletionResult(text, text + "  " + (d.SocketPath ?? string.Empty), CompletionResultType.ParameterValue, d.SocketPath ?? text));
                    }
                }
            }
            catch (Exception e) when (e is WorktrunkException || e is System.IO.IOException || e is UnauthorizedAccessException)
            {
                // Completion never throws at the user.
            }

            return results;
        }
    }
}
