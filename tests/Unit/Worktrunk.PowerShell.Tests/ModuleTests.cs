using System;
using System.Collections;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests
{
    public sealed class ModuleTests
    {
        private static string[] DeclaredCmdlets()
        {
            using var ps = new PowerShellSession(importModule: false);
            var r = ps.Invoke("(Import-PowerShellDataFile -LiteralPath $args[0]).CmdletsToExport", RepoPaths.ModuleManifest);
            if (r.Terminating == null && r.Output.Count > 0)
            {
                return r.Output.Select(o => o.ToString()).ToArray();
            }

            // Import-PowerShellDataFile is in Microsoft.PowerShell.Utility; fall back to the manifest's module info.
            var info = ps.Invoke("(Test-ModuleManifest -Path $args[0]).ExportedCmdlets.Keys", RepoPaths.ModuleManifest);
            return info.Output.Select(o => o.ToString()).ToArray();
        }

        [Fact]
        public void Manifest_passes_Test_ModuleManifest_with_the_stamped_version()
        {
            using var ps = new PowerShellSession(importModule: false);
            var r = ps.Invoke("Test-ModuleManifest -Path $args[0]", RepoPaths.ModuleManifest);
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            var info = (PSModuleInfo)r.Output.Single().BaseObject;
            var expected = typeof(WtWorktree).Assembly.GetName().Version!;
            Assert.Equal(new Version(expected.Major, expected.Minor, expected.Build), info.Version);
            Assert.Contains("Core", info.CompatiblePSEditions);
            Assert.Contains("Desktop", info.CompatiblePSEditions);
            Assert.Equal(new Version(5, 1), info.PowerShellVersion);
            Assert.False(string.IsNullOrWhiteSpace(info.Description));
            Assert.False(string.IsNullOrWhiteSpace(info.Author));
        }

        [Fact]
        public void CmdletsToExport_equals_the_cmdlet_classes_in_the_assembly()
        {
            var assembly = Assembly.LoadFrom(Path.Combine(RepoPaths.ModuleDir, "Worktrunk.PowerShell.dll"));
            var classes = assembly.GetTypes()
                .Select(t => t.GetCustomAttribute<CmdletAttribute>())
                .Where(a => a != null)
                .Select(a => a!.VerbName + "-" + a.NounName)
                .OrderBy(n => n, StringComparer.Ordinal)
                .ToArray();
            Assert.Equal(classes, DeclaredCmdlets().OrderBy(n => n, StringComparer.Ordinal).ToArray());
        }

        [Fact]
        public void Import_exports_exactly_the_declared_cmdlets_and_loads_the_format_views()
        {
            using var ps = new PowerShellSession();
            var exported = ps.Invoke("(Get-Module Worktrunk).ExportedCmdlets.Keys").Output.Select(o => o.ToString()).OrderBy(n => n, StringComparer.Ordinal);
            Assert.Equal(DeclaredCmdlets().OrderBy(n => n, StringComparer.Ordinal), exported);

            // Every format file the manifest lists loads into a FormatTable without errors
            // (Get-FormatData is in Microsoft.PowerShell.Utility, absent from the bare engine;
            // rendering through the views is proven through Worktrunk.Shell elsewhere).
            var formats = ps.Invoke("(Test-ModuleManifest -Path $args[0]).ExportedFormatFiles", RepoPaths.ModuleManifest).Output.Select(o => o.ToString()!).ToArray();
            Assert.Equal(5, formats.Length);
            var table = new System.Management.Automation.Runspaces.FormatTable(formats);
            Assert.NotNull(table);
        }

        [Fact]
        public void Every_cmdlet_declares_its_output_type()
        {
            using var ps = new PowerShellSession();
            var r = ps.Invoke("Get-Command -Module Worktrunk | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Out = @($_.OutputType).Count } }");
            Assert.NotEmpty(r.Output);
            foreach (var o in r.Output)
            {
                Assert.True((int)o.Properties["Out"].Value > 0, o.Properties["Name"].Value + " has no [OutputType]");
            }
        }

        [Fact]
        public void Branch_completion_offers_worktree_branches()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("feature/complete-me");
            using var ps = new PowerShellSession(sb.RepoPath);
            var r = ps.Invoke("(TabExpansion2 -inputScript 'Get-WtWorktree -Branch feat' -cursorColumn 27).CompletionMatches.CompletionText");
            Assert.Contains("feature/complete-me", r.Output.Select(o => o.ToString()));
        }
    }
}
