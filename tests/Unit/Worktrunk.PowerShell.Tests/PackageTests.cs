using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Xml.Linq;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests
{
    /// <summary>
    /// The build packs the module into artifacts/package/Worktrunk.&lt;version&gt;.nupkg
    /// (build/Worktrunk.Package, a project reference of these tests, so it is always built first).
    /// These tests open it as the Gallery and Install-Module would: the nuspec's metadata and tags,
    /// then the package unpacked into Modules/Worktrunk/&lt;version&gt;/ and imported by name from
    /// PSModulePath in a fresh process (Worktrunk.Shell), so nothing from the build tree is loaded.
    /// </summary>
    public sealed class PackageTests
    {
        private static readonly XNamespace Nuspec = "http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd";

        /// <summary>Files NuGet adds to every package and Install-Module does not copy into the module folder.</summary>
        private static bool IsPackagingPart(string entry) =>
            entry == "[Content_Types].xml" || entry.StartsWith("_rels/", StringComparison.Ordinal) || entry.StartsWith("package/", StringComparison.Ordinal);

        private static string Version
        {
            get
            {
                var v = typeof(WtWorktree).Assembly.GetName().Version!;
                return $"{v.Major}.{v.Minor}.{v.Build}";
            }
        }

        private static string PackagePath()
        {
            // Release packs into artifacts/package (what ships), another configuration into a folder of its own.
            var folder = RepoPaths.Configuration == "release" ? Path.Combine(RepoPaths.Root, "artifacts", "package") : Path.Combine(RepoPaths.Root, "artifacts", "package", RepoPaths.Configuration);
            var path = Path.Combine(folder, $"Worktrunk.{Version}.nupkg");
            Assert.True(File.Exists(path), $"{path} is missing: build/Worktrunk.Package builds it with the solution (dotnet build Worktrunk.sln).");
            return path;
        }

        private static XElement Metadata(ZipArchive zip)
        {
            var entry = zip.GetEntry("Worktrunk.nuspec");
            Assert.NotNull(entry);
            using var stream = entry!.Open();
            return XDocument.Load(stream).Root!.Element(Nuspec + "metadata")!;
        }

        [Fact]
        public void Package_holds_the_module_folder_at_its_root_and_the_nuspec()
        {
            using var zip = ZipFile.OpenRead(PackagePath());
            var entries = zip.Entries.Select(e => e.FullName.Replace('\\', '/')).Where(n => !IsPackagingPart(n)).OrderBy(n => n, StringComparer.Ordinal).ToList();
            var module = Directory.GetFiles(RepoPaths.ModuleDir, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(RepoPaths.ModuleDir, f).Replace('\\', '/'))
                .Append("Worktrunk.nuspec")
                .Append("README.md")
                .OrderBy(n => n, StringComparer.Ordinal)
                .ToList();
            Assert.Equal(module, entries);

            // Only the module's files: manifest, assemblies, format views, MAML help, about topic, LICENSE (+ the package readme).
            var expected = new[]
            {
                "LICENSE", "README.md", "Worktrunk.Core.dll", "Worktrunk.Daemon.format.ps1xml", "Worktrunk.PowerShell.dll", "Worktrunk.Process.format.ps1xml", "Worktrunk.Removal.format.ps1xml",
                "Worktrunk.Tether.format.ps1xml", "Worktrunk.Worktree.format.ps1xml", "Worktrunk.nuspec", "Worktrunk.psd1",
                "en-US/Worktrunk.PowerShell.dll-Help.xml", "en-US/about_Worktrunk.help.txt",
            };
            Assert.Equal(expected.OrderBy(n => n, StringComparer.Ordinal), entries);
            Assert.Contains(zip.Entries, e => e.FullName == "[Content_Types].xml");
        }

        [Fact]
        public void Nuspec_carries_the_manifest_metadata_and_the_PowerShellGet_tags()
        {
            using var zip = ZipFile.OpenRead(PackagePath());
            var metadata = Metadata(zip);
            string Field(string name) => metadata.Element(Nuspec + name)?.Value ?? string.Empty;

            using var ps = new PowerShellSession();
            var module = (System.Management.Automation.PSModuleInfo)ps.Invoke("Get-Module Worktrunk").Output.Single().BaseObject;
            var psData = (System.Collections.Hashtable)((System.Collections.Hashtable)module.PrivateData)["PSData"]!;

            Assert.Equal("Worktrunk", Field("id"));
            Assert.Equal(Version, Field("version"));
            Assert.Equal(module.Author, Field("authors"));
            Assert.Equal(module.CompanyName, Field("owners"));
            Assert.Equal(module.Description, Field("description"));
            Assert.Equal(module.Copyright, Field("copyright"));
            Assert.Equal(psData["ProjectUri"]!.ToString(), Field("projectUrl"));
            Assert.Equal(psData["LicenseUri"]!.ToString(), Field("licenseUrl"));
            Assert.Equal("false", Field("requireLicenseAcceptance"));
            Assert.Equal("README.md", Field("readme"));

            // One source for the release notes: this version's CHANGELOG.md entry, in the manifest and the nuspec.
            var changelog = File.ReadAllText(Path.Combine(RepoPaths.Root, "CHANGELOG.md")).Replace("\r", string.Empty);
            var entry = System.Text.RegularExpressions.Regex.Match(changelog, $@"(?ms)^## {System.Text.RegularExpressions.Regex.Escape(Version)}[^\n]*\n(.*?)(?=^## |\z)").Groups[1].Value.Trim();
            Assert.Contains("Get-WtWorktree", entry);
            Assert.Equal(entry, psData["ReleaseNotes"]!.ToString()!.Replace("\r", string.Empty));
            Assert.Equal(entry, Field("releaseNotes").Replace("\r", string.Empty));

            var tags = Field("tags").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var cmdlets = module.ExportedCmdlets.Keys.ToList();
            Assert.NotEmpty(cmdlets);
            var expected = ((object[])psData["Tags"]!).Select(t => t.ToString()!)
                .Concat(new[] { "PSModule", "PSIncludes_Cmdlet" })
                .Concat(cmdlets.Select(c => "PSCmdlet_" + c))
                .Concat(cmdlets.Select(c => "PSCommand_" + c))
                .OrderBy(t => t, StringComparer.Ordinal);
            Assert.Equal(expected, tags.OrderBy(t => t, StringComparer.Ordinal));
        }

        [Fact]
        public void Installed_from_the_package_the_module_imports_by_name_and_lists_worktrees()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("feature/pkg");
            var modules = Path.Combine(sb.Root, "Modules");
            var installed = Path.Combine(modules, "Worktrunk", Version);

            // What Install-Module does with the nupkg: extract it, less NuGet's own parts.
            using (var zip = ZipFile.OpenRead(PackagePath()))
            {
                foreach (var entry in zip.Entries.Where(e => !IsPackagingPart(e.FullName.Replace('\\', '/')) && e.Name.Length > 0))
                {
                    var target = Path.Combine(installed, entry.FullName.Replace('/', Path.DirectorySeparatorChar));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    entry.ExtractToFile(target);
                }
            }

            Assert.False(File.Exists(Path.Combine(installed, "[Content_Types].xml")));
            Assert.False(Directory.Exists(Path.Combine(installed, "_rels")));

            const string Script =
                "Import-Module Worktrunk -RequiredVersion $env:WT_TEST_VERSION -ErrorAction Stop; " +
                "$m = Get-Module Worktrunk; " +
                "'BASE ' + $m.ModuleBase; " +
                "'HELP ' + (Get-Help Get-WtWorktree).Synopsis; " +
                "$list = Get-WtWorktree; " +
                "'CORE ' + $list[0].GetType().Assembly.Location; " +
                "'CMDLET ' + (Get-Command Get-WtWorktree).ImplementingType.Assembly.Location; " +
                "$list | ForEach-Object { 'WT ' + $_.Branch + ' ' + $_.IsMain + ' ' + $_.GetType().FullName }";
            var (code, stdout, stderr) = RunShell(sb.RepoPath, Script, new Dictionary<string, string>
            {
                ["PSModulePath"] = modules,
                ["WT_TEST_VERSION"] = Version,
            });

            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToList();
            Assert.Contains("BASE " + installed, lines);
            Assert.True(lines.Contains("CORE " + Path.Combine(installed, "Worktrunk.Core.dll")), stdout);
            Assert.True(lines.Contains("CMDLET " + Path.Combine(installed, "Worktrunk.PowerShell.dll")), stdout);
            Assert.Contains(lines, l => l.StartsWith("HELP Lists the worktrees", StringComparison.Ordinal));
            Assert.Contains("WT main True Worktrunk.WtWorktree", lines);
            Assert.Contains("WT feature/pkg False Worktrunk.WtWorktree", lines);
        }

        [Fact]
        public void In_real_pwsh_the_manifest_passes_Test_ModuleManifest_and_Install_PSResource_from_a_local_repository_then_Import_Module_by_name_works()
        {
            using var sb = GitSandbox.Create();
            sb.AddWorktree("feature/psresource");

            // A HOME of its own: the repository registration, the installed module and PowerShell's
            // caches land in the sandbox, never in the user's profile.
            var home = Path.Combine(sb.Root, "home");
            var feed = Path.Combine(sb.Root, "feed");
            Directory.CreateDirectory(home);
            Directory.CreateDirectory(feed);
            File.Copy(PackagePath(), Path.Combine(feed, Path.GetFileName(PackagePath())));
            var environment = new Dictionary<string, string?>
            {
                ["HOME"] = home,
                ["XDG_DATA_HOME"] = Path.Combine(home, ".local", "share"),
                ["XDG_CONFIG_HOME"] = Path.Combine(home, ".config"),
                ["XDG_CACHE_HOME"] = Path.Combine(home, ".cache"),
                ["PSModulePath"] = null,
                ["WT_FEED"] = feed,
                ["WT_VERSION"] = Version,
                ["WT_MANIFEST"] = RepoPaths.ModuleManifest,
            };

            const string Install =
                "$ErrorActionPreference = 'Stop'; " +
                "$m = Test-ModuleManifest -Path $env:WT_MANIFEST; 'MANIFEST ' + $m.Name + ' ' + $m.Version; " +
                "Register-PSResourceRepository -Name WtLocal -Uri $env:WT_FEED -Trusted; " +
                "Install-PSResource -Name Worktrunk -Version $env:WT_VERSION -Repository WtLocal -Scope CurrentUser -TrustRepository -Quiet; " +
                "Get-InstalledPSResource -Name Worktrunk | ForEach-Object { 'INSTALLED ' + $_.Version + ' ' + $_.InstalledLocation }";
            var (code, stdout, stderr) = ShellRun.Pwsh(sb.RepoPath, Install, environment);
            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
            Assert.Contains($"MANIFEST Worktrunk {Version}", stdout);
            Assert.Contains($"INSTALLED {Version}", stdout);

            // A new pwsh, the module by name only: found on the user's module path the install wrote to.
            const string Use =
                "$ErrorActionPreference = 'Stop'; Import-Module Worktrunk; " +
                "$m = Get-Module Worktrunk; 'BASE ' + $m.ModuleBase; 'VERSION ' + $m.Version; " +
                "Get-WtWorktree | ForEach-Object { 'WT ' + $_.Branch }; " +
                "'HELP ' + (Get-Help Get-WtWorktree).Synopsis";
            (code, stdout, stderr) = ShellRun.Pwsh(sb.RepoPath, Use, environment);
            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToList();
            var expectedBase = Path.Combine(home, ".local", "share", "powershell", "Modules", "Worktrunk", Version);
            Assert.Contains("BASE " + expectedBase, lines);
            Assert.Contains("VERSION " + Version, lines);
            Assert.Contains("WT main", lines);
            Assert.Contains("WT feature/psresource", lines);
            Assert.Contains(lines, l => l.StartsWith("HELP Lists the worktrees", StringComparison.Ordinal));
            Assert.True(File.Exists(Path.Combine(expectedBase, "Worktrunk.psd1")));
        }

        /// <summary>Runs Worktrunk.Shell without its build-tree module (-NoModule), in a fresh process.</summary>
        private static (int Code, string Stdout, string Stderr) RunShell(string workingDirectory, string script, IDictionary<string, string> environment)
        {
            var changes = new Dictionary<string, string?> { ["WORKTRUNK_MODULE"] = null };
            foreach (var kv in environment)
            {
                changes[kv.Key] = kv.Value;
            }

            return ShellRun.Run(workingDirectory, new[] { "-NoProfile", "-NonInteractive", "-NoModule", "-Command", script }, changes, TimeSpan.FromMinutes(2));
        }
    }
}
