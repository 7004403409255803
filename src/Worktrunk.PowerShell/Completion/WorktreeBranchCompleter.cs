using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using Worktrunk.Diagnostics;
using Worktrunk.Git;

namespace Worktrunk.PowerShell.Completion
{
    /// <summary>
    /// Completes the branch names of a repository's worktrees (one git call), for the repository
    /// named by -Repository when it is already typed, else the session's location. Prefixes
    /// match case-sensitively (git's ref names are case-sensitive on every platform).
    /// </summary>
    public sealed class WorktreeBranchCompleter : IArgumentCompleter
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

                // Case-sensitive, like -Branch itself and git's ref names: a completion is a
                // branch that -Branch would match.
                var pattern = WildcardPattern.Get((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.None);
                foreach (var w in WorktreeLister.List(repo, git, null))
                {
                    if (w.Branch != null && pattern.IsMatch(w.Branch))
                    {
                        results.Add(CompletionRepository.RefResult(w.Branch, w.Path));
                    }
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
