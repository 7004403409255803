using System.Globalization;
using System.Text;

namespace Worktrunk.Diagnostics
{
    /// <summary>
    /// File names and other user text for messages: a name with a control character (a newline,
    /// a tab, NUL, an escape sequence) must not break a message into lines or drive the terminal.
    /// Like git's quoted paths: text without control characters is shown in single quotes as it
    /// is; text with them is shown in double quotes with C escapes (\n, \t, \r, \0, \xHH, and \\
    /// and \" for the escape characters themselves), so the two forms can never be confused.
    /// </summary>
    internal static class Printable
    {
        /// <summary>Whether <paramref name="text"/> holds a control character (C0, DEL, C1).</summary>
        internal static bool NeedsEscape(string text)
        {
            foreach (var c in text)
            {
                if (IsControl(c))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>'text' when it is plain, "te\nxt" (C escapes) when it holds control characters.</summary>
        internal static string Quote(string? text)
        {
            text ??= string.Empty;
            return NeedsEscape(text) ? Escaped(text) : "'" + text + "'";
        }

        /// <summary>The text as it is when plain, else in double quotes with C escapes (for text that is already a whole word, such as a command line).</summary>
        internal static string Bare(string text) => NeedsEscape(text) ? Escaped(text) : text;

        /// <summary>One line for a log: newlines and other control characters become C escapes (tabs stay); nothing else changes.</summary>
        internal static string OneLine(string text)
        {
            if (!NeedsEscape(text))
            {
                return text;
            }

            var sb = new StringBuilder(text.Length + 8);
            foreach (var c in text)
            {
                if (c == '\t' || !IsControl(c))
                {
                    sb.Append(c);
                }
                else
                {
                    AppendEscape(sb, c);
                }
            }

            return sb.ToString();
        }

        private static bool IsControl(char c) => c < 0x20 || (c >= 0x7f && c <= 0x9f);

        private static string Escaped(string text)
        {
            var sb = new StringBuilder(text.Length + 8).Append('"');
            foreach (var c in text)
            {
                switch (c)
                {
                    case '\\': sb.Append("\\\\"); break;
                    case '"': sb.Append("\\\""); break;
                    default:
                        if (IsControl(c))
                        {
                            AppendEscape(sb, c);
                        }
                        else
                        {
                            sb.Append(c);
                        }

                        break;
                }
            }

            return sb.Append('"').ToString();
        }

        private static void AppendEscape(StringBuilder sb, char c)
        {
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\0': sb.Append("\\0"); break;
                default: sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
            }
        }
    }
}
