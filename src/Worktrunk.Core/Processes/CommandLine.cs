using System.Collections.Generic;
using System.Text;

namespace Worktrunk.Processes
{
    /// <summary>Renders an argument vector for people (POSIX single-quote style); never executed by a shell.</summary>
    internal static class CommandLine
    {
        internal static string Format(string fileName, IReadOnlyList<string> arguments)
        {
            var sb = new StringBuilder(Quote(fileName));
            foreach (var a in arguments)
            {
                sb.Append(' ').Append(Quote(a));
            }

            return sb.ToString();
        }

        /// <summary>Quotes one word the way sh would need it; plain words pass through.</summary>
        internal static string Quote(string word)
        {
            if (word.Length == 0)
            {
                return "''";
            }

            foreach (var c in word)
            {
                if (!(char.IsLetterOrDigit(c) || c == '-' || c == '_' || c == '.' || c == '/' || c == ':' || c == '=' || c == ',' || c == '+' || c == '@' || c == '%'))
                {
                    return "'" + word.Replace("'", "'\\''") + "'";
                }
            }

            return word;
        }
    }
}
