#Requires -Version 7.0
<#
.SYNOPSIS
    Convenience wrapper around the dotnet commands, for people with pwsh.

.DESCRIPTION
    Nothing here is needed: CI and machines without pwsh run the same dotnet commands directly
    (DEVELOPERS.md, "Commands"). Every step is a plain dotnet call.

      Build    dotnet build Worktrunk.sln   (lays out artifacts/module/Worktrunk, generates the MAML help,
                                             packs artifacts/package/Worktrunk.<version>.nupkg)
      Test     dotnet test Worktrunk.sln    (-Pester also runs Invoke-Pester ./tests/Pester)
      Package  dotnet build build/Worktrunk.Package (the .nupkg alone)
      Bench    dotnet run -c Release --project bench/Worktrunk.Benchmarks -- --filter <Filter>

.EXAMPLE
    ./build.ps1 -Task Test -Pester

.EXAMPLE
    ./build.ps1 -Task Bench -Filter '*Foundation*'
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Bench')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',

    # Test: also run the Pester specs (needs Pester 5).
    [switch] $Pester,

    # Bench: BenchmarkDotNet filter.
    [string] $Filter = '*'
)

$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot

function Invoke-Dotnet {
    Write-Host "dotnet $($args -join ' ')" -ForegroundColor Cyan
    & dotnet @args
    if ($LASTEXITCODE -ne 0) {
        throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE"
    }
}

switch ($Task) {
    'Build' { Invoke-Dotnet build Worktrunk.sln -c $Configuration }
    'Test' {
        Invoke-Dotnet test Worktrunk.sln -c $Configuration
        if ($Pester) {
            Import-Module Pester -MinimumVersion 5.0 -ErrorAction Stop
            $result = Invoke-Pester -Path ./tests/Pester -PassThru
            if ($result.FailedCount -gt 0) {
                throw "$($result.FailedCount) Pester test(s) failed"
            }
        }
    }
    'Package' {
        Invoke-Dotnet build build/Worktrunk.Package/Worktrunk.Package.csproj -c $Configuration
        Get-ChildItem -LiteralPath (Join-Path $PSScriptRoot 'artifacts/package') -Filter '*.nupkg'
    }
    'Bench' { Invoke-Dotnet run -c Release --project bench/Worktrunk.Benchmarks -- --filter $Filter }
}
