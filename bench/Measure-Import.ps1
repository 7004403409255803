#Requires -Version 7.0
<#
.SYNOPSIS
    Import-Module cost of Worktrunk in fresh pwsh processes, against an empty manifest module.

.DESCRIPTION
    Each round starts two new pwsh processes (the pwsh running this script, i.e. the pinned 7.6.9
    under `dotnet pwsh`), in alternating order so load on a shared machine hits both alike: one
    times `Import-Module <Worktrunk.psd1>`, the other `Import-Module <empty manifest>`, each the
    first import of its process (cold: assembly loading and PowerShell's module machinery included).
    Reports the medians and the median of the per-round differences, in wall-clock time (the gate:
    exit 1 when over -TargetMs, or when a process failed) and in CPU time (user + system of the whole
    process across the import, background JIT threads included), which a machine shared with other
    work inflates far less than wall-clock time. Figures: docs/benchmarks.md, "Import in pwsh".
    Run: dotnet pwsh -NoProfile -File ./build.ps1 -Task ImportBench (builds first).
#>
param(
    [int] $Rounds = 15,
    [double] $TargetMs = 50,
    [string] $Manifest = (Join-Path $PSScriptRoot '../artifacts/module/Worktrunk/Worktrunk.psd1')
)

$ErrorActionPreference = 'Stop'
$Manifest = (Resolve-Path -LiteralPath $Manifest).ProviderPath
$pwshDll = Join-Path $PSHOME 'pwsh.dll'
$dotnet = (Get-Process -Id $PID).Path
$empty = Join-Path ([System.IO.Path]::GetTempPath()) ('wt-empty-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory -Path $empty
Set-Content -LiteralPath (Join-Path $empty 'Empty.psd1') -Value "@{ ModuleVersion = '0.0.1'; GUID = '3f0c9c7e-6f43-4e55-9d1e-2b7f5d1c0a11' }"

function Measure-ImportOnce([string] $Path) {
    # One fresh process; prints the milliseconds its first Import-Module took.
    $script = '$p = [System.Diagnostics.Process]::GetCurrentProcess(); $cpu = $p.TotalProcessorTime; $sw = [System.Diagnostics.Stopwatch]::StartNew(); Import-Module -Name $env:WT_BENCH_MODULE -ErrorAction Stop; $sw.Stop(); $p.Refresh(); $sw.Elapsed.TotalMilliseconds.ToString([cultureinfo]::InvariantCulture) + " " + ($p.TotalProcessorTime - $cpu).TotalMilliseconds.ToString([cultureinfo]::InvariantCulture)'
    $env:WT_BENCH_MODULE = $Path
    try {
        $out = & $dotnet $pwshDll -NoProfile -NonInteractive -Command $script
        if ($LASTEXITCODE -ne 0) { throw "pwsh failed to import $Path (exit $LASTEXITCODE): $out" }
    }
    finally {
        Remove-Item Env:WT_BENCH_MODULE
    }
    $wall, $cpu = @($out)[-1].Split(' ')
    [pscustomobject]@{ Wall = [double]::Parse($wall, [cultureinfo]::InvariantCulture); Cpu = [double]::Parse($cpu, [cultureinfo]::InvariantCulture) }
}

function Get-Median([double[]] $Values) {
    $sorted = [double[]]($Values | Sort-Object)
    $n = $sorted.Length
    if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
}

try {
    $null = Measure-ImportOnce (Join-Path $empty 'Empty.psd1')   # warm the disk cache once, not counted
    $null = Measure-ImportOnce $Manifest
    $worktrunk = [System.Collections.Generic.List[double]]::new()
    $baseline = [System.Collections.Generic.List[double]]::new()
    $differences = [System.Collections.Generic.List[double]]::new()
    $cpuWorktrunk = [System.Collections.Generic.List[double]]::new()
    $cpuBaseline = [System.Collections.Generic.List[double]]::new()
    $cpuDifferences = [System.Collections.Generic.List[double]]::new()
    for ($i = 0; $i -lt $Rounds; $i++) {
        if ($i % 2) {
            $b = Measure-ImportOnce (Join-Path $empty 'Empty.psd1'); $w = Measure-ImportOnce $Manifest
        }
        else {
            $w = Measure-ImportOnce $Manifest; $b = Measure-ImportOnce (Join-Path $empty 'Empty.psd1')
        }
        $worktrunk.Add($w.Wall); $baseline.Add($b.Wall); $differences.Add($w.Wall - $b.Wall)
        $cpuWorktrunk.Add($w.Cpu); $cpuBaseline.Add($b.Cpu); $cpuDifferences.Add($w.Cpu - $b.Cpu)
        Write-Host ('round {0,2}: Worktrunk {1,7:0.0} ms (cpu {2,6:0.0}), empty manifest {3,7:0.0} ms (cpu {4,6:0.0})' -f ($i + 1), $w.Wall, $w.Cpu, $b.Wall, $b.Cpu)
    }
    $cost = Get-Median $differences.ToArray()
    $row = [pscustomobject]@{
        Rounds                = $Rounds
        WorktrunkMedianMs     = [math]::Round((Get-Median $worktrunk.ToArray()), 1)
        WorktrunkMinMs        = [math]::Round(($worktrunk | Measure-Object -Minimum).Minimum, 1)
        EmptyManifestMedianMs = [math]::Round((Get-Median $baseline.ToArray()), 1)
        EmptyManifestMinMs    = [math]::Round(($baseline | Measure-Object -Minimum).Minimum, 1)
        ImportCostMedianMs    = [math]::Round($cost, 1)
        CpuWorktrunkMedianMs  = [math]::Round((Get-Median $cpuWorktrunk.ToArray()), 1)
        CpuEmptyMedianMs      = [math]::Round((Get-Median $cpuBaseline.ToArray()), 1)
        CpuCostMedianMs       = [math]::Round((Get-Median $cpuDifferences.ToArray()), 1)
        LoadAverage           = $(if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ' })
        Cores                 = [Environment]::ProcessorCount
        TargetMs              = $TargetMs
        PowerShell            = $PSVersionTable.PSVersion.ToString()
    }
    $row | Format-List | Out-Host
    if ($cost -gt $TargetMs) {
        Write-Host "FAILED: importing Worktrunk costs $([math]::Round($cost, 1)) ms more than an empty manifest module (target: at most $TargetMs ms)." -ForegroundColor Red
        exit 1
    }
    Write-Host "met: $([math]::Round($cost, 1)) ms <= $TargetMs ms" -ForegroundColor Green
}
finally {
    Remove-Item -LiteralPath $empty -Recurse -Force -ErrorAction SilentlyContinue
}
