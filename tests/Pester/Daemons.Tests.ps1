#Requires -Version 7.0
# Pester 5 specs of Get-WtOrphanDaemon, Stop-WtDaemon and Invoke-WtFsmonitorSweep. The same
# contracts are proven under `dotnet test` by tests/Unit/Worktrunk.PowerShell.Tests/Daemons and
# tests/Unit/Worktrunk.Core.Tests/Daemons. Run after `dotnet build`: Invoke-Pester ./tests/Pester
# Daemons are stand-ins (tests/Unit/Worktrunk.StandInDaemon, built by `dotnet build`): real
# processes started as exactly `git fsmonitor--daemon run`, listening on a real Unix socket in a
# git dir. Each test filters to the daemons it started, and every one is killed by PID at the end.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Initialize-WtHermeticGit
    Import-Module (Join-Path $PSScriptRoot '../../artifacts/module/Worktrunk/Worktrunk.psd1') -Force -ErrorAction Stop
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:StandIn = @('debug', 'release') |
        ForEach-Object { Join-Path $script:RepoRoot "artifacts/bin/Worktrunk.StandInDaemon/$_/Worktrunk.StandInDaemon" } |
        Where-Object { Test-Path -LiteralPath $_ } |
        Select-Object -First 1
    $script:Started = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()

    function Get-WtTestGitDir([string] $Worktree) {
        (Invoke-WtGit $Worktree rev-parse --absolute-git-dir | Select-Object -Last 1).Trim()
    }

    function Test-WtAccepts([string] $Socket) {
        $s = [System.Net.Sockets.Socket]::new([System.Net.Sockets.AddressFamily]::Unix, [System.Net.Sockets.SocketType]::Stream, [System.Net.Sockets.ProtocolType]::Unspecified)
        try { $s.Connect([System.Net.Sockets.UnixDomainSocketEndPoint]::new($Socket)); $true } catch { $false } finally { $s.Dispose() }
    }

    function Start-WtStandInDaemon {
        # A stand-in daemon listening at <GitDir>/fsmonitor--daemon.ipc (none with -Mode no-socket).
        param([string] $GitDir, [string] $Mode = '')
        $psi = [System.Diagnostics.ProcessStartInfo]::new('bash')
        # exec -a makes argv[0] exactly `git`: the process is `git fsmonitor--daemon run`.
        $psi.ArgumentList.Add('-c')
        $psi.ArgumentList.Add('exec -a git "$0" fsmonitor--daemon run')
        $psi.ArgumentList.Add($script:StandIn)
        $socket = if ($GitDir) { Join-Path $GitDir 'fsmonitor--daemon.ipc' } else { $null }
        # sun_path holds 108 bytes with its NUL: a longer path cannot be bound. $TestDrive is long (a GUID
        # under the temp folder), so the branches here, which name the worktrees' git dirs, stay short.
        if ($socket -and [System.Text.Encoding]::UTF8.GetByteCount($socket) -gt 107) {
            throw "Socket path over the 107-byte Unix limit ($([System.Text.Encoding]::UTF8.GetByteCount($socket)) bytes): $socket"
        }
        if ($socket) { $psi.Environment['WT_STANDIN_SOCKET'] = $socket }
        $psi.Environment['WT_STANDIN_MODE'] = $Mode
        $psi.Environment['DOTNET_EnableDiagnostics'] = '0'
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $p = [System.Diagnostics.Process]::Start($psi)
        $script:Started.Add($p)
        if ($socket) {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not (Test-WtAccepts $socket) -and -not $p.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            if (-not (Test-WtAccepts $socket)) { throw "The stand-in daemon did not listen on $socket." }
        }
        else {
            Start-Sleep -Seconds 1
        }
        [pscustomobject]@{ Process = $p; ProcessId = $p.Id; Socket = $socket }
    }

    function New-WtOrphan {
        # A daemon whose worktree was deleted (its registration lingers), or with -GitDirGone whose git dir went too.
        param([string] $Repository, [string] $Branch, [string] $Mode = '', [switch] $GitDirGone)
        $wt = Add-WtTestWorktree -Repository $Repository -Branch $Branch
        $gitDir = Get-WtTestGitDir $wt
        $daemon = Start-WtStandInDaemon -GitDir $gitDir -Mode $Mode
        Remove-Item -LiteralPath $wt -Recurse -Force
        if ($GitDirGone) { Remove-Item -LiteralPath $gitDir -Recurse -Force }
        $daemon
    }
}

AfterAll {
    foreach ($p in $script:Started) {
        if (-not $p.HasExited) { $p.Kill(); $null = $p.WaitForExit(10000) }
    }
    Remove-Module Worktrunk -ErrorAction SilentlyContinue
    Restore-WtSession
}

