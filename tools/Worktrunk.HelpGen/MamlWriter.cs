using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Worktrunk.HelpGen
{
    /// <summary>
    /// Renders commands as MAML in the shape PlatyPS 0.14's MamlRenderer gives New-ExternalHelp:
    /// helpItems (xmlns http://msh) → command:command with details (name, verb, noun, synopsis),
    /// description, syntax (one syntaxItem per parameter set, positional parameters first),
    /// parameters (attributes required/variableLength/globbing/pipelineInput/position/aliases),
    /// inputTypes, returnValues, alertSet (NOTES), examples (titles padded with dashes to 64
    /// columns) and command:relatedLinks. Output is deterministic: UTF-8, two-space indent, LF.
    /// </summary>
    internal static class MamlWriter
    {
        internal static readonly XNamespace Msh = "http://msh";
        internal static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        internal static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        internal static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
        internal static readonly XNamespace MSHelp = "http://msdn.microsoft.com/mshelp";

        internal static XDocument Render(IEnumerable<CommandHelp> commands)
        {
            return new XDocument(
                new XDeclaration("1.0", "utf-8", null),
                new XElement(Msh + "helpItems", new XAttribute("schema", "maml"), commands.Select(RenderCommand)));
        }

        internal static string ToText(XDocument document)
        {
            var settings = new XmlWriterSettings
            {
                Encoding = new UTF8Encoding(false),
                Indent = true,
                IndentChars = "  ",
                NewLineChars = "\n",
                NewLineHandling = NewLineHandling.Replace,
                NamespaceHandling = NamespaceHandling.OmitDuplicates,
            };
            using var stream = new MemoryStream();
            using (var writer = XmlWriter.Create(stream, settings))
            {
                document.Save(writer);
            }

            return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
        }

        private static XElement RenderCommand(CommandHelp command)
        {
            var dash = command.Name.IndexOf('-');
            var verb = dash < 0 ? command.Name : command.Name.Substring(0, dash);
            var noun = dash < 0 ? string.Empty : command.Name.Substring(dash + 1);
            return new XElement(Command + "command",
                new XAttribute(XNamespace.Xmlns + "maml", Maml),
                new XAttribute(XNamespace.Xmlns + "command", Command),
                new XAttribute(XNamespace.Xmlns + "dev", Dev),
                new XAttribute(XNamespace.Xmlns + "MSHelp", MSHelp),
                new XElement(Command + "details",
                    new XElement(Command + "name", command.Name),
                    new XElement(Command + "verb", verb),
                    new XElement(Command + "noun", noun),
                    new XElement(Maml + "description", Paras(command.Synopsis))),
                new XElement(Maml + "description", Paras(command.Description)),
                new XElement(Command + "syntax", SyntaxItems(command)),
                new XElement(Command + "parameters", command.Parameters.Select(p => Parameter(p, p.Metadata[0], inSyntax: false))),
                new XElement(Command + "inputTypes", command.Inputs.Select(i => TypeEntry("inputType", i))),
                new XElement(Command + "returnValues", command.Outputs.Select(o => TypeEntry("returnValue", o))),
                new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paras(command.Notes))),
                new XElement(Command + "examples", command.Examples.Select(Example)),
                new XElement(Command + "relatedLinks", command.Links.Select(l =>
                    new XElement(Maml + "navigationLink",
                        new XElement(Maml + "linkText", l.Text),
                        new XElement(Maml + "uri", l.Uri)))));
        }

        /// <summary>
        /// One syntaxItem per SYNTAX set, in page order. A set holds the parameters naming it plus
        /// those in (All); positional parameters come first by position, the rest in page order.
        /// </summary>
        private static IEnumerable<XElement> SyntaxItems(CommandHelp command)
        {
            foreach (var set in command.SyntaxSets)
            {
                var members = new List<(ParameterHelp Parameter, ParameterMetadata Metadata)>();
                foreach (var p in command.Parameters)
                {
                    var metadata = p.Metadata.FirstOrDefault(m => m.ParameterSets.Any(s => string.Equals(s, set.Name, StringComparison.OrdinalIgnoreCase)))
                        ?? p.Metadata.FirstOrDefault(m => m.ParameterSets.Contains(ParameterMetadata.AllSets));
                    if (metadata != null)
                    {
                        members.Add((p, metadata));
                    }
                }

                var ordered = members
                    .Select((m, i) => (m.Parameter, m.Metadata, Order: m.Metadata.Position == "named" ? int.MaxValue : int.Parse(m.Metadata.Position, System.Globalization.CultureInfo.InvariantCulture), Index: i))
                    .OrderBy(m => m.Order)
                    .ThenBy(m => m.Index);
                yield return new XElement(Command + "syntaxItem",
                    new XElement(Maml + "name", command.Name),
                    ordered.Select(m => Parameter(m.Parameter, m.Metadata, inSyntax: true)));
            }
        }

        private static XElement Parameter(ParameterHelp parameter, ParameterMetadata metadata, bool inSyntax)
        {
            // In syntax, a switch carries no value element (so Get-Help prints "[-Force]", not "[-Force <SwitchParameter>]").
            return new XElement(Command + "parameter",
                new XAttribute("required", metadata.Required ? "true" : "false"),
                new XAttribute("variableLength", "true"),
                new XAttribute("globbing", metadata.Globbing ? "true" : "false"),
                new XAttribute("pipelineInput", metadata.PipelineInput),
                new XAttribute("position", metadata.Position),
                new XAttribute("aliases", metadata.Aliases.Count > 0 ? string.Join(", ", metadata.Aliases) : "none"),
                new XElement(Maml + "name", parameter.Name),
                new XElement(Maml + "description", Paras(parameter.Description)),
                inSyntax && metadata.AcceptedValues.Count > 0
                    ? new XElement(Command + "parameterValueGroup", metadata.AcceptedValues.Select(v =>
                        new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute("variableLength", "false"), v)))
                    : null,
                !inSyntax || !metadata.IsSwitch
                    ? new XElement(Command + "parameterValue",
                        new XAttribute("required", metadata.IsSwitch ? "false" : "true"),
                        new XAttribute("variableLength", "false"),
                        metadata.Type)
                    : null,
                new XElement(Dev + "type",
                    new XElement(Maml + "name", metadata.Type),
                    new XElement(Maml + "uri")),
                new XElement(Dev + "defaultValue",
                    metadata.IsSwitch && (metadata.DefaultValue == null || string.Equals(metadata.DefaultValue, "None", StringComparison.OrdinalIgnoreCase))
                        ? "False"
                        : metadata.DefaultValue ?? "None"));
        }

        private static XElement TypeEntry(string element, TypeHelp type)
        {
            return new XElement(Command + element,
                new XElement(Dev + "type", new XElement(Maml + "name", type.TypeName)),
                new XElement(Maml + "description", Paras(type.Description)));
        }

        private static XElement Example(ExampleHelp example)
        {
            return new XElement(Command + "example",
                new XElement(Maml + "title", PadTitle(example.Title)),
                example.Introduction.Count > 0 ? new XElement(Maml + "introduction", Paras(example.Introduction)) : null,
                new XElement(Dev + "code", string.Join("\n\n", example.Code)),
                new XElement(Dev + "remarks", Paras(example.Remarks)));
        }

        /// <summary>PlatyPS pads a title with dashes to 64 columns: "---------- Example 1: x ----------".</summary>
        internal static string PadTitle(string title)
        {
            if (string.IsNullOrWhiteSpace(title) || title.Length >= 62)
            {
                return title;
            }

            var pad = new string('-', (64 - title.Length - 2) / 2);
            return pad + " " + title + " " + pad;
        }

        private static IEnumerable<XElement> Paras(IEnumerable<string> paragraphs)
        {
            return paragraphs.Select(p => new XElement(Maml + "para", p));
        }
    }
}
