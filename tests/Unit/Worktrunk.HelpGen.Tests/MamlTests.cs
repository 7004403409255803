using System;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Xunit;

namespace Worktrunk.HelpGen.Tests
{
    /// <summary>The MAML has the shape PlatyPS's New-ExternalHelp writes (src/Markdown.MAML/Renderer/MamlRenderer.cs).</summary>
    public sealed class MamlTests
    {
        private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        private static XElement Render(string page, string name = "Test-Thing")
        {
            var doc = XDocument.Parse(MamlWriter.ToText(MamlWriter.Render(new[] { MarkdownHelpParser.Parse(page, name + ".md", name) })));
            Assert.Equal(XName.Get("helpItems", "http://msh"), doc.Root!.Name);
            Assert.Equal("maml", doc.Root.Attribute("schema")!.Value);
            return Assert.Single(doc.Root.Elements(Command + "command"));
        }

        private static string[] Paras(XElement? element) => element!.Elements(Maml + "para").Select(p => p.Value).ToArray();

        private const string TwoSets =
            "### Name (Default)\n```\nTest-Thing [-Target] <String> [-Force]\n```\n\n### Id\n```\nTest-Thing -Id <Int32> [-Force]\n```\n";

        private const string TwoSetParameters =
            "### -Force\nDo it anyway.\n\n```yaml\nType: SwitchParameter\nParameter Sets: (All)\nAliases: f\n\nRequired: False\nPosition: Named\nDefault value: None\nAccept pipeline input: False\nAccept wildcard characters: False\n```\n\n" +
            "### -Id\nThe id.\n\n```yaml\nType: Int32\nParameter Sets: Id\nAliases:\nAccepted values: 1, 2, 3\n\nRequired: True\nPosition: Named\nDefault value: None\nAccept pipeline input: True (ByPropertyName)\nAccept wildcard characters: False\n```\n\n" +
            "### -Target\nThe name.\n\nMore about the name.\n\n```yaml\nType: String\nParameter Sets: Name\nAliases:\n\nRequired: True\nPosition: 0\nDefault value: None\nAccept pipeline input: True (ByValue)\nAccept wildcard characters: True\n```\n";

        [Fact]
        public void Details_description_and_namespaces()
        {
            var command = Render(ParserTests.Page(synopsis: "Does a\nthing.\n", description: "First paragraph\nwrapped.\n\nSecond.\n"));
            Assert.Equal("http://schemas.microsoft.com/maml/dev/2004/10", command.GetNamespaceOfPrefix("dev")!.NamespaceName);
            Assert.Equal("http://msdn.microsoft.com/mshelp", command.GetNamespaceOfPrefix("MSHelp")!.NamespaceName);
            var details = command.Element(Command + "details")!;
            Assert.Equal(new[] { "name", "verb", "noun", "description" }, details.Elements().Select(e => e.Name.LocalName));
            Assert.Equal("Test-Thing", details.Element(Command + "name")!.Value);
            Assert.Equal("Test", details.Element(Command + "verb")!.Value);
            Assert.Equal("Thing", details.Element(Command + "noun")!.Value);
            Assert.Equal(new[] { "Does a thing." }, Paras(details.Element(Maml + "description")));
            Assert.Equal(new[] { "First paragraph wrapped.", "Second." }, Paras(command.Element(Maml + "description")));
            Assert.Equal(
                new[] { "details", "description", "syntax", "parameters", "inputTypes", "returnValues", "alertSet", "examples", "relatedLinks" },
                command.Elements().Select(e => e.Name.LocalName));
        }

        [Fact]
        public void Syntax_has_one_item_per_set_with_positional_parameters_first_and_switches_without_a_value()
        {
            var command = Render(ParserTests.Page(syntax: TwoSets, parameters: TwoSetParameters));
            var items = command.Element(Command + "syntax")!.Elements(Command + "syntaxItem").ToList();
            Assert.Equal(2, items.Count);
            Assert.All(items, i => Assert.Equal("Test-Thing", i.Element(Maml + "name")!.Value));

            var byName = items[0].Elements(Command + "parameter").ToList();
            Assert.Equal(new[] { "Target", "Force" }, byName.Select(p => p.Element(Maml + "name")!.Value));
            Assert.Null(byName[1].Element(Command + "parameterValue"));
            Assert.Equal("SwitchParameter", byName[1].Element(Dev + "type")!.Element(Maml + "name")!.Value);

            var byId = items[1].Elements(Command + "parameter").ToList();
            Assert.Equal(new[] { "Force", "Id" }, byId.Select(p => p.Element(Maml + "name")!.Value));
            var values = byId[1].Element(Command + "parameterValueGroup")!.Elements(Command + "parameterValue").Select(v => v.Value);
            Assert.Equal(new[] { "1", "2", "3" }, values);
        }

