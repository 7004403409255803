using System;
using System.IO;
using System.Linq;
using Xunit;

namespace Worktrunk.HelpGen.Tests
{
    public sealed class ParserTests
    {
        internal static string RepoRoot()
        {
            for (var dir = AppContext.BaseDirectory; dir != null; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "Worktrunk.sln")))
                {
                    return dir;
                }
            }

            throw new InvalidOperationException("no Worktrunk.sln above " + AppContext.BaseDirectory);
        }

        [Fact]
        public void Reads_the_Get_WtWorktree_page()
        {
            var help = MarkdownHelpParser.ParseFile(Path.Combine(RepoRoot(), "docs", "help", "Get-WtWorktree.md"));

            Assert.Equal("Get-WtWorktree", help.Name);
            Assert.Equal(new[] { "Lists the worktrees of a git repository as Worktrunk.WtWorktree objects." }, help.Synopsis);
            // Two paragraphs, the -Status paragraph, its five bullets, the closing paragraph.
            Assert.Equal(9, help.Description.Count);
            Assert.StartsWith("Get-WtWorktree runs `git worktree list --porcelain -z` once and emits one Worktrunk.WtWorktree object per worktree: its path,", help.Description[0], StringComparison.Ordinal);
            Assert.Equal(new[] { ("Branch", true), ("Path", false) }, help.SyntaxSets.Select(s => (s.Name, s.IsDefault)));
            Assert.Equal(new[] { "Branch", "Path", "Repository", "Status" }, help.Parameters.Select(p => p.Name));
            Assert.True(help.HasCommonParameters);

            var branch = help.Parameters[0].Metadata.Single();
            Assert.Equal("String[]", branch.Type);
            Assert.Equal(new[] { "Branch" }, branch.ParameterSets);
            Assert.False(branch.Required);
            Assert.Equal("0", branch.Position);
            Assert.True(branch.Globbing);
            Assert.Equal("False", branch.PipelineInput);
            Assert.Null(branch.DefaultValue == "None" ? null : branch.DefaultValue);

            var path = help.Parameters[1].Metadata.Single();
            Assert.True(path.Required);
            Assert.Equal("named", path.Position);
            Assert.Equal("True (ByPropertyName, ByValue)", path.PipelineInput);

            Assert.Equal(new[] { ParameterMetadata.AllSets }, help.Parameters[2].Metadata.Single().ParameterSets);
            Assert.Equal("The current location", help.Parameters[2].Metadata.Single().DefaultValue);

            Assert.Equal(7, help.Examples.Count);
            Assert.Equal("Example 2: Filter by branch with wildcards", help.Examples[1].Title);
            Assert.Equal("PS /src/app> Get-WtWorktree -Branch 'agent/*'", help.Examples[1].Code.Single());
            Assert.Equal(new[] { "Returns the worktrees of every branch under agent/." }, help.Examples[1].Remarks);

            Assert.Equal("System.String[]", help.Inputs.Single().TypeName);
            Assert.Equal(new[] { "Paths, for -Path." }, help.Inputs.Single().Description);
            Assert.Equal("Worktrunk.WtWorktree", help.Outputs.Single().TypeName);
            Assert.Empty(help.Outputs.Single().Description);
            Assert.StartsWith("Errors: NotARepository", Assert.Single(help.Notes), StringComparison.Ordinal);

            // Relative targets (other pages) keep their text and lose the target: Get-Help needs real URIs.
            Assert.Equal(new[] { ("Remove-WtWorktree", string.Empty), ("about_Worktrunk", string.Empty) }, help.Links.Select(l => (l.Text, l.Uri)));
        }

        [Fact]
        public void Prose_flows_like_PlatyPS()
        {
            var paragraphs = HelpText.Flow(new Block[]
            {
                new TextLine(1, "A soft-wrapped"),
                new TextLine(2, "paragraph with **bold**, *italic*, __strong__ and `code *kept*`."),
                new TextLine(3, string.Empty),
                new TextLine(4, "See [the docs](https://example.org/x) and [Other-Page](Other-Page.md); \\[escaped\\] \\*star\\*."),
                new TextLine(5, "- first item"),
                new TextLine(6, "  continued"),
                new TextLine(7, "- second item"),
                new TextLine(8, "Hard break  "),
                new TextLine(9, "next line"),
                new Fence(10, "powershell", new[] { "Get-Thing", "  | Where-Object X" }.ToList()),
            });

            Assert.Equal(
                new[]
                {
                    "A soft-wrapped paragraph with bold, italic, strong and `code *kept*`.",
                    "See the docs (https://example.org/x) and Other-Page; [escaped] *star*.",
                    "- first item continued",
                    "- second item",
                    "Hard break",
                    "next line",
                    "Get-Thing",
                    "  | Where-Object X",
                },
                paragraphs);
        }

        [Fact]
        public void Several_yaml_blocks_put_a_parameter_in_several_sets_with_their_own_metadata()
        {
            var help = MarkdownHelpParser.Parse(Page(
                syntax: "### Name (Default)\n```\nX\n```\n\n### Id\n```\nX\n```\n",
                parameters: "### -Target\nWhat to act on.\n\n```yaml\nType: String\nParameter Sets: Name\nRequired: True\nPosition: 0\n```\n\n```yaml\nType: String\nParameter Sets: Id\nRequired: False\nPosition: Named\n```\n\n### -Force\nDo it.\n\n```yaml\nType: SwitchParameter\nParameter Sets: (All)\nAliases: f, yes\n```\n"),
                "Test-Thing.md", "Test-Thing");

            var target = help.Parameters[0];
            Assert.Equal(2, target.Metadata.Count);
            Assert.True(target.Metadata[0].Required);
            Assert.False(target.Metadata[1].Required);
            Assert.Equal("named", target.Metadata[1].Position);
            Assert.True(help.Parameters[1].Metadata[0].IsSwitch);
            Assert.Equal(new[] { "f", "yes" }, help.Parameters[1].Metadata[0].Aliases);
        }

        [Fact]
        public void A_single_unnamed_syntax_block_is_one_set()
        {
            var help = MarkdownHelpParser.Parse(Page(syntax: "```\nTest-Thing [-Target <String>]\n```\n", parameters: Target("(All)")), "Test-Thing.md", "Test-Thing");
            Assert.Equal(ParameterMetadata.AllSets, Assert.Single(help.SyntaxSets).Name);
        }

        [Fact]
        public void Module_pages_and_about_topics_are_not_command_pages()
        {
            var empty = new System.Collections.Generic.Dictionary<string, string>();
            Assert.False(MarkdownHelpParser.IsCommandPage("docs/help/about_Worktrunk.md", empty));
            Assert.False(MarkdownHelpParser.IsCommandPage("docs/help/Worktrunk.md", new System.Collections.Generic.Dictionary<string, string> { ["Module Guid"] = "x" }));
            Assert.True(MarkdownHelpParser.IsCommandPage("docs/help/Get-WtWorktree.md", empty));
        }

        /// <summary>A well-formed page; each test breaks one part of it.</summary>
        internal static string Page(
            string? synopsis = "Does a thing.\n",
            string syntax = "### Default (Default)\n```\nTest-Thing [-Target <String>]\n```\n",
            string description = "Longer text.\n",
            string examples = "### Example 1: Do it\n```powershell\nTest-Thing\n```\n\nIt is done.\n",
            string? parameters = null,
            string frontMatter = "---\nexternal help file: Worktrunk.PowerShell.dll-Help.xml\nModule Name: Worktrunk\nonline version:\nschema: 2.0.0\n---\n")
        {
            return frontMatter + "\n# Test-Thing\n\n" +
                (synopsis == null ? string.Empty : "## SYNOPSIS\n" + synopsis + "\n") +
                "## SYNTAX\n\n" + syntax + "\n" +
                "## DESCRIPTION\n" + description + "\n" +
                "## EXAMPLES\n\n" + examples + "\n" +
                "## PARAMETERS\n\n" + (parameters ?? Target("(All)")) + "\n### CommonParameters\nThis cmdlet supports the common parameters.\n\n" +
                "## INPUTS\n\n### None\n\n## OUTPUTS\n\n### System.Object\n\n## NOTES\n\n## RELATED LINKS\n\n[Online](https://example.org/help)\n";
        }

        internal static string Target(string sets) => "### -Target\nWhat to act on.\n\n```yaml\nType: String\nParameter Sets: " + sets + "\nAliases:\n\nRequired: False\nPosition: Named\nDefault value: None\nAccept pipeline input: False\nAccept wildcard characters: False\n```\n";
    }
}