Describe 'fsmonitor daemon cmdlets' -Skip:$IsWindows {
    BeforeEach {
        $script:Repo = New-WtTestRepository
        Set-Location $script:Repo
    }

    AfterEach {
        Set-Location $TestDrive
    }

    It 'Get-WtOrphanDaemon lists orphans with their state and hides live daemons unless -IncludeLive' {
        $live = Start-WtStandInDaemon -GitDir (Join-Path $script:Repo '.git')
        $orphan = New-WtOrphan -Repository $script:Repo -Branch 'removed'

        $mine = @(Get-WtOrphanDaemon | Where-Object ProcessId -In $live.ProcessId, $orphan.ProcessId)
        $mine.Count | Should -Be 1
        $mine[0] | Should -BeOfType ([Worktrunk.WtFsmonitorDaemon])
        $mine[0].ProcessId | Should -Be $orphan.ProcessId
        $mine[0].State | Should -Be 'OrphanedWorktreeRemoved'
        $mine[0].Reason | Should -Not -BeNullOrEmpty

        (Get-WtOrphanDaemon -IncludeLive | Where-Object ProcessId -EQ $live.ProcessId).State | Should -Be 'Live'
        $live.Process.HasExited | Should -BeFalse
        $orphan.Process.HasExited | Should -BeFalse
    }

    It 'classifies a daemon whose git dir was deleted under it as OrphanedGitDirGone' {
        $d = New-WtOrphan -Repository $script:Repo -Branch 'gone' -GitDirGone
        (Get-WtOrphanDaemon | Where-Object ProcessId -EQ $d.ProcessId).State | Should -Be 'OrphanedGitDirGone'
    }

    It 'Get-WtOrphanDaemon | Stop-WtDaemon -WhatIf signals nothing' {
        $d = New-WtOrphan -Repository $script:Repo -Branch 'whatif'
        $out = Get-WtOrphanDaemon | Where-Object ProcessId -EQ $d.ProcessId | Stop-WtDaemon -WhatIf
        $out | Should -BeNullOrEmpty
        Start-Sleep -Milliseconds 300
        $d.Process.HasExited | Should -BeFalse
    }

    It 'Stop-WtDaemon stops an orphan and emits a result' {
        $d = New-WtOrphan -Repository $script:Repo -Branch 'stop'
        $r = Get-WtOrphanDaemon | Where-Object ProcessId -EQ $d.ProcessId | Stop-WtDaemon
        $r | Should -BeOfType ([Worktrunk.WtDaemonStopResult])
        $r.Outcome | Should -Be 'Terminated'
        $d.Process.WaitForExit(10000) | Should -BeTrue
    }

    It 'Stop-WtDaemon refuses a live daemon without -Force' {
        $live = Start-WtStandInDaemon -GitDir (Join-Path $script:Repo '.git')
        $err = $null
        Stop-WtDaemon -ProcessId $live.ProcessId -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'DaemonServesLiveWorktree,Worktrunk.PowerShell.Commands.StopWtDaemonCommand'
        $live.Process.HasExited | Should -BeFalse
    }

    It 'Stop-WtDaemon never signals a process that names the daemon but holds no socket' {
        $decoy = Start-WtStandInDaemon -Mode 'no-socket'
        $err = $null
        Stop-WtDaemon -ProcessId $decoy.ProcessId -Force -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'DaemonNotFound,Worktrunk.PowerShell.Commands.StopWtDaemonCommand'
        $decoy.Process.HasExited | Should -BeFalse
    }

    It 'kills an orphan that ignores SIGTERM after -TimeoutSec' {
        $d = New-WtOrphan -Repository $script:Repo -Branch 'stub' -Mode 'ignore-term'
        (Stop-WtDaemon -ProcessId $d.ProcessId -TimeoutSec 0.3).Outcome | Should -Be 'Killed'
    }

    It 'Invoke-WtFsmonitorSweep reaps this repository''s orphans and leaves another repository''s alone' {
        $mine = New-WtOrphan -Repository $script:Repo -Branch 'sweep'
        $other = New-WtTestRepository -Name 'other'
        $theirs = New-WtOrphan -Repository $other -Branch 'theirs'

        $summary = @(Invoke-WtFsmonitorSweep)
        $summary.Count | Should -Be 1
        $summary[0] | Should -BeOfType ([Worktrunk.WtSweepSummary])
        ($summary[0].Results | Where-Object ProcessId -EQ $mine.ProcessId).Outcome | Should -Be 'Terminated'
        $summary[0].Results.ProcessId | Should -Not -Contain $theirs.ProcessId
        $theirs.Process.HasExited | Should -BeFalse
    }

    It 'Invoke-WtFsmonitorSweep -WhatIf changes nothing' {
        $d = New-WtOrphan -Repository $script:Repo -Branch 'sww'
        $old = Join-Path $script:Repo ".git/wt/trash/app-$([DateTimeOffset]::UtcNow.AddDays(-2).ToUnixTimeSeconds())"
        New-Item -ItemType Directory -Path $old -Force | Out-Null

        $summary = Invoke-WtFsmonitorSweep -WhatIf
        $summary.WhatIf | Should -BeTrue
        $summary.Results | Should -BeNullOrEmpty
        $d.Process.HasExited | Should -BeFalse
        Test-Path -LiteralPath $old | Should -BeTrue
    }
}
