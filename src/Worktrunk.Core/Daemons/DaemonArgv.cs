// Contract: decides from an argument vector alone whether a process is a running git fsmonitor
// daemon. Data safety: a process is a candidate only when argv[0]'s file name is exactly `git`
// (or `git.exe`), the arguments before the subcommand are all git global options this code
// knows, the subcommand is exactly `fsmonitor--daemon` and the next word is exactly `run`. A
// debugger, shell, wrapper or editor whose command line merely contains those words (`gdb --args
// git fsmonitor--daemon run`, `sh -c 'git fsmonitor--daemon run'`) is never a candidate; an
// unknown global option also disqualifies (when in doubt, refuse). Being a candidate is not
// enough to be signalled: discovery also requires the process to hold an fsmonitor socket.
// Platform: pure; used with /proc cmdline on Linux.

using System;
using System.Collections.Generic;

namespace Worktrunk.Daemons
{
    /// <summary>Exact argv matching for `git [global options] fsmonitor--daemon run [...]`.</summary>
    internal static class DaemonArgv
    {
        /// <summary>Global options that consume the next word (`-c k=v`, `-C dir`, ...).</summary>
        private static readonly HashSet<string> OptionsWithValue = new HashSet<string>(StringComparer.Ordinal)
        {
            "-c", "-C", "--git-dir", "--work-tree", "--namespace", "--config-env", "--super-prefix", "--attr-source",
        };

        /// <summary>Global options that stand alone (or carry their value after '=').</summary>
        private static readonly HashSet<string> Flags = new HashSet<string>(StringComparer.Ordinal)
        {
            "--no-optional-locks", "--no-pager", "-P", "-p", "--paginate", "--bare", "--no-replace-objects", "--literal-pathspecs",
            "--glob-pathspecs", "--noglob-pathspecs", "--icase-pathspecs", "--no-lazy-fetch", "--no-advice", "--exec-path",
        };

        /// <summary>Prefixes of `--option=value` forms.</summary>
        private static readonly string[] ValuePrefixes =
        {
            "--git-dir=", "--work-tree=", "--namespace=", "--config-env=", "--super-prefix=", "--exec-path=", "--attr-source=",
        };

        /// <summary>True when <paramref name="argv"/> is exactly a `git ... fsmonitor--daemon run` invocation.</summary>
        internal static bool IsDaemonRun(IReadOnlyList<string>? argv)
        {
            if (argv == null || argv.Count < 3 || !IsGitProgram(argv[0]))
            {
                return false;
            }

            var i = 1;
            while (i < argv.Count)
            {
                var a = argv[i];
                if (a.Length == 0 || a[0] != '-')
                {
                    break;
                }

                if (OptionsWithValue.Contains(a))
                {
                    i += 2;
                    continue;
                }

                if (Flags.Contains(a) || StartsWithAny(a, ValuePrefixes))
                {
                    i++;
                    continue;
                }

                // An option git may have but this code does not know: refuse rather than guess.
                return false;
            }

            return i + 1 < argv.Count
                && string.Equals(argv[i], "fsmonitor--daemon", StringComparison.Ordinal)
                && string.Equals(argv[i + 1], "run", StringComparison.Ordinal);
        }

        /// <summary>argv[0]'s file name is `git` (any directory), or `git.exe` on Windows-style paths.</summary>
        internal static bool IsGitProgram(string argv0)
        {
            var slash = Math.Max(argv0.LastIndexOf('/'), argv0.LastIndexOf('\\'));
            var name = slash < 0 ? argv0 : argv0.Substring(slash + 1);
            return string.Equals(name, "git", StringComparison.Ordinal) || string.Equals(name, "git.exe", StringComparison.OrdinalIgnoreCase);
        }

        private static bool StartsWithAny(string s, string[] prefixes)
        {
            foreach (var p in prefixes)
            {
                if (s.StartsWith(p, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
