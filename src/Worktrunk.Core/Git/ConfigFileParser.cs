using System.Collections.Generic;
using System.Text;

namespace Worktrunk.Git
{
    /// <summary>One `section[.subsection].key = value` entry of a git config file, in file order.</summary>
    internal readonly struct ConfigEntry
    {
        internal ConfigEntry(string section, string? subsection, string key, string? value)
        {
            Section = section;
            Subsection = subsection;
            Key = key;
            Value = value;
        }

        /// <summary>The section name, lower case.</summary>
        internal string Section { get; }

        /// <summary>The subsection, case kept (`[remote "origin"]`), or null.</summary>
        internal string? Subsection { get; }

        /// <summary>The key, lower case.</summary>
        internal string Key { get; }

        /// <summary>The value, or null for a key written without `=` (a boolean true).</summary>
        internal string? Value { get; }
    }

    /// <summary>
    /// Parses the text of one git config file the way git's config.c (git_parse_source) does:
    /// `#`/`;` comments, `[section]`, `[section "subsection"]` and `[section.subsection]` headers
    /// (several entries may share a line with a header), case-insensitive section and key names,
    /// values with quotes, the escapes \n \t \b \\ \" and line continuations, inner whitespace
    /// kept, outer whitespace dropped. Returns null for anything git would reject, so a caller
    /// never acts on a file it might have read differently from git, and for the one shape that
    /// git versions read differently: unquoted whitespace other than a space (a tab, a lone CR)
    /// between the characters of a value, which git 2.39 reads as spaces and git 2.55 keeps
    /// (spaces alone, quoted whitespace and outer whitespace read the same in both). Include directives are
    /// returned as entries; the caller decides what to do with them (it does not follow them).
    /// </summary>
    internal static class ConfigFileParser
    {
        internal static List<ConfigEntry>? Parse(string text)
        {
            var reader = new Reader(text);
            var entries = new List<ConfigEntry>();
            string? section = null;
            string? subsection = null;
            var comment = false;
            if (reader.Peek() == '\uFEFF')
            {
                reader.Next();
            }

            while (true)
            {
                var c = reader.Next();
                if (reader.Eof)
                {
                    return entries;
                }

                if (c == '\n')
                {
                    comment = false;
                    continue;
                }

                if (comment || IsSpace(c))
                {
                    continue;
                }

                if (c == '#' || c == ';')
                {
                    comment = true;
                    continue;
                }

                if (c == '[')
                {
                    if (!ParseHeader(reader, out section, out subsection))
                    {
                        return null;
                    }

                    continue;
                }

                if (!IsAlpha(c) || section == null)
                {
                    return null;
                }

                var key = new StringBuilder();
                key.Append(char.ToLowerInvariant(c));
                while (true)
                {
                    c = reader.Next();
                    if (reader.Eof || !IsKeyChar(c))
                    {
                        break;
                    }

                    key.Append(char.ToLowerInvariant(c));
                }

                while (c == ' ' || c == '\t')
                {
                    c = reader.Next();
                }

                string? value = null;
                if (c != '\n')
                {
                    if (c != '=')
                    {
                        return null;
                    }

                    value = ParseValue(reader);
                    if (value == null)
                    {
                        return null;
                    }
                }

                entries.Add(new ConfigEntry(section, subsection, key.ToString(), value));
            }
        }