        [Fact]
        public void Parameters_carry_PlatyPS_attributes_in_page_order()
        {
            var command = Render(ParserTests.Page(syntax: TwoSets, parameters: TwoSetParameters));
            var parameters = command.Element(Command + "parameters")!.Elements(Command + "parameter").ToList();
            Assert.Equal(new[] { "Force", "Id", "Target" }, parameters.Select(p => p.Element(Maml + "name")!.Value));

            var force = parameters[0];
            Assert.Equal("false", force.Attribute("required")!.Value);
            Assert.Equal("true", force.Attribute("variableLength")!.Value);
            Assert.Equal("false", force.Attribute("globbing")!.Value);
            Assert.Equal("False", force.Attribute("pipelineInput")!.Value);
            Assert.Equal("named", force.Attribute("position")!.Value);
            Assert.Equal("f", force.Attribute("aliases")!.Value);
            Assert.Equal("False", force.Element(Dev + "defaultValue")!.Value);
            var switchValue = force.Element(Command + "parameterValue")!;
            Assert.Equal("false", switchValue.Attribute("required")!.Value);

            var target = parameters[2];
            Assert.Equal("true", target.Attribute("required")!.Value);
            Assert.Equal("true", target.Attribute("globbing")!.Value);
            Assert.Equal("True (ByValue)", target.Attribute("pipelineInput")!.Value);
            Assert.Equal("0", target.Attribute("position")!.Value);
            Assert.Equal("none", target.Attribute("aliases")!.Value);
            Assert.Equal(new[] { "The name.", "More about the name." }, Paras(target.Element(Maml + "description")));
            var value = target.Element(Command + "parameterValue")!;
            Assert.Equal(("true", "false", "String"), (value.Attribute("required")!.Value, value.Attribute("variableLength")!.Value, value.Value));
            Assert.Equal("None", target.Element(Dev + "defaultValue")!.Value);
            Assert.NotNull(target.Element(Dev + "type")!.Element(Maml + "uri"));
            Assert.Null(parameters[1].Element(Command + "parameterValueGroup"));
        }

        [Fact]
        public void Examples_inputs_outputs_notes_and_links()
        {
            var page = ParserTests.Page(
                examples: "### Example 1: Two blocks\nFirst do this:\n\n```powershell\nPS> Test-Thing\n```\n\n```powershell\nPS> Test-Thing -Force\n```\n\nBoth work.\n\nReally.\n",
                frontMatter: "---\nexternal help file: Worktrunk.PowerShell.dll-Help.xml\nonline version: https://example.org/Test-Thing\nschema: 2.0.0\n---\n")
                .Replace("## NOTES\n", "## NOTES\nA note\nwrapped.\n", StringComparison.Ordinal)
                .Replace("### None\n", "### None\nNothing comes in.\n", StringComparison.Ordinal)
                + "\n[Other-Thing](Other-Thing.md)\n";
            var command = Render(page);

            var example = Assert.Single(command.Element(Command + "examples")!.Elements(Command + "example"));
            Assert.Equal(new string('-', 20) + " Example 1: Two blocks " + new string('-', 20), example.Element(Maml + "title")!.Value);
            Assert.Equal(new[] { "First do this:" }, Paras(example.Element(Maml + "introduction")));
            Assert.Equal("PS> Test-Thing\n\nPS> Test-Thing -Force", example.Element(Dev + "code")!.Value);
            Assert.Equal(new[] { "Both work.", "Really." }, Paras(example.Element(Dev + "remarks")));

            var input = Assert.Single(command.Element(Command + "inputTypes")!.Elements(Command + "inputType"));
            Assert.Equal("None", input.Element(Dev + "type")!.Element(Maml + "name")!.Value);
            Assert.Equal(new[] { "Nothing comes in." }, Paras(input.Element(Maml + "description")));
            var output = Assert.Single(command.Element(Command + "returnValues")!.Elements(Command + "returnValue"));
            Assert.Equal("System.Object", output.Element(Dev + "type")!.Element(Maml + "name")!.Value);

            Assert.Equal(new[] { "A note wrapped." }, Paras(command.Element(Maml + "alertSet")!.Element(Maml + "alert")));

            var links = command.Element(Command + "relatedLinks")!.Elements(Maml + "navigationLink")
                .Select(l => (l.Element(Maml + "linkText")!.Value, l.Element(Maml + "uri")!.Value)).ToArray();
            Assert.Equal(
                new[] { ("Online Version:", "https://example.org/Test-Thing"), ("Online", "https://example.org/help"), ("Other-Thing", string.Empty) },
                links);
        }

        [Fact]
        public void Example_titles_are_padded_with_dashes_to_about_64_columns_unless_long()
        {
            Assert.Equal(new string('-', 26) + " Example 1 " + new string('-', 26), MamlWriter.PadTitle("Example 1"));
            Assert.Equal("---------- Example 2: Filter by branch with wildcards ----------", MamlWriter.PadTitle("Example 2: Filter by branch with wildcards"));
            var longTitle = new string('x', 70);
            Assert.Equal(longTitle, MamlWriter.PadTitle(longTitle));
        }

        [Fact]
        public void The_tool_writes_one_command_per_page_sorted_and_byte_for_byte_repeatable()
        {
            var dir = Path.Combine(Path.GetTempPath(), "wt-helpgen-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(dir);
            try
            {
                File.WriteAllText(Path.Combine(dir, "Test-Thing.md"), ParserTests.Page());
                File.WriteAllText(Path.Combine(dir, "Add-Thing.md"), ParserTests.Page().Replace("Test-Thing", "Add-Thing", StringComparison.Ordinal));
                File.WriteAllText(Path.Combine(dir, "about_Things.md"), "# about_Things\n\nNot a cmdlet.\n");
                File.WriteAllText(Path.Combine(dir, "Things.md"), "---\nModule Name: Things\nModule Guid: 00000000-0000-0000-0000-000000000000\n---\n\n# Things Module\n");
                var output = Path.Combine(dir, "en-US", "Worktrunk.PowerShell.dll-Help.xml");

                Assert.Equal(0, Program.Run(dir, output, new StringWriter(), new StringWriter()));
                var first = File.ReadAllBytes(output);
                Assert.Equal(0, Program.Run(dir, output, new StringWriter(), new StringWriter()));
                Assert.Equal(first, File.ReadAllBytes(output));

                var names = XDocument.Load(output).Root!.Elements(Command + "command").Select(c => c.Element(Command + "details")!.Element(Command + "name")!.Value);
                Assert.Equal(new[] { "Add-Thing", "Test-Thing" }, names);
                Assert.NotEqual(0xEF, first[0]);
                Assert.DoesNotContain((byte)'\r', first);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
