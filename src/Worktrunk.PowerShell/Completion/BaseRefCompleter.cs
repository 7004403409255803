using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using Worktrunk.Diagnostics;
using Worktrunk.Git;

namespace Worktrunk.PowerShell.Completion
{
    /// <summary>
    /// Completes New-WtWorktree -Base: the repository's local branches, then its remote-tracking
    /// branches (origin/main; symbolic refs such as origin/HEAD left out), from one
    /// `git for-each-ref`, for the repository named by -Repository when it is already typed, else
    /// the session's location. Prefixes match case-sensitively, as git's ref names do.
    /// </summary>
    public sealed class BaseRefCompleter : IArgumentCompleter
    {
        /// <inheritdoc/>
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var results = new List<CompletionResult>();
            try
            {
                var found = CompletionRepository.Locate(fakeBoundParameters);
                if (found == null)
                {
                    return results;
                }

                var (repo, git) = found.Value;

                var output = git.RunChecked(repo.RunDirectory, GitAccess.ReadOnly, new[] { "for-each-ref", "--format=%(refname:short)%00%(symref)%00%(refname)", "refs/heads/", "refs/remotes/" });
                var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
                foreach (var line in output.Split('\n'))
                {
                    var f = line.Split('\0');
                    if (f.Length < 3 || f[0].Length == 0 || f[1].Length > 0 || !f[0].StartsWith(prefix, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    results.Add(CompletionRepository.RefResult(f[0], f[2]));
                }
            }
            catch (WorktrunkException)
            {
                // Completion never throws at the user: no repository, no suggestions.
            }

            return results;
        }
    }
}
