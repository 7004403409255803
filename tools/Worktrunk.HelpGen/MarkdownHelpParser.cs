using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace Worktrunk.HelpGen
{
    /// <summary>
    /// Reads one cmdlet page in PlatyPS 0.14's markdown schema 2.0.0 into a <see cref="CommandHelp"/>.
    /// The grammar is PlatyPS's (ModelTransformerVersion2): front matter, `# Name`, then `##`
    /// sections in any order, each known by name. Anything PlatyPS would reject, or would silently
    /// drop from Get-Help (a parameter with no yaml, a missing synopsis, a template placeholder
    /// left in), is a <see cref="HelpFormatException"/> naming the file and line.
    /// </summary>
    internal static class MarkdownHelpParser
    {
        internal const string SupportedSchema = "2.0.0";

        private const string DefaultSuffix = "(Default)";

        private static readonly string[] s_sections = { "SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS" };

        private static readonly string[] s_yamlKeys =
        {
            "Type", "Parameter Sets", "Aliases", "Accepted values", "Required", "Position", "Default value", "Accept pipeline input", "Accept wildcard characters", "Applicable",
        };

        // PlatyPS's New-MarkdownHelp leaves "{{ Fill in the Synopsis }}", "{{ Add example code here }}", ...
        private static readonly Regex s_placeholder = new Regex(@"\{\{\s*(?:Fill|Add|Please|Type)\b[^}]*\}\}", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
        private static readonly Regex s_link = new Regex(@"^\[([^\]]+)\]\(([^)]*)\)$", RegexOptions.CultureInvariant);

        /// <summary>What kind of page a file is: a cmdlet page, or one New-ExternalHelp leaves out of the MAML.</summary>
        internal static bool IsCommandPage(string path, IReadOnlyDictionary<string, string> frontMatter)
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            // The module page (New-MarkdownHelp -WithModulePage) carries a Module Guid.
            return !frontMatter.ContainsKey("Module Guid");
        }

        /// <summary>Parses a file; <paramref name="displayPath"/> is what errors name.</summary>
        internal static CommandHelp ParseFile(string path, string? displayPath = null)
        {
            return Parse(File.ReadAllText(path), displayPath ?? path, Path.GetFileNameWithoutExtension(path));
        }

        /// <summary>Splits the YAML front matter off; returns its key/value pairs and the index of the first body line.</summary>
        internal static Dictionary<string, string> ReadFrontMatter(string[] lines, string file, out int bodyStart)
        {
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            bodyStart = 0;
            var first = 0;
            while (first < lines.Length && lines[first].Trim().Length == 0)
            {
                first++;
            }

            if (first >= lines.Length || lines[first].Trim() != "---")
            {
                bodyStart = first;
                return result;
            }

            for (var i = first + 1; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                if (line == "---")
                {
                    bodyStart = i + 1;
                    return result;
                }

                if (line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal))
                {
                    continue;
                }

                var colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    throw new HelpFormatException(file, i + 1, $"Front matter line '{line}' is not 'key: value'.");
                }

                result[line.Substring(0, colon).Trim()] = line.Substring(colon + 1).Trim();
            }

            throw new HelpFormatException(file, first + 1, "Front matter opened with --- is never closed.");
        }

        /// <summary>Parses page text. <paramref name="expectedName"/> (the file name) must equal the `# Name` heading.</summary>
        internal static CommandHelp Parse(string text, string file, string? expectedName = null)
        {
            var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var placeholder = s_placeholder.Match(lines[i]);
                if (placeholder.Success)
                {
                    throw new HelpFormatException(file, i + 1, $"Template placeholder '{placeholder.Value}' left in; write the text.");
                }
            }

            var frontMatter = ReadFrontMatter(lines, file, out var bodyStart);
            if (frontMatter.TryGetValue("schema", out var schema) && schema.Length > 0 && schema != SupportedSchema)
            {
                throw new HelpFormatException(file, 1, $"Schema '{schema}' is not supported; pages use PlatyPS schema {SupportedSchema}.");
            }

            var blocks = BlockReader.Read(lines.Skip(bodyStart).ToArray(), bodyStart + 1, file);
            var cursor = new Cursor(blocks);
            cursor.SkipBlank();
            var title = cursor.Next() as Heading;
            if (title == null || title.Level != 1)
            {
                throw new HelpFormatException(file, blocks.Count > 0 ? blocks[cursor.Index - 1].Line : bodyStart + 1, "A page starts with '# <Cmdlet-Name>'.");
            }

            if (expectedName != null && !string.Equals(title.Text, expectedName, StringComparison.Ordinal))
            {
                throw new HelpFormatException(file, title.Line, $"The page is named '{expectedName}.md' but documents '{title.Text}'; the file name must equal the cmdlet name.");
            }

            var help = new CommandHelp(title.Text, file);
            if (frontMatter.TryGetValue("online version", out var online) && online.Length > 0)
            {
                help.OnlineVersion = online;
            }

            var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            var parameterSetLine = 0;
            while (true)
            {
                cursor.SkipBlank();
                var block = cursor.Next();
                if (block == null)
                {
                    break;
                }

                if (!(block is Heading section) || section.Level != 2)
                {
                    throw new HelpFormatException(file, block.Line, block is Heading h && h.Level == 1
                        ? "Only one command per page: a second '# ' heading is not allowed."
                        : "Expected a '## SECTION' heading here.");
                }

                var name = section.Text.ToUpperInvariant();
                if (Array.IndexOf(s_sections, name) < 0)
                {
                    throw new HelpFormatException(file, section.Line, $"Unknown section '## {section.Text}'; expected one of {string.Join(", ", s_sections)}.");
                }

                if (seen.TryGetValue(name, out var earlier))
                {
                    throw new HelpFormatException(file, section.Line, $"Section '## {section.Text}' already appears at line {earlier}.");
                }

                seen[name] = section.Line;
                switch (name)
                {
                    case "SYNOPSIS":
                        help.Synopsis.AddRange(HelpText.Flow(cursor.Prose(file, section.Text)));
                        break;
                    case "DESCRIPTION":
                        help.Description.AddRange(HelpText.Flow(cursor.Prose(file, section.Text)));
                        break;
                    case "NOTES":
                        help.Notes.AddRange(HelpText.Flow(cursor.Prose(file, section.Text)));
                        break;
                    case "SYNTAX":
                        ReadSyntax(cursor, help, file, section);
                        break;
                    case "EXAMPLES":
                        ReadExamples(cursor, help, file);
                        break;
                    case "PARAMETERS":
                        parameterSetLine = section.Line;
                        ReadParameters(cursor, help, file);
                        break;
                    case "INPUTS":
                        ReadTypes(cursor, help.Inputs, file);
                        break;
                    case "OUTPUTS":
                        ReadTypes(cursor, help.Outputs, file);
                        break;
                    case "RELATED LINKS":
                        ReadLinks(cursor, help, file);
                        break;
                }
            }

            foreach (var required in new[] { "SYNOPSIS", "SYNTAX", "DESCRIPTION" })
            {
                if (!seen.ContainsKey(required))
                {
                    throw new HelpFormatException(file, title.Line, $"The page has no '## {required}' section.");
                }
            }

            if (help.Synopsis.Count == 0)
            {
                throw new HelpFormatException(file, seen["SYNOPSIS"], "'## SYNOPSIS' is empty.");
            }

            if (help.Description.Count == 0)
            {
                throw new HelpFormatException(file, seen["DESCRIPTION"], "'## DESCRIPTION' is empty.");
            }

            CheckParameterSets(help, file, parameterSetLine);
            return help;
        }

        private static void ReadSyntax(Cursor cursor, CommandHelp help, string file, Heading section)
        {
            while (true)
            {
                cursor.SkipBlank();
                var block = cursor.Peek();
                if (block == null || (block is Heading h && h.Level <= 2))
                {
                    break;
                }

                cursor.Next();
                if (block is Fence bare && help.SyntaxSets.Count == 0)
                {
                    // PlatyPS allows one syntax block with no heading: a single, unnamed set.
                    help.SyntaxSets.Add(new SyntaxSet(ParameterMetadata.AllSets, true, bare.Line));
                    continue;
                }

                if (!(block is Heading set) || set.Level != 3)
                {
                    throw new HelpFormatException(file, block.Line, "'## SYNTAX' holds '### <ParameterSet>' headings, each followed by a ``` block.");
                }

                var isDefault = set.Text.EndsWith(DefaultSuffix, StringComparison.Ordinal);
                var setName = isDefault ? set.Text.Substring(0, set.Text.Length - DefaultSuffix.Length).Trim() : set.Text;
                if (help.SyntaxSets.Any(s => string.Equals(s.Name, setName, StringComparison.OrdinalIgnoreCase)))
                {
                    throw new HelpFormatException(file, set.Line, $"Parameter set '{setName}' is listed twice.");
                }

                cursor.SkipBlank();
                if (!(cursor.Next() is Fence))
                {
                    throw new HelpFormatException(file, set.Line, $"Parameter set '### {set.Text}' needs a ``` block with its syntax line.");
                }

                help.SyntaxSets.Add(new SyntaxSet(setName, isDefault, set.Line));
            }

            if (help.SyntaxSets.Count == 0)
            {
                throw new HelpFormatException(file, section.Line, "'## SYNTAX' is empty.");
            }
        }

        /// <summary>
        /// The next '### ' heading of the current '## ' section, consumed; null at the section's end
        /// (the next '## ' heading or the end of the file). Anything else there is a format error
        /// that says what the section holds (<paramref name="shape"/>).
        /// </summary>
        private static Heading? NextSubheading(Cursor cursor, string file, string shape)
        {
            cursor.SkipBlank();
            var block = cursor.Peek();
            if (block == null || (block is Heading h2 && h2.Level <= 2))
            {
                return null;
            }

            cursor.Next();
            if (!(block is Heading heading) || heading.Level != 3)
            {
                throw new HelpFormatException(file, block.Line, shape);
            }

            return heading;
        }

        private static void ReadExamples(Cursor cursor, CommandHelp help, string file)
        {
            while (NextSubheading(cursor, file, "'## EXAMPLES' holds '### Example N: title' headings.") is Heading title)
            {
                var example = new ExampleHelp(title.Text);
                example.Introduction.AddRange(HelpText.Flow(cursor.TextUntilFence()));
                cursor.SkipBlank();
                while (cursor.Peek() is Fence code)
                {
                    cursor.Next();
                    example.Code.Add(string.Join("\n", code.Lines));
                    cursor.SkipBlank();
                }

                if (example.Code.Count == 0)
                {
                    throw new HelpFormatException(file, title.Line, $"Example '{title.Text}' has no ``` code block.");
                }

                example.Remarks.AddRange(HelpText.Flow(cursor.Prose(file, title.Text, stopAtLevel: 3)));
                help.Examples.Add(example);
            }
        }

        private static void ReadParameters(Cursor cursor, CommandHelp help, string file)
        {
            while (NextSubheading(cursor, file, "'## PARAMETERS' holds '### -Name' headings.") is Heading heading)
            {
                var name = heading.Text.StartsWith("-", StringComparison.Ordinal) ? heading.Text.Substring(1) : heading.Text;
                if (string.Equals(name, "CommonParameters", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "WorkflowParameters", StringComparison.OrdinalIgnoreCase))
                {
                    // Get-Help writes its own CommonParameters paragraph; the text is not carried into MAML.
                    help.HasCommonParameters = true;
                    cursor.Prose(file, heading.Text, stopAtLevel: 3);
                    continue;
                }

                if (name.Length == 0 || name.IndexOf(' ') >= 0)
                {
                    throw new HelpFormatException(file, heading.Line, $"'### {heading.Text}' is not a parameter heading; write '### -Name'.");
                }

                if (help.Parameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
                {
                    throw new HelpFormatException(file, heading.Line, $"Parameter -{name} is documented twice.");
                }

                var parameter = new ParameterHelp(name, heading.Line);
                var description = new List<Block>();
                while (true)
                {
                    var next = cursor.Peek();
                    if (next == null || next is Heading || (next is Fence f && f.IsYaml))
                    {
                        break;
                    }

                    description.Add(cursor.Next()!);
                }

                parameter.Description.AddRange(HelpText.Flow(description));
                cursor.SkipBlank();
                while (cursor.Peek() is Fence yaml && yaml.IsYaml)
                {
                    cursor.Next();
                    parameter.Metadata.Add(ReadYaml(yaml, file, name));
                    cursor.SkipBlank();
                }

                if (parameter.Metadata.Count == 0)
                {
                    throw new HelpFormatException(file, heading.Line, $"Parameter -{name} has no ```yaml block (Type, Parameter Sets, Required, Position, ...).");
                }

                if (parameter.Description.Count == 0)
                {
                    throw new HelpFormatException(file, heading.Line, $"Parameter -{name} has no description.");
                }

                var after = cursor.Peek();
                if (after != null && !(after is Heading))
                {
                    throw new HelpFormatException(file, after.Line, $"Text after the yaml block of -{name}; the description goes above the yaml.");
                }

                help.Parameters.Add(parameter);
            }
        }

        private static ParameterMetadata ReadYaml(Fence yaml, string file, string parameter)
        {
            var metadata = new ParameterMetadata { Line = yaml.Line };
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < yaml.Lines.Count; i++)
            {
                var line = yaml.Lines[i].Trim();
                var lineNumber = yaml.Line + 1 + i;
                if (line.Length == 0)
                {
                    continue;
                }

                var colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    throw new HelpFormatException(file, lineNumber, $"yaml of -{parameter}: '{line}' is not 'Key: value'.");
                }

                var key = line.Substring(0, colon).Trim();
                var known = s_yamlKeys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
                if (known == null)
                {
                    throw new HelpFormatException(file, lineNumber, $"yaml of -{parameter}: unknown key '{key}'; expected {string.Join(", ", s_yamlKeys)}.");
                }

                values[known] = line.Substring(colon + 1).Trim();
            }

            if (!values.TryGetValue("Type", out var type) || type.Length == 0)
            {
                throw new HelpFormatException(file, yaml.Line, $"yaml of -{parameter} has no Type.");
            }

            metadata.Type = string.Equals(type, "switch", StringComparison.OrdinalIgnoreCase) ? "SwitchParameter" : type;
            metadata.ParameterSets.AddRange(SplitList(values, "Parameter Sets"));
            if (metadata.ParameterSets.Count == 0)
            {
                metadata.ParameterSets.Add(ParameterMetadata.AllSets);
            }

            metadata.Aliases.AddRange(SplitList(values, "Aliases"));
            metadata.AcceptedValues.AddRange(SplitList(values, "Accepted values"));
            metadata.Required = Bool(values, "Required", file, yaml.Line, parameter);
            metadata.Globbing = Bool(values, "Accept wildcard characters", file, yaml.Line, parameter);
            if (values.TryGetValue("Position", out var position) && position.Length > 0)
            {
                if (string.Equals(position, "Named", StringComparison.OrdinalIgnoreCase))
                {
                    metadata.Position = "named";
                }
                else if (int.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    metadata.Position = index.ToString(CultureInfo.InvariantCulture);
                }
                else
                {
                    throw new HelpFormatException(file, yaml.Line, $"yaml of -{parameter}: Position '{position}' is neither a number nor Named.");
                }
            }

            if (values.TryGetValue("Default value", out var defaultValue) && defaultValue.Length > 0)
            {
                metadata.DefaultValue = defaultValue;
            }

            if (values.TryGetValue("Accept pipeline input", out var pipeline) && pipeline.Length > 0)
            {
                if (!pipeline.StartsWith("True", StringComparison.OrdinalIgnoreCase) && !pipeline.StartsWith("False", StringComparison.OrdinalIgnoreCase))
                {
                    throw new HelpFormatException(file, yaml.Line, $"yaml of -{parameter}: Accept pipeline input '{pipeline}' is neither False nor True (ByValue/ByPropertyName).");
                }

                metadata.PipelineInput = pipeline;
            }

            return metadata;
        }

        private static IEnumerable<string> SplitList(Dictionary<string, string> values, string key)
        {
            return values.TryGetValue(key, out var value)
                ? value.Split(',').Select(v => v.Trim()).Where(v => v.Length > 0)
                : Enumerable.Empty<string>();
        }

        private static bool Bool(Dictionary<string, string> values, string key, string file, int line, string parameter)
        {
            if (!values.TryGetValue(key, out var value) || value.Length == 0)
            {
                return false;
            }

            if (string.Equals(value, "True", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (string.Equals(value, "False", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            throw new HelpFormatException(file, line, $"yaml of -{parameter}: {key} is '{value}', not True or False.");
        }

        private static void ReadTypes(Cursor cursor, List<TypeHelp> types, string file)
        {
            while (NextSubheading(cursor, file, "'## INPUTS' and '## OUTPUTS' hold '### TypeName' headings, each with optional text.") is Heading heading)
            {
                var type = new TypeHelp(heading.Text);
                type.Description.AddRange(HelpText.Flow(cursor.Prose(file, heading.Text, stopAtLevel: 3)));
                types.Add(type);
            }
        }

        private static void ReadLinks(Cursor cursor, CommandHelp help, string file)
        {
            if (help.OnlineVersion != null)
            {
                help.Links.Add(new LinkHelp("Online Version:", help.OnlineVersion));
            }

            foreach (var block in cursor.Prose(file, "RELATED LINKS"))
            {
                if (block is Fence fence)
                {
                    throw new HelpFormatException(file, fence.Line, "'## RELATED LINKS' holds only [text](target) links.");
                }

                var line = ((TextLine)block).Text.Trim();
                if (line.Length == 0)
                {
                    continue;
                }

                var link = s_link.Match(line);
                if (!link.Success)
                {
                    throw new HelpFormatException(file, block.Line, $"'{line}' is not a [text](target) link.");
                }

                // Get-Help needs a real URI (platyPS#164): relative targets (other pages) keep only their text.
                var target = link.Groups[2].Value.Trim();
                var uri = Uri.TryCreate(target, UriKind.Absolute, out _) ? target : string.Empty;
                help.Links.Add(new LinkHelp(link.Groups[1].Value.Trim(), uri));
            }
        }

        /// <summary>
        /// Each yaml "Parameter Sets" name must be a set of the SYNTAX section and each SYNTAX set
        /// must have a parameter, so the syntax Get-Help prints is the one the page shows.
        /// </summary>
        private static void CheckParameterSets(CommandHelp help, string file, int parametersLine)
        {
            var named = help.Parameters
                .SelectMany(p => p.Metadata.SelectMany(m => m.ParameterSets.Select(s => (Set: s, m.Line))))
                .Where(s => s.Set != ParameterMetadata.AllSets)
                .ToList();
            foreach (var (set, line) in named)
            {
                if (!help.SyntaxSets.Any(s => string.Equals(s.Name, set, StringComparison.OrdinalIgnoreCase)))
                {
                    throw new HelpFormatException(file, line, $"Parameter set '{set}' is not listed under '## SYNTAX' ({string.Join(", ", help.SyntaxSets.Select(s => s.Name))}).");
                }
            }

            if (named.Count == 0)
            {
                if (help.SyntaxSets.Count > 1)
                {
                    throw new HelpFormatException(file, help.SyntaxSets[1].Line, "'## SYNTAX' lists several parameter sets but every parameter is in (All).");
                }

                return;
            }

            foreach (var set in help.SyntaxSets)
            {
                if (!named.Any(n => string.Equals(n.Set, set.Name, StringComparison.OrdinalIgnoreCase)))
                {
                    throw new HelpFormatException(file, set.Line, $"No parameter is in set '{set.Name}' (see '## PARAMETERS' at line {parametersLine}).");
                }
            }
        }

        /// <summary>Walks the block list.</summary>
        private sealed class Cursor
        {
            private readonly List<Block> _blocks;

            internal Cursor(List<Block> blocks)
            {
                _blocks = blocks;
            }

            internal int Index { get; private set; }

            internal Block? Peek() => Index < _blocks.Count ? _blocks[Index] : null;

            internal Block? Next() => Index < _blocks.Count ? _blocks[Index++] : null;

            internal void SkipBlank()
            {
                while (Peek() is TextLine t && t.IsBlank)
                {
                    Index++;
                }
            }

            /// <summary>Text and code up to the next heading of level ≤ <paramref name="stopAtLevel"/>; a deeper heading is an error.</summary>
            internal List<Block> Prose(string file, string owner, int stopAtLevel = 2)
            {
                var result = new List<Block>();
                while (Peek() is Block b)
                {
                    if (b is Heading h)
                    {
                        if (h.Level <= stopAtLevel)
                        {
                            break;
                        }

                        throw new HelpFormatException(file, h.Line, $"Unexpected heading '{new string('#', h.Level)} {h.Text}' inside '{owner}'.");
                    }

                    result.Add(b);
                    Index++;
                }

                return result;
            }

            /// <summary>Text lines up to the next code block or heading (an example's introduction).</summary>
            internal List<Block> TextUntilFence()
            {
                var result = new List<Block>();
                while (Peek() is TextLine t)
                {
                    result.Add(t);
                    Index++;
                }

                return result;
            }
        }
    }
}
