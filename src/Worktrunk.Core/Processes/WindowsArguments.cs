using System.Collections.Generic;
using System.Text;

namespace Worktrunk.Processes
{
    /// <summary>Joins an argument vector into one Windows command line that CommandLineToArgvW splits back exactly.</summary>
    internal static class WindowsArguments
    {
        internal static string Join(IReadOnlyList<string> arguments)
        {
            var sb = new StringBuilder();
            foreach (var arg in arguments)
            {
                if (sb.Length > 0)
                {
                    sb.Append(' ');
                }

                Append(sb, arg);
            }

            return sb.ToString();
        }

        private static void Append(StringBuilder sb, string arg)
        {
            if (arg.Length > 0 && arg.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '"' }) < 0)
            {
                sb.Append(arg);
                return;
            }

            sb.Append('"');
            var backslashes = 0;
            foreach (var c in arg)
            {
                if (c == '\\')
                {
                    backslashes++;
                    continue;
                }

                if (c == '"')
                {
                    sb.Append('\\', (backslashes * 2) + 1);
                }
                else
                {
                    sb.Append('\\', backslashes);
                }

                backslashes = 0;
                sb.Append(c);
            }

            sb.Append('\\', backslashes * 2);
            sb.Append('"');
        }
    }
}
