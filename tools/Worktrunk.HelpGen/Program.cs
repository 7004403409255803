using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Worktrunk.HelpGen
{
    /// <summary>
    /// `Worktrunk.HelpGen &lt;help dir&gt; &lt;output .dll-Help.xml&gt;`: every cmdlet page of the help
    /// directory (not about_* topics, not the module page) becomes one command of the MAML file.
    /// Exit codes: 0 written; 1 a page is malformed (each problem printed as an MSBuild error);
    /// 2 bad arguments or I/O failure.
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length != 2)
            {
                Console.Error.WriteLine("usage: Worktrunk.HelpGen <help dir> <output .dll-Help.xml>");
                return 2;
            }

            return Run(args[0], args[1], Console.Out, Console.Error);
        }

        internal static int Run(string helpDirectory, string outputPath, TextWriter stdout, TextWriter stderr)
        {
            if (!Directory.Exists(helpDirectory))
            {
                stderr.WriteLine($"error WTHELP: help directory '{helpDirectory}' does not exist.");
                return 2;
            }

            var commands = new List<CommandHelp>();
            var failed = false;
            var expectedHelpFile = Path.GetFileName(outputPath);
            foreach (var file in Directory.GetFiles(helpDirectory, "*.md").OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal))
            {
                var display = Path.GetFullPath(file);
                try
                {
                    var text = File.ReadAllText(file);
                    var lines = text.Replace("\r\n", "\n").Split('\n');
                    var frontMatter = MarkdownHelpParser.ReadFrontMatter(lines, display, out _);
                    if (!MarkdownHelpParser.IsCommandPage(file, frontMatter))
                    {
                        continue;
                    }

                    // New-ExternalHelp groups pages by this key; a page naming another file would ship elsewhere.
                    if (frontMatter.TryGetValue("external help file", out var target) && target.Length > 0 && !string.Equals(target, expectedHelpFile, StringComparison.OrdinalIgnoreCase))
                    {
                        throw new HelpFormatException(display, 2, $"'external help file: {target}' should be '{expectedHelpFile}'.");
                    }

                    commands.Add(MarkdownHelpParser.Parse(text, display, Path.GetFileNameWithoutExtension(file)));
                }
                catch (HelpFormatException e)
                {
                    stderr.WriteLine(e.ToMSBuildError());
                    failed = true;
                }
            }

            if (failed)
            {
                return 1;
            }

            if (commands.Count == 0)
            {
                stderr.WriteLine($"{Path.GetFullPath(helpDirectory)}: error WTHELP: no cmdlet pages (*.md) found.");
                return 1;
            }

            try
            {
                var directory = Path.GetDirectoryName(Path.GetFullPath(outputPath));
                if (!string.IsNullOrEmpty(directory))
                {
                    Directory.CreateDirectory(directory);
                }

                File.WriteAllText(outputPath, MamlWriter.ToText(MamlWriter.Render(commands)), new UTF8Encoding(false));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                stderr.WriteLine($"{outputPath}: error WTHELP: cannot write: {e.Message}");
                return 2;
            }

            stdout.WriteLine($"Worktrunk.HelpGen: {commands.Count} command(s) -> {outputPath}");
            return 0;
        }
    }
}
