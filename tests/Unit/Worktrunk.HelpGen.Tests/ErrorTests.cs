using System;
using System.IO;
using Xunit;

namespace Worktrunk.HelpGen.Tests
{
    /// <summary>Every malformed page is an error naming the file and the line to fix.</summary>
    public sealed class ErrorTests
    {
        private static HelpFormatException Fails(string page, string name = "Test-Thing")
        {
            return Assert.Throws<HelpFormatException>(() => MarkdownHelpParser.Parse(page, "docs/help/" + name + ".md", name));
        }

        private static int LineOf(string page, string text)
        {
            var lines = page.Split('\n');
            return Array.FindIndex(lines, l => l == text) + 1;
        }

        [Fact]
        public void Missing_synopsis_names_the_command_heading()
        {
            var page = ParserTests.Page(synopsis: null);
            var e = Fails(page);
            Assert.Contains("no '## SYNOPSIS'", e.Message, StringComparison.Ordinal);
            Assert.Equal(LineOf(page, "# Test-Thing"), e.Line);
            Assert.Equal("docs/help/Test-Thing.md", e.File);
            Assert.Equal($"docs/help/Test-Thing.md({e.Line},1): error WTHELP: {e.Message}", e.ToMSBuildError());
        }

        [Fact]
        public void Empty_synopsis_is_an_error()
        {
            var page = ParserTests.Page(synopsis: "\n");
            Assert.Equal(LineOf(page, "## SYNOPSIS"), Fails(page).Line);
        }

        [Fact]
        public void A_parameter_without_yaml_names_its_heading()
        {
            var page = ParserTests.Page(parameters: "### -Target\nWhat to act on.\n\n### -Other\nMore.\n\n```yaml\nType: String\n```\n");
            var e = Fails(page);
            Assert.Contains("-Target has no ```yaml block", e.Message, StringComparison.Ordinal);
            Assert.Equal(LineOf(page, "### -Target"), e.Line);
        }

        [Fact]
        public void Unknown_yaml_key_names_its_line()
        {
            var page = ParserTests.Page(parameters: "### -Target\nWhat.\n\n```yaml\nType: String\nMandatory: True\n```\n");
            var e = Fails(page);
            Assert.Contains("unknown key 'Mandatory'", e.Message, StringComparison.Ordinal);
            Assert.Equal(LineOf(page, "Mandatory: True"), e.Line);
        }

