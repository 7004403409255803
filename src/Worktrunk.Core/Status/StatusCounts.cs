namespace Worktrunk.Status
{
    /// <summary>The working-tree counts of one `git status`.</summary>
    internal sealed class StatusCounts
    {
        internal StatusCounts(int staged, int modified, int untracked, int conflicted)
        {
            Staged = staged;
            Modified = modified;
            Untracked = untracked;
            Conflicted = conflicted;
        }

        /// <summary>Paths whose index differs from HEAD (X set), conflicts excluded.</summary>
        internal int Staged { get; }

        /// <summary>Tracked paths whose working copy differs from the index (Y set), conflicts excluded.</summary>
        internal int Modified { get; }

        /// <summary>Untracked paths (an untracked directory once, as `--untracked-files=normal` shows it).</summary>
        internal int Untracked { get; }

        /// <summary>Unmerged paths.</summary>
        internal int Conflicted { get; }
    }

    /// <summary>
    /// Parses `git status --porcelain=v2 -z` (without --branch): entries `1 XY ...` (changed),
    /// `2 XY ... path NUL orig` (renamed or copied: the original path is the next NUL field),
    /// `u XY ...` (unmerged), `? path` (untracked), `! path` (ignored, not counted). X is the
    /// index against HEAD, Y the working tree against the index, `.` unchanged. A path counts
    /// once per side, as a line of `git status --porcelain` shows it: a file both staged and
    /// modified counts in Staged and in Modified. Pure.
    /// </summary>
    internal static class PorcelainStatusParser
    {
        /// <summary>The counts, or null when the text is not porcelain v2 as described (an unknown entry kind, a short entry).</summary>
        internal static StatusCounts? Parse(string output)
        {
            int staged = 0, modified = 0, untracked = 0, conflicted = 0;
            var fields = output.Split('\0');
            for (var i = 0; i < fields.Length; i++)
            {
                var f = fields[i];
                if (f.Length == 0)
                {
                    // The field after the last NUL, or an empty one: nothing.
                    continue;
                }

                switch (f[0])
                {
                    case '1':
                    case '2':
                        if (f.Length < 5 || f[1] != ' ' || f[4] != ' ')
                        {
                            return null;
                        }

                        if (f[2] != '.')
                        {
                            staged++;
                        }

                        if (f[3] != '.')
                        {
                            modified++;
                        }

                        if (f[0] == '2')
                        {
                            // The original path of the rename or copy.
                            i++;
                            if (i >= fields.Length)
                            {
                                return null;
                            }
                        }

                        break;
                    case 'u':
                        if (f.Length < 5 || f[1] != ' ')
                        {
                            return null;
                        }

                        conflicted++;
                        break;
                    case '?':
                        untracked++;
                        break;
                    case '!':
                    case '#':
                        break;
                    default:
                        return null;
                }
            }

            return new StatusCounts(staged, modified, untracked, conflicted);
        }
    }
}
