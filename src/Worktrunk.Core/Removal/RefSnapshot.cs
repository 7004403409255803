using System;
using System.Collections.Generic;
using Worktrunk.Git;

namespace Worktrunk.Removal
{
    /// <summary>One ref as `git for-each-ref` printed it.</summary>
    internal sealed class RefEntry
    {
        internal RefEntry(string name, string sha, string? symref, string? upstream, string? upstreamShort, bool upstreamGone)
        {
            Name = name;
            Sha = sha;
            Symref = symref;
            Upstream = upstream;
            UpstreamShort = upstreamShort;
            UpstreamGone = upstreamGone;
        }

        /// <summary>The full ref name (refs/heads/x).</summary>
        internal string Name { get; }

        internal string Sha { get; }

        /// <summary>The ref a symbolic ref points at (refs/remotes/origin/HEAD → refs/remotes/origin/main), else null.</summary>
        internal string? Symref { get; }

        /// <summary>The configured upstream (refs/remotes/origin/x), else null.</summary>
        internal string? Upstream { get; }

        internal string? UpstreamShort { get; }

        /// <summary>The upstream is configured but its ref is gone.</summary>
        internal bool UpstreamGone { get; }
    }

    /// <summary>
    /// Refs read with one `git for-each-ref` call: tips, upstreams and symbolic targets. Planning
    /// reads every local branch once; branch deletion reads the two refs it needs afresh, right
    /// before it decides (never the planning snapshot).
    /// </summary>
    internal sealed class RefSnapshot
    {
        private const string Format = "--format=%(refname)%00%(objectname)%00%(symref)%00%(upstream)%00%(upstream:short)%00%(upstream:track)";

        private readonly Dictionary<string, RefEntry> _refs;

        private RefSnapshot(Dictionary<string, RefEntry> refs)
        {
            _refs = refs;
        }

        internal static RefSnapshot Empty { get; } = new RefSnapshot(new Dictionary<string, RefEntry>(StringComparer.Ordinal));

        /// <summary>Reads the refs matching <paramref name="patterns"/> (for-each-ref patterns); throws when git fails.</summary>
        internal static RefSnapshot Read(GitRunner git, string directory, params string[] patterns)
        {
            var args = new List<string> { "for-each-ref", Format };
            args.AddRange(patterns);
            return Parse(git.RunChecked(directory, GitAccess.ReadOnly, args));
        }

        internal static RefSnapshot Parse(string output)
        {
            var refs = new Dictionary<string, RefEntry>(StringComparer.Ordinal);
            foreach (var line in output.Split('\n'))
            {
                var f = line.Split('\0');
                if (f.Length < 6 || f[0].Length == 0)
                {
                    continue;
                }

                refs[f[0]] = new RefEntry(f[0], f[1], Nullable(f[2]), Nullable(f[3]), Nullable(f[4]), f[5].IndexOf("gone", StringComparison.Ordinal) >= 0);
            }

            return new RefSnapshot(refs);
        }

        internal RefEntry? this[string refName] => _refs.TryGetValue(refName, out var e) ? e : null;

        internal RefEntry? Branch(string branch) => this["refs/heads/" + branch];

        internal bool HasBranch(string branch) => _refs.ContainsKey("refs/heads/" + branch);

        private static string? Nullable(string s) => s.Length == 0 ? null : s;
    }
}
