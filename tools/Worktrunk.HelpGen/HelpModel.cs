using System.Collections.Generic;

namespace Worktrunk.HelpGen
{
    /// <summary>One cmdlet's help, as read from its markdown page. Text is already flowed into paragraphs.</summary>
    internal sealed class CommandHelp
    {
        internal CommandHelp(string name, string sourceFile)
        {
            Name = name;
            SourceFile = sourceFile;
        }

        internal string Name { get; }

        internal string SourceFile { get; }

        /// <summary>Front matter `online version:`; when set it becomes the first related link, as PlatyPS does.</summary>
        internal string? OnlineVersion { get; set; }

        internal List<string> Synopsis { get; } = new List<string>();

        internal List<string> Description { get; } = new List<string>();

        /// <summary>Parameter set names in the order of the SYNTAX section.</summary>
        internal List<SyntaxSet> SyntaxSets { get; } = new List<SyntaxSet>();

        internal List<ExampleHelp> Examples { get; } = new List<ExampleHelp>();

        internal List<ParameterHelp> Parameters { get; } = new List<ParameterHelp>();

        internal bool HasCommonParameters { get; set; }

        internal List<TypeHelp> Inputs { get; } = new List<TypeHelp>();

        internal List<TypeHelp> Outputs { get; } = new List<TypeHelp>();

        internal List<string> Notes { get; } = new List<string>();

        internal List<LinkHelp> Links { get; } = new List<LinkHelp>();
    }

    /// <summary>A `### Name` (optionally ` (Default)`) entry of the SYNTAX section.</summary>
    internal sealed class SyntaxSet
    {
        internal SyntaxSet(string name, bool isDefault, int line)
        {
            Name = name;
            IsDefault = isDefault;
            Line = line;
        }

        internal string Name { get; }

        internal bool IsDefault { get; }

        internal int Line { get; }
    }

    /// <summary>`### Example N: title`, an optional introduction, one or more code blocks, remarks.</summary>
    internal sealed class ExampleHelp
    {
        internal ExampleHelp(string title)
        {
            Title = title;
        }

        internal string Title { get; }

        internal List<string> Introduction { get; } = new List<string>();

        internal List<string> Code { get; } = new List<string>();

        internal List<string> Remarks { get; } = new List<string>();
    }

    /// <summary>`### -Name`: a description and one yaml block per distinct metadata (PlatyPS allows several).</summary>
    internal sealed class ParameterHelp
    {
        internal ParameterHelp(string name, int line)
        {
            Name = name;
            Line = line;
        }

        internal string Name { get; }

        internal int Line { get; }

        internal List<string> Description { get; } = new List<string>();

        internal List<ParameterMetadata> Metadata { get; } = new List<ParameterMetadata>();
    }

    /// <summary>One ```yaml block of a parameter.</summary>
    internal sealed class ParameterMetadata
    {
        /// <summary>The PlatyPS moniker for "every parameter set".</summary>
        internal const string AllSets = "(All)";

        internal string Type { get; set; } = string.Empty;

        /// <summary>Named sets, or <see cref="AllSets"/> alone.</summary>
        internal List<string> ParameterSets { get; } = new List<string>();

        internal List<string> Aliases { get; } = new List<string>();

        internal List<string> AcceptedValues { get; } = new List<string>();

        internal bool Required { get; set; }

        /// <summary>"0", "1", ... or "named" (lower case, as MAML writes it).</summary>
        internal string Position { get; set; } = "named";

        internal string? DefaultValue { get; set; }

        /// <summary>As written, e.g. "False" or "True (ByPropertyName, ByValue)".</summary>
        internal string PipelineInput { get; set; } = "False";

        internal bool Globbing { get; set; }

        internal bool IsSwitch => Type == "SwitchParameter" || Type == "System.Management.Automation.SwitchParameter";

        internal int Line { get; set; }
    }

    /// <summary>An INPUTS or OUTPUTS entry: `### Type` and its text.</summary>
    internal sealed class TypeHelp
    {
        internal TypeHelp(string typeName)
        {
            TypeName = typeName;
        }

        internal string TypeName { get; }

        internal List<string> Description { get; } = new List<string>();
    }

    /// <summary>A RELATED LINKS entry; <see cref="Uri"/> is empty unless the target is an absolute URI.</summary>
    internal sealed class LinkHelp
    {
        internal LinkHelp(string text, string uri)
        {
            Text = text;
            Uri = uri;
        }

        internal string Text { get; }

        internal string Uri { get; }
    }
}
