using System;
using System.Collections.Generic;

namespace Worktrunk.HelpGen
{
    /// <summary>A line-level piece of a markdown page, with the 1-based line it starts on.</summary>
    internal abstract class Block
    {
        protected Block(int line)
        {
            Line = line;
        }

        internal int Line { get; }
    }

    /// <summary>An ATX heading: `#` to `######`, a space, the text.</summary>
    internal sealed class Heading : Block
    {
        internal Heading(int line, int level, string text)
            : base(line)
        {
            Level = level;
            Text = text;
        }

        internal int Level { get; }

        internal string Text { get; }
    }

    /// <summary>A fenced code block (```info ... ```); <see cref="Lines"/> excludes the fences.</summary>
    internal sealed class Fence : Block
    {
        internal Fence(int line, string info, List<string> lines)
            : base(line)
        {
            Info = info;
            Lines = lines;
        }

        /// <summary>The info string after the opening fence ("yaml", "powershell", or empty).</summary>
        internal string Info { get; }

        internal List<string> Lines { get; }

        internal bool IsYaml => string.Equals(Info, "yaml", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Any other line (blank lines included: they separate paragraphs).</summary>
    internal sealed class TextLine : Block
    {
        internal TextLine(int line, string text)
            : base(line)
        {
            Text = text;
        }

        internal string Text { get; }

        internal bool IsBlank => Text.Trim().Length == 0;
    }

    /// <summary>Splits a page (front matter already removed) into headings, fences and text lines.</summary>
    internal static class BlockReader
    {
        internal static List<Block> Read(string[] lines, int firstLine, string file)
        {
            var blocks = new List<Block>();
            for (var i = 0; i < lines.Length; i++)
            {
                var number = firstLine + i;
                var line = lines[i];
                var trimmed = line.TrimStart();
                if (trimmed.StartsWith("```", StringComparison.Ordinal) && line.Length - trimmed.Length < 4)
                {
                    var ticks = 0;
                    while (ticks < trimmed.Length && trimmed[ticks] == '`')
                    {
                        ticks++;
                    }

                    var info = trimmed.Substring(ticks).Trim();
                    var body = new List<string>();
                    var closed = false;
                    for (i++; i < lines.Length; i++)
                    {
                        var candidate = lines[i].Trim();
                        if (candidate.Length >= ticks && candidate.TrimEnd('`').Length == 0)
                        {
                            closed = true;
                            break;
                        }

                        body.Add(lines[i].TrimEnd());
                    }

                    if (!closed)
                    {
                        throw new HelpFormatException(file, number, "Code block opened here is never closed with ```.");
                    }

                    blocks.Add(new Fence(number, info, body));
                    continue;
                }

                if (trimmed.StartsWith("#", StringComparison.Ordinal) && line.Length - trimmed.Length < 4)
                {
                    var level = 0;
                    while (level < trimmed.Length && trimmed[level] == '#')
                    {
                        level++;
                    }

                    if (level <= 6 && (level == trimmed.Length || trimmed[level] == ' ' || trimmed[level] == '\t'))
                    {
                        var text = trimmed.Substring(level).Trim().TrimEnd('#').TrimEnd();
                        blocks.Add(new Heading(number, level, text));
                        continue;
                    }
                }

                blocks.Add(new TextLine(number, line.TrimEnd()));
            }

            return blocks;
        }
    }
}
