<#
.SYNOPSIS
    Writes Worktrunk.nuspec for the laid-out module, as PowerShellGet's Publish-Module would.

.DESCRIPTION
    Mirrors PowerShellGet v2 (Publish-PSArtifactUtility and New-NuspecFile): the metadata comes
    from the imported module's PSModuleInfo (Name, Version, Author, CompanyName, Description,
    Copyright, PrivateData.PSData Tags/ProjectUri/LicenseUri/ReleaseNotes), and the tags are the
    manifest's tags plus PSModule, PSIncludes_Cmdlet, and PSCmdlet_<Name> and PSCommand_<Name>
    for every exported cmdlet. The package then holds the module folder at its root, and the
    package readme (README.md, named in <readme>).

    Run by build/Worktrunk.Package/Worktrunk.Package.csproj through Worktrunk.Shell (no pwsh
    needed), so it uses only Microsoft.PowerShell.Core commands and .NET.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleDirectory,
    [Parameter(Mandatory)] [string] $OutFile,

    # The package readme: packed as README.md at the package root and named in <readme>.
    [Parameter(Mandatory)] [string] $ReadmeFile
)

$ErrorActionPreference = 'Stop'
$manifest = [System.IO.Path]::Combine($ModuleDirectory, 'Worktrunk.psd1')
$module = Import-Module -Name $manifest -PassThru -Force
try {
    $psData = $module.PrivateData['PSData']
    $tags = [System.Collections.Generic.List[string]]::new()
    foreach ($tag in @($psData['Tags'])) { if ($tag) { $tags.Add($tag) } }
    $tags.Add('PSModule')
    $cmdlets = [string[]]@($module.ExportedCmdlets.Keys)
    [System.Array]::Sort($cmdlets, [System.StringComparer]::Ordinal)
    $commands = [string[]]@($module.ExportedCommands.Keys)
    [System.Array]::Sort($commands, [System.StringComparer]::Ordinal)
    if ($cmdlets.Count -gt 0) {
        $tags.Add('PSIncludes_Cmdlet')
        foreach ($name in $cmdlets) { $tags.Add("PSCmdlet_$name") }
    }
    foreach ($name in $commands) { $tags.Add("PSCommand_$name") }

    $metadata = [ordered]@{
        id                       = $module.Name
        version                  = $module.Version.ToString()
        description              = $module.Description
        authors                  = $module.Author
        owners                   = $module.CompanyName
        releaseNotes             = [string]$psData['ReleaseNotes']
        requireLicenseAcceptance = 'false'
        copyright                = $module.Copyright
        tags                     = $tags -join ' '
    }
    if ($psData['LicenseUri']) { $metadata['licenseUrl'] = [string]$psData['LicenseUri'] }
    if ($psData['ProjectUri']) { $metadata['projectUrl'] = [string]$psData['ProjectUri'] }
    if ($psData['IconUri']) { $metadata['iconUrl'] = [string]$psData['IconUri'] }
    $metadata['readme'] = 'README.md'

    $ns = 'http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd'
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName([System.IO.Path]::GetFullPath($OutFile))) | Out-Null
    $writer = [System.Xml.XmlWriter]::Create($OutFile, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('package', $ns)
        $writer.WriteStartElement('metadata', $ns)
        foreach ($key in $metadata.Keys) {
            $writer.WriteElementString($key, $ns, [string]$metadata[$key])
        }
        $writer.WriteEndElement()
        # The whole module folder, at the package root (Install-Module extracts it to Modules/<Name>/<Version>/).
        $writer.WriteStartElement('files', $ns)
        $writer.WriteStartElement('file', $ns)
        $writer.WriteAttributeString('src', '**/*')
        $writer.WriteAttributeString('target', '')
        $writer.WriteEndElement()
        $writer.WriteStartElement('file', $ns)
        $writer.WriteAttributeString('src', [System.IO.Path]::GetFullPath($ReadmeFile))
        $writer.WriteAttributeString('target', 'README.md')
        $writer.WriteEndElement()
        $writer.WriteEndElement()
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally {
        $writer.Dispose()
    }
}
finally {
    Remove-Module -ModuleInfo $module
}
