using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;

namespace Worktrunk.HelpGen
{
    /// <summary>
    /// Turns markdown prose into MAML paragraphs the way PlatyPS 0.14 does for New-ExternalHelp:
    /// a soft-wrapped paragraph becomes one maml:para (lines joined with a space), blank lines
    /// separate paragraphs, list items and hard breaks keep their own line, every line of a
    /// fenced code block is a paragraph of its own. Inline: backslash escapes are unwound,
    /// emphasis markers dropped, `code` kept with its backticks (Get-Help shows them), and a
    /// link becomes "text (uri)" for an absolute URI or "text" for a relative one.
    /// </summary>
    internal static class HelpText
    {
        private static readonly Regex s_listItem = new Regex(@"^(?:[-*+]\s|\d+[.)]\s|--)", RegexOptions.CultureInvariant);
        private static readonly Regex s_link = new Regex(@"\[([^\]]+)\]\(([^)\s]*)\)", RegexOptions.CultureInvariant);
        private static readonly Regex s_strong = new Regex(@"\*\*(.+?)\*\*|(?<![A-Za-z0-9])__(.+?)__(?![A-Za-z0-9])", RegexOptions.CultureInvariant);
        private static readonly Regex s_emphasis = new Regex(@"(?<![A-Za-z0-9*\\])\*(?!\s)(.+?)(?<!\s)\*(?![A-Za-z0-9*])|(?<![A-Za-z0-9_\\])_(?!\s)(.+?)(?<!\s)_(?![A-Za-z0-9_])", RegexOptions.CultureInvariant);

        /// <summary>Flows a section body (text lines and code blocks, in order) into paragraphs.</summary>
        internal static List<string> Flow(IEnumerable<Block> blocks)
        {
            var paragraphs = new List<string>();
            var current = new StringBuilder();
            var inListItem = false;

            void Finish()
            {
                inListItem = false;
                if (current.Length > 0)
                {
                    paragraphs.Add(Inline(current.ToString()));
                    current.Clear();
                }
            }

            foreach (var block in blocks)
            {
                switch (block)
                {
                    case TextLine line:
                        var text = line.Text.Trim();
                        if (text.Length == 0)
                        {
                            Finish();
                            break;
                        }

                        var startsItem = s_listItem.IsMatch(text);

                        // A list item keeps its own line; an unindented line after it ends the list (PlatyPS keeps that break too).
                        if (startsItem || (inListItem && !char.IsWhiteSpace(line.Text[0])))
                        {
                            Finish();
                        }

                        inListItem |= startsItem;

                        if (current.Length > 0)
                        {
                            current.Append(' ');
                        }

                        current.Append(text);

                        // Two trailing spaces or a trailing backslash: a hard line break.
                        if (line.Text.EndsWith("  ", StringComparison.Ordinal) || (text.EndsWith("\\", StringComparison.Ordinal) && !text.EndsWith("\\\\", StringComparison.Ordinal)))
                        {
                            if (text.EndsWith("\\", StringComparison.Ordinal))
                            {
                                current.Length--;
                            }

                            Finish();
                        }

                        break;
                    case Fence fence:
                        Finish();
                        paragraphs.AddRange(fence.Lines);
                        break;
                    default:
                        throw new InvalidOperationException("Unexpected block " + block.GetType().Name);
                }
            }

            Finish();
            return paragraphs;
        }

        /// <summary>Applies the inline rules to one paragraph; code spans are left untouched.</summary>
        internal static string Inline(string text)
        {
            var result = new StringBuilder(text.Length);
            var i = 0;
            while (i < text.Length)
            {
                var tick = FindCodeSpan(text, i, out var end);
                var prose = tick < 0 ? text.Substring(i) : text.Substring(i, tick - i);
                result.Append(Prose(prose));
                if (tick < 0)
                {
                    break;
                }

                result.Append(text, tick, end - tick);
                i = end;
            }

            return result.ToString();
        }

        /// <summary>Finds the next `code span` at or after <paramref name="start"/>: its start, and in <paramref name="end"/> the index after it.</summary>
        private static int FindCodeSpan(string text, int start, out int end)
        {
            end = -1;
            for (var i = start; i < text.Length; i++)
            {
                if (text[i] == '\\')
                {
                    i++;
                    continue;
                }

                if (text[i] != '`')
                {
                    continue;
                }

                var run = 1;
                while (i + run < text.Length && text[i + run] == '`')
                {
                    run++;
                }

                var fence = new string('`', run);
                var close = text.IndexOf(fence, i + run, StringComparison.Ordinal);
                if (close < 0)
                {
                    return -1;
                }

                end = close + run;
                return i;
            }

            return -1;
        }

        private static string Prose(string text)
        {
            text = s_link.Replace(text, m =>
            {
                var label = m.Groups[1].Value;
                var target = m.Groups[2].Value;
                return Uri.TryCreate(target, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                    ? label + " (" + target + ")"
                    : label;
            });
            text = s_strong.Replace(text, m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);
            text = s_emphasis.Replace(text, m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);
            return Unescape(text);
        }

        /// <summary>Reverses markdown backslash escapes of punctuation (\[ \] \( \) \` \&lt; \&gt; \_ \* \\), as PlatyPS does.</summary>
        internal static string Unescape(string text)
        {
            if (text.IndexOf('\\') < 0)
            {
                return text;
            }

            var sb = new StringBuilder(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] == '\\' && i + 1 < text.Length && "[]()`<>_*\\".IndexOf(text[i + 1]) >= 0)
                {
                    i++;
                }

                sb.Append(text[i]);
            }

            return sb.ToString();
        }
    }
}
