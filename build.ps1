#Requires -Version 7.0
<#
.SYNOPSIS
    The entry point: build, test, package, benchmark, or try the module. Runs under the pwsh the
    repository pins (`dotnet tool restore`, then `dotnet pwsh ./build.ps1 ...`) or any pwsh 7.

.DESCRIPTION
    Every step is a plain dotnet call; nothing is installed outside the NuGet cache.

      Build        dotnet build Worktrunk.sln (lays out artifacts/module/Worktrunk, generates the MAML
                   help, packs artifacts/package/Worktrunk.<version>.nupkg in Release)
      Demo         Build, then import the built module here and run its cmdlets on this checkout
      Test         dotnet test Worktrunk.sln (TRX), then the Pester specs in ./tests/Pester with the
                   Pester 5.9.1 that `dotnet restore build/Pester` brings from NuGet (NUnit XML);
                   results under -ResultsDirectory. Fails when either suite failed or ran nothing.
      Package      the .nupkg alone (build/Worktrunk.Package)
      Bench        dotnet run -c Release --project bench/Worktrunk.Benchmarks -- --filter <Filter>
                   (fails when a benchmark failed or none matched)
      ImportBench  bench/Measure-Import.ps1: Import-Module cost in fresh pwsh processes

    -Configuration is Release unless given: what is tested is what ships.

.EXAMPLE
    dotnet tool restore; dotnet pwsh -NoProfile -File ./build.ps1 -Task Test

.EXAMPLE
    dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench -Filter '*Foundation*'
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Demo', 'Test', 'Package', 'Bench', 'ImportBench')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Test: where the TRX files (xunit/) and Pester's NUnit XML (pester/) go; emptied first.
    [string] $ResultsDirectory = 'artifacts/test-results',

    # Test: skip one suite while iterating (the README's command runs both).
    [switch] $SkipXunit,
    [switch] $SkipPester,

    # Bench: BenchmarkDotNet filter.
    [string] $Filter = '*'
)

$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot

function Invoke-Dotnet {
    # Runs dotnet with the arguments given; returns its exit code (the caller decides what failure means).
    Write-Host "dotnet $($args -join ' ')" -ForegroundColor Cyan
    & dotnet @args | Out-Host
    $LASTEXITCODE
}

function Assert-Dotnet {
    $code = Invoke-Dotnet @args
    if ($code -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $code" }
}

function Get-PesterModule {
    # Pester comes from NuGet through build/Pester (a PackageDownload): restore it, ask MSBuild where it landed.
    Assert-Dotnet restore build/Pester/Pester.csproj -v q
    # One property asked: MSBuild prints its value alone.
    $path = (& dotnet msbuild build/Pester/Pester.csproj -getProperty:WtPesterModule | Out-String).Trim()
    if ($LASTEXITCODE -ne 0) { throw 'dotnet msbuild build/Pester -getProperty:WtPesterModule failed' }
    if (-not (Test-Path -LiteralPath $path)) { throw "Pester is not at $path after dotnet restore build/Pester" }
    $path
}

switch ($Task) {
    'Build' { Assert-Dotnet build Worktrunk.sln -c $Configuration }
    'Demo' {
        Assert-Dotnet build src/Worktrunk.PowerShell/Worktrunk.PowerShell.csproj -c $Configuration -v q
        Import-Module (Join-Path $PSScriptRoot 'artifacts/module/Worktrunk/Worktrunk.psd1') -Force
        foreach ($line in 'Get-Command -Module Worktrunk', 'Get-WtWorktree', 'Get-WtOrphanDaemon -IncludeLive', 'Invoke-WtFsmonitorSweep -WhatIf') {
            Write-Host "PS $PSScriptRoot> $line" -ForegroundColor Green
            Invoke-Expression $line | Out-Host
        }
    }
    'Test' {
        $results = [System.IO.Path]::GetFullPath($ResultsDirectory, $PSScriptRoot)
        if (Test-Path -LiteralPath $results) { Remove-Item -LiteralPath $results -Recurse -Force }
        $null = New-Item -ItemType Directory -Path (Join-Path $results 'xunit'), (Join-Path $results 'pester')
        $failures = [System.Collections.Generic.List[string]]::new()

        if (-not $SkipXunit) {
            $code = Invoke-Dotnet test Worktrunk.sln -c $Configuration --logger trx --results-directory (Join-Path $results 'xunit')
            if ($code -ne 0) { $failures.Add("dotnet test exited $code") }
        }
        else {
            # Pester needs the module laid out and the stand-in daemon built.
            Assert-Dotnet build Worktrunk.sln -c $Configuration -v q
        }

        if (-not $SkipPester) {
            $pester = Get-PesterModule
            # A child pwsh: the specs get a clean session, and the runner checks they leave it as found.
            $pwsh = Join-Path $PSHOME 'pwsh.dll'
            Write-Host "Invoke-Pester ./tests/Pester (Pester from $pester)" -ForegroundColor Cyan
            & dotnet $pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'build/Invoke-WtPester.ps1') `
                -PesterModule $pester -Path (Join-Path $PSScriptRoot 'tests/Pester') -OutputFile (Join-Path $results 'pester/pester.xml') | Out-Host
            if ($LASTEXITCODE -ne 0) { $failures.Add("Pester exited $LASTEXITCODE") }
        }

        if ($failures.Count -gt 0) { throw "Test failed: $($failures -join '; ') (results in $results)" }
        Write-Host "Both suites passed; results in $results" -ForegroundColor Green
    }
    'Package' {
        Assert-Dotnet build build/Worktrunk.Package/Worktrunk.Package.csproj -c $Configuration
        Get-ChildItem -LiteralPath (Join-Path $PSScriptRoot 'artifacts/package') -Filter '*.nupkg'
    }
    'Bench' {
        # '--' quoted: bare, PowerShell would take it as the end of Assert-Dotnet's own parameters and drop it.
        Assert-Dotnet run -c Release --project bench/Worktrunk.Benchmarks '--' --filter $Filter
    }
    'ImportBench' {
        Assert-Dotnet build src/Worktrunk.PowerShell/Worktrunk.PowerShell.csproj -c Release -v q
        & (Join-Path $PSScriptRoot 'bench/Measure-Import.ps1')
        if ($LASTEXITCODE -ne 0) { throw "bench/Measure-Import.ps1 failed (exit $LASTEXITCODE)" }
    }
}