        private static bool ParseHeader(Reader reader, out string? section, out string? subsection)
        {
            section = null;
            subsection = null;
            var name = new StringBuilder();
            while (true)
            {
                var c = reader.Next();
                if (reader.Eof)
                {
                    return false;
                }

                if (c == ']')
                {
                    break;
                }

                if (IsSpace(c))
                {
                    // [section "subsection"]
                    while (IsSpace(c))
                    {
                        if (c == '\n')
                        {
                            return false;
                        }

                        c = reader.Next();
                    }

                    if (c != '"')
                    {
                        return false;
                    }

                    var sub = new StringBuilder();
                    while (true)
                    {
                        c = reader.Next();
                        if (reader.Eof || c == '\n')
                        {
                            return false;
                        }

                        if (c == '"')
                        {
                            break;
                        }

                        if (c == '\\')
                        {
                            c = reader.Next();
                            if (reader.Eof || c == '\n')
                            {
                                return false;
                            }
                        }

                        sub.Append(c);
                    }

                    if (reader.Next() != ']')
                    {
                        return false;
                    }

                    subsection = sub.ToString();
                    break;
                }

                if (!IsKeyChar(c) && c != '.')
                {
                    return false;
                }

                name.Append(char.ToLowerInvariant(c));
            }

            var full = name.ToString();
            if (full.Length == 0)
            {
                return false;
            }

            if (subsection == null)
            {
                // [section.subsection] (deprecated): the subsection is lower-cased too.
                var dot = full.IndexOf('.');
                if (dot == 0 || dot == full.Length - 1)
                {
                    return false;
                }

                if (dot > 0)
                {
                    subsection = full.Substring(dot + 1);
                    full = full.Substring(0, dot);
                }
            }
            else if (full.IndexOf('.') >= 0)
            {
                return false;
            }

            section = full;
            return true;
        }

        private static string? ParseValue(Reader reader)
        {
            var value = new StringBuilder();
            var quote = false;
            var comment = false;
            var space = 0;
            var spaceIsBlanks = true;
            while (true)
            {
                var c = reader.Next();
                if (c == '\n')
                {
                    return quote ? null : value.ToString();
                }

                if (comment)
                {
                    continue;
                }

                if (IsSpace(c) && !quote)
                {
                    if (value.Length > 0)
                    {
                        space++;
                        spaceIsBlanks &= c == ' ';
                    }

                    continue;
                }

                if (!quote && (c == ';' || c == '#'))
                {
                    comment = true;
                    continue;
                }

                if (!spaceIsBlanks)
                {
                    // Unquoted whitespace other than ' ' inside a value (`a \t b`): git up to 2.4x
                    // turns each such character into a space, newer git keeps it as written
                    // (config.c parse_value). Which git runs is not known here: git answers.
                    return null;
                }

                for (; space > 0; space--)
                {
                    value.Append(' ');
                }

                if (c == '\\')
                {
                    c = reader.Next();
                    switch (c)
                    {
                        case '\n':
                            continue;
                        case 't':
                            c = '\t';
                            break;
                        case 'b':
                            c = '\b';
                            break;
                        case 'n':
                            c = '\n';
                            break;
                        case '\\':
                        case '"':
                            break;
                        default:
                            return null;
                    }

                    value.Append(c);
                    continue;
                }

                if (c == '"')
                {
                    quote = !quote;
                    continue;
                }

                value.Append(c);
            }
        }

        // git's isspace (sane_ctype): space, \t, \n, \r, and nothing else (no \v, no \f).
        private static bool IsSpace(char c) => c == ' ' || c == '\t' || c == '\n' || c == '\r';

        private static bool IsAlpha(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

        private static bool IsKeyChar(char c) => IsAlpha(c) || (c >= '0' && c <= '9') || c == '-';

        /// <summary>Characters with git's get_next_char rules: "\r\n" reads as "\n"; the end reads as "\n" with Eof set.</summary>
        private sealed class Reader
        {
            private readonly string _text;
            private int _pos;

            internal Reader(string text)
            {
                _text = text;
            }

            internal bool Eof { get; private set; }

            internal char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

            internal char Next()
            {
                if (_pos >= _text.Length)
                {
                    Eof = true;
                    return '\n';
                }

                var c = _text[_pos++];
                if (c == '\r' && _pos < _text.Length && _text[_pos] == '\n')
                {
                    c = _text[_pos++];
                }

                return c;
            }
        }
    }
}