        [Fact]
        public void Bad_yaml_values_are_errors()
        {
            Assert.Contains("Required is 'Yes'", Fails(ParserTests.Page(parameters: "### -Target\nWhat.\n\n```yaml\nType: String\nRequired: Yes\n```\n")).Message, StringComparison.Ordinal);
            Assert.Contains("Position 'first'", Fails(ParserTests.Page(parameters: "### -Target\nWhat.\n\n```yaml\nType: String\nPosition: first\n```\n")).Message, StringComparison.Ordinal);
            Assert.Contains("has no Type", Fails(ParserTests.Page(parameters: "### -Target\nWhat.\n\n```yaml\nRequired: True\n```\n")).Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Unknown_section_and_misplaced_headings_are_errors()
        {
            var page = ParserTests.Page().Replace("## NOTES", "## REMARKS", StringComparison.Ordinal);
            var e = Fails(page);
            Assert.Contains("Unknown section '## REMARKS'", e.Message, StringComparison.Ordinal);
            Assert.Equal(LineOf(page, "## REMARKS"), e.Line);

            Assert.Contains("Unexpected heading '### Detail'", Fails(ParserTests.Page(description: "Text.\n\n### Detail\nMore.\n")).Message, StringComparison.Ordinal);
            Assert.Contains("second '# ' heading", Fails(ParserTests.Page() + "\n# Other-Thing\n").Message, StringComparison.Ordinal);
        }

        [Fact]
        public void An_example_without_code_is_an_error()
        {
            var page = ParserTests.Page(examples: "### Example 1: Nothing\nJust words.\n");
            var e = Fails(page);
            Assert.Contains("has no ``` code block", e.Message, StringComparison.Ordinal);
            Assert.Equal(LineOf(page, "### Example 1: Nothing"), e.Line);
        }

        [Fact]
        public void PlatyPS_placeholders_left_in_are_errors()
        {
            var page = ParserTests.Page(description: "{{ Fill in the Description }}\n");
            var e = Fails(page);
            Assert.Contains("placeholder", e.Message, StringComparison.Ordinal);
            Assert.Equal(LineOf(page, "{{ Fill in the Description }}"), e.Line);
        }

        [Fact]
        public void Parameter_sets_must_match_the_syntax_section()
        {
            var page = ParserTests.Page(parameters: ParserTests.Target("Nowhere"));
            var e = Fails(page);
            Assert.Contains("'Nowhere' is not listed under '## SYNTAX'", e.Message, StringComparison.Ordinal);

            var unused = ParserTests.Page(syntax: "### A (Default)\n```\nX\n```\n\n### B\n```\nX\n```\n", parameters: ParserTests.Target("A"));
            var f = Fails(unused);
            Assert.Contains("No parameter is in set 'B'", f.Message, StringComparison.Ordinal);
            Assert.Equal(LineOf(unused, "### B"), f.Line);
        }

        [Fact]
        public void File_name_must_equal_the_command_name()
        {
            var e = Fails(ParserTests.Page(), "Get-Other");
            Assert.Contains("'Get-Other.md' but documents 'Test-Thing'", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Unsupported_schema_and_unclosed_blocks_are_errors()
        {
            Assert.Contains("Schema '1.0.0'", Fails(ParserTests.Page().Replace("schema: 2.0.0", "schema: 1.0.0", StringComparison.Ordinal)).Message, StringComparison.Ordinal);

            var page = ParserTests.Page() + "\n```text\nnever closed\n";
            var e = Fails(page);
            Assert.Contains("never closed", e.Message, StringComparison.Ordinal);
            Assert.Equal(LineOf(page, "```text"), e.Line);
        }

        [Fact]
        public void Duplicate_parameters_and_sections_are_errors()
        {
            Assert.Contains("documented twice", Fails(ParserTests.Page(parameters: ParserTests.Target("(All)") + "\n" + ParserTests.Target("(All)"))).Message, StringComparison.Ordinal);
            Assert.Contains("already appears at line", Fails(ParserTests.Page() + "\n## NOTES\nAgain.\n").Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Related_links_must_be_links()
        {
            var page = ParserTests.Page() + "Just text\n";
            var e = Fails(page);
            Assert.Contains("'Just text' is not a [text](target) link", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void The_tool_reports_every_bad_page_and_writes_nothing()
        {
            var dir = Path.Combine(Path.GetTempPath(), "wt-helpgen-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(dir);
            try
            {
                File.WriteAllText(Path.Combine(dir, "Test-Thing.md"), ParserTests.Page(synopsis: null));
                File.WriteAllText(Path.Combine(dir, "Test-Other.md"), ParserTests.Page().Replace("Test-Thing", "Test-Other", StringComparison.Ordinal).Replace("## NOTES", "## REMARKS", StringComparison.Ordinal));
                File.WriteAllText(Path.Combine(dir, "Test-Third.md"), ParserTests.Page().Replace("Test-Thing", "Test-Third", StringComparison.Ordinal).Replace("external help file: Worktrunk.PowerShell.dll-Help.xml", "external help file: Other.dll-Help.xml", StringComparison.Ordinal));
                var output = Path.Combine(dir, "out", "Worktrunk.PowerShell.dll-Help.xml");
                var stdout = new StringWriter();
                var stderr = new StringWriter();

                Assert.Equal(1, Program.Run(dir, output, stdout, stderr));
                var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.Equal(3, lines.Length);
                Assert.Contains(lines, l => l.StartsWith(Path.Combine(dir, "Test-Thing.md") + "(", StringComparison.Ordinal) && l.Contains("): error WTHELP: ", StringComparison.Ordinal));
                Assert.Contains(lines, l => l.Contains("Test-Other.md(", StringComparison.Ordinal) && l.Contains("REMARKS", StringComparison.Ordinal));
                Assert.Contains(lines, l => l.Contains("Test-Third.md(2,1)", StringComparison.Ordinal) && l.Contains("Other.dll-Help.xml", StringComparison.Ordinal));
                Assert.False(File.Exists(output));
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
