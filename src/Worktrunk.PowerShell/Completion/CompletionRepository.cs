using System;
using System.Collections;
using System.Management.Automation;
using Worktrunk.Diagnostics;
using Worktrunk.Git;

namespace Worktrunk.PowerShell.Completion
{
    /// <summary>
    /// The repository an argument completer completes for: the one named by -Repository when it
    /// is already typed, else the one holding the completed session's location. Its git runner
    /// reports nothing and gives up after 5 seconds.
    /// </summary>
    internal static class CompletionRepository
    {
        /// <summary>The repository and a quiet git runner, or null when there is no location (throws WorktrunkException outside a repository).</summary>
        internal static (RepositoryLocation Repository, GitRunner Git)? Locate(IDictionary? fakeBoundParameters)
        {
            var location = fakeBoundParameters != null && fakeBoundParameters.Contains("Repository") ? fakeBoundParameters["Repository"] as string : null;
            if (string.IsNullOrEmpty(location))
            {
                // Completers run on the pipeline thread of the session being completed; a script
                // block reads that session's location (SessionStateProxy is busy while it runs).
                var current = ScriptBlock.Create("$ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath").Invoke();
                location = current.Count > 0 ? current[0]?.BaseObject as string : null;
            }

            if (string.IsNullOrEmpty(location))
            {
                return null;
            }

            var git = new GitRunner(NullSink.Instance, default, TimeSpan.FromSeconds(5));
            return (RepositoryLocator.Locate(location!, git), git);
        }

        /// <summary>
        /// A completion of a ref name: single-quoted (quotes doubled) when PowerShell would read any
        /// of its characters as syntax (a space, a quote, $, `, brackets, ;, a comma, @ that
        /// splats, # that starts a comment), else as it is.
        /// </summary>
        internal static CompletionResult RefResult(string name, string toolTip)
        {
            var text = name.IndexOfAny(Special) >= 0 ? "'" + name.Replace("'", "''") + "'" : name;
            return new CompletionResult(text, name, CompletionResultType.ParameterValue, toolTip);
        }

        private static readonly char[] Special = { ' ', '\'', '$', '`', '(', ')', '{', '}', ';', ',', '@', '#' };
    }
}
