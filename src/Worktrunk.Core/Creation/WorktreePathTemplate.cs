using System;
using System.IO;
using System.Text;
using Worktrunk.Diagnostics;

namespace Worktrunk.Creation
{
    /// <summary>
    /// Where New-WtWorktree puts a worktree when -Path is not given. Without configuration: a
    /// sibling of the main worktree, <c>&lt;parent&gt;/&lt;repo&gt;.&lt;branch&gt;</c> (myproject.feature-auth).
    /// A repository may set <c>worktrunk.worktreePath</c> in git config to a template with
    /// <c>{repo}</c> (the main worktree's directory name; for a bare repository, the bare
    /// directory's) and <c>{branch}</c> (the branch name with / and \ replaced by -, so a branch is
    /// always one directory and never climbs out through its name). A leading <c>~</c> is the
    /// home directory. A relative template resolves against the main worktree's root (the
    /// reference tool's rule: <c>../{repo}.{branch}</c> is the default, <c>.worktrees/{branch}</c>
    /// puts them inside), never against the process's working directory. Pure: no filesystem access.
    /// </summary>
    internal static class WorktreePathTemplate
    {
        /// <summary>The template used when worktrunk.worktreePath is not set.</summary>
        internal const string Default = "../{repo}.{branch}";

        /// <summary>The git config key holding a repository's template.</summary>
        internal const string ConfigSection = "worktrunk";

        internal const string ConfigKey = "worktreePath";

        /// <summary>A branch name as one path component: / and \ become -.</summary>
        internal static string Sanitize(string branch) => branch.Replace('/', '-').Replace('\\', '-');

        /// <summary>
        /// The absolute path <paramref name="template"/> (null: <see cref="Default"/>) gives for
        /// <paramref name="branch"/> in the repository whose main worktree (or bare directory) is
        /// <paramref name="repoRoot"/>. Throws WorktreePathTemplateInvalid for an unknown
        /// placeholder, a stray brace, or a template that is empty.
        /// </summary>
        internal static string Expand(string? template, string repoRoot, string branch, string? home)
        {
            var text = template ?? Default;
            if (text.Trim().Length == 0)
            {
                throw Invalid(text, "it is empty");
            }

            var root = IO.PathUtil.TrimEnd(repoRoot);
            var repo = Path.GetFileName(root);
            var result = new StringBuilder();
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '{')
                {
                    var close = text.IndexOf('}', i + 1);
                    var name = close < 0 ? null : text.Substring(i + 1, close - i - 1);
                    if (name == "repo")
                    {
                        result.Append(repo);
                    }
                    else if (name == "branch")
                    {
                        result.Append(Sanitize(branch));
                    }
                    else
                    {
                        throw Invalid(text, name == null ? "a '{' is never closed" : "{" + name + "} is not a placeholder (use {repo} and {branch})");
                    }

                    i = close;
                }
                else if (c == '}')
                {
                    throw Invalid(text, "a '}' has no '{'");
                }
                else
                {
                    result.Append(c);
                }
            }

            var expanded = result.ToString();
            if (expanded == "~" || expanded.StartsWith("~/", StringComparison.Ordinal) || expanded.StartsWith("~" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                if (string.IsNullOrEmpty(home))
                {
                    throw Invalid(text, "it starts with ~ and there is no home directory");
                }

                expanded = home + expanded.Substring(1);
            }

            return IO.PathUtil.TrimEnd(Path.GetFullPath(Path.Combine(root, expanded)));
        }

        private static WorktrunkException Invalid(string template, string why) => new WorktrunkException(
            ErrorIds.WorktreePathTemplateInvalid,
            ErrorKind.InvalidArgument,
            $"The worktree path template {Printable.Quote(template)} ({ConfigSection}.{ConfigKey}) is not usable: {why}.",
            template,
            $"Fix it with git config {ConfigSection}.{ConfigKey} '../{{repo}}.{{branch}}', or pass -Path.");
    }
}
