#Requires -Version 7.0
<#
.SYNOPSIS
    Runs the Pester specs (build.ps1 -Task Test starts it in a fresh pwsh) and holds them to their
    own hermetic contract.

.DESCRIPTION
    Imports the given Pester (the NuGet one build/Pester restores), runs -Path, writes NUnit XML to
    -OutputFile, and exits non-zero when a spec failed, none ran, or the run left the session
    changed: an environment variable or the location differs from before, or a file is left in the
    temporary folder. The run gets a temporary folder of its own (TMPDIR, where Pester puts each
    file's $TestDrive), so files other programs on the machine create do not count.
#>
param(
    [Parameter(Mandatory)] [string] $PesterModule,
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $OutputFile
)

$ErrorActionPreference = 'Stop'
Import-Module -Name $PesterModule -Force

# Short on purpose: stand-in daemons bind Unix sockets under $TestDrive (sun_path holds 107 bytes).
$temp = Join-Path '/tmp' ('wtp' + [guid]::NewGuid().ToString('N').Substring(0, 4))
if ($IsWindows) { $temp = Join-Path ([System.IO.Path]::GetTempPath()) ('wtp' + [guid]::NewGuid().ToString('N').Substring(0, 4)) }
$null = New-Item -ItemType Directory -Path $temp
$tempVariable = if ($IsWindows) { 'TEMP' } else { 'TMPDIR' }
$savedTemp = [System.Environment]::GetEnvironmentVariable($tempVariable)
Set-Item -LiteralPath "Env:$tempVariable" -Value $temp

function Get-WtEnvironmentText {
    (Get-ChildItem Env: | Where-Object Name -NE $tempVariable | Sort-Object Name | ForEach-Object { "$($_.Name)=$($_.Value)" }) -join "`n"
}

$problems = [System.Collections.Generic.List[string]]::new()
$environmentBefore = Get-WtEnvironmentText
$locationBefore = (Get-Location).Path
try {
    $configuration = New-PesterConfiguration
    $configuration.Run.Path = $Path
    $configuration.Run.PassThru = $true
    $configuration.Output.Verbosity = 'Detailed'
    $configuration.TestResult.Enabled = $true
    $configuration.TestResult.OutputFormat = 'NUnitXml'
    $configuration.TestResult.OutputPath = $OutputFile
    $result = Invoke-Pester -Configuration $configuration

    if ($result.FailedCount -gt 0) { $problems.Add("$($result.FailedCount) Pester test(s) failed") }
    if ($result.FailedBlocksCount -gt 0 -or $result.FailedContainersCount -gt 0) {
        $problems.Add("$($result.FailedBlocksCount) block(s) and $($result.FailedContainersCount) file(s) failed outside a test")
    }
    if ($result.PassedCount + $result.FailedCount -eq 0) { $problems.Add('no Pester test ran') }

    # The specs' own contract: the session as they found it.
    if ((Get-Location).Path -ne $locationBefore) { $problems.Add("the specs left the location at $((Get-Location).Path), not $locationBefore") }
    $environmentAfter = Get-WtEnvironmentText
    if ($environmentAfter -ne $environmentBefore) {
        $diff = Compare-Object ($environmentBefore -split "`n") ($environmentAfter -split "`n") | ForEach-Object { "$($_.SideIndicator) $($_.InputObject)" }
        $problems.Add("the specs left the environment changed:`n  $($diff -join "`n  ")")
    }
    $left = @(Get-ChildItem -LiteralPath $temp -Force -Recurse | ForEach-Object FullName)
    if ($left.Count -gt 0) { $problems.Add("the specs left $($left.Count) temporary file(s):`n  $($left -join "`n  ")") }
}
finally {
    if ($null -eq $savedTemp) { Remove-Item -LiteralPath "Env:$tempVariable" } else { Set-Item -LiteralPath "Env:$tempVariable" -Value $savedTemp }
    Remove-Item -LiteralPath $temp -Recurse -Force -ErrorAction SilentlyContinue
}

if ($problems.Count -gt 0) {
    foreach ($p in $problems) { Write-Host "Pester: $p" -ForegroundColor Red }
    exit 1
}
exit 0
