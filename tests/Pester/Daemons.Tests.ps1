#Requires -Version 7.0
# Pester 5 spec of the fsmonitor daemon cmdlets; mirrors what the xunit tests in
# tests/Unit/Worktrunk.*.Tests/Daemons prove. Run from the repository root after `dotnet build`:
#   Invoke-Pester ./tests/Pester
# Hermetic: temporary repositories, git config shut out, stand-in daemons (a real process started
# as `git fsmonitor--daemon run`, listening on a real Unix socket) that are killed by PID at the end.
# Every test filters to the daemons it started; nothing else is ever signalled.

BeforeAll {
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    Import-Module (Join-Path $RepoRoot 'artifacts/module/Worktrunk/Worktrunk.psd1') -Force

    $script:StandIn = @('debug', 'release') |
        ForEach-Object { Join-Path $RepoRoot "artifacts/bin/Worktrunk.StandInDaemon/$_/Worktrunk.StandInDaemon" } |
        Where-Object { Test-Path $_ } |
        Select-Object -First 1
    $script:Started = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
    $script:TempDirs = [System.Collections.Generic.List[string]]::new()

    $env:GIT_CONFIG_NOSYSTEM = '1'
    $env:GIT_CONFIG_GLOBAL = '/dev/null'
    $env:GIT_AUTHOR_NAME = $env:GIT_COMMITTER_NAME = 'Worktrunk Test'
    $env:GIT_AUTHOR_EMAIL = $env:GIT_COMMITTER_EMAIL = 'test@worktrunk.invalid'

    function New-TestRepo {
        $root = Join-Path ([System.IO.Path]::GetTempPath()) ('wt-pester-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $root | Out-Null
        $root = (Resolve-Path $root).Path
        $script:TempDirs.Add($root)
        $repo = Join-Path $root 'repo'
        git init -q -b main $repo
        git -C $repo commit -q --allow-empty -m initial
        $repo
    }

    function Add-TestWorktree([string] $Repo, [string] $Branch) {
        $dir = Join-Path (Split-Path $Repo) "wt-$Branch"
        git -C $Repo worktree add -q -b $Branch $dir main
        $gitDir = (git -C $dir rev-parse --absolute-git-dir).Trim()
        [pscustomobject]@{ Path = $dir; GitDir = $gitDir }
    }

    function Test-Accepts([string] $Socket) {
        $s = [System.Net.Sockets.Socket]::new([System.Net.Sockets.AddressFamily]::Unix, [System.Net.Sockets.SocketType]::Stream, [System.Net.Sockets.ProtocolType]::Unspecified)
        try { $s.Connect([System.Net.Sockets.UnixDomainSocketEndPoint]::new($Socket)); $true } catch { $false } finally { $s.Dispose() }
    }

    function Start-StandInDaemon([string] $GitDir, [string] $Mode = '') {
        $socket = Join-Path $GitDir 'fsmonitor--daemon.ipc'
        $psi = [System.Diagnostics.ProcessStartInfo]::new('bash')
        # argv[0] becomes exactly `git`, so the process is `git fsmonitor--daemon run`.
        $psi.ArgumentList.Add('-c')
        $psi.ArgumentList.Add('exec -a git "$0" fsmonitor--daemon run')
        $psi.ArgumentList.Add($script:StandIn)
        $psi.Environment['WT_STANDIN_SOCKET'] = $socket
        $psi.Environment['WT_STANDIN_MODE'] = $Mode
        $psi.Environment['DOTNET_EnableDiagnostics'] = '0'
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $p = [System.Diagnostics.Process]::Start($psi)
        $script:Started.Add($p)
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not (Test-Accepts $socket) -and -not $p.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        if (-not (Test-Accepts $socket)) { throw "stand-in daemon did not listen on $socket" }
        [pscustomobject]@{ Process = $p; ProcessId = $p.Id; Socket = $socket }
    }

    function Test-Alive($Daemon) { -not $Daemon.Process.HasExited }
}

AfterAll {
    foreach ($p in $script:Started) {
        if (-not $p.HasExited) { $p.Kill() ; $p.WaitForExit(10000) | Out-Null }
    }
    foreach ($d in $script:TempDirs) { Remove-Item -LiteralPath $d -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Fsmonitor daemon cmdlets' -Skip:($IsWindows) {
    BeforeEach {
        $repo = New-TestRepo
        Push-Location $repo
    }

    AfterEach {
        Pop-Location
    }

    It 'Get-WtOrphanDaemon lists orphans with their state and hides live daemons unless -IncludeLive' {
        $live = Start-StandInDaemon (Join-Path $repo '.git')
        $removed = Add-TestWorktree $repo 'removed'
        $orphan = Start-StandInDaemon $removed.GitDir
        Remove-Item -LiteralPath $removed.Path -Recurse -Force

        $mine = @(Get-WtOrphanDaemon | Where-Object ProcessId -in $live.ProcessId, $orphan.ProcessId)
        $mine.Count | Should -Be 1
        $mine[0].ProcessId | Should -Be $orphan.ProcessId
        $mine[0].State | Should -Be 'OrphanedWorktreeRemoved'
        $mine[0].PSObject.TypeNames[0] | Should -Be 'Worktrunk.WtFsmonitorDaemon'

        $all = @(Get-WtOrphanDaemon -IncludeLive | Where-Object ProcessId -eq $live.ProcessId)
        $all[0].State | Should -Be 'Live'
        Test-Alive $live | Should -BeTrue
        Test-Alive $orphan | Should -BeTrue
    }

    It 'classifies a daemon whose git dir was deleted under it as OrphanedGitDirGone' {
        $gone = Add-TestWorktree $repo 'gone'
        $d = Start-StandInDaemon $gone.GitDir
        Remove-Item -LiteralPath $gone.Path, $gone.GitDir -Recurse -Force

        (Get-WtOrphanDaemon | Where-Object ProcessId -eq $d.ProcessId).State | Should -Be 'OrphanedGitDirGone'
    }

    It 'Get-WtOrphanDaemon | Stop-WtDaemon -WhatIf signals nothing' {
        $removed = Add-TestWorktree $repo 'whatif'
        $d = Start-StandInDaemon $removed.GitDir
        Remove-Item -LiteralPath $removed.Path -Recurse -Force

        $out = Get-WtOrphanDaemon | Where-Object ProcessId -eq $d.ProcessId | Stop-WtDaemon -WhatIf
        $out | Should -BeNullOrEmpty
        Start-Sleep -Milliseconds 300
        Test-Alive $d | Should -BeTrue
    }

    It 'Stop-WtDaemon stops an orphan and emits a result' {
        $removed = Add-TestWorktree $repo 'stop'
        $d = Start-StandInDaemon $removed.GitDir
        Remove-Item -LiteralPath $removed.Path -Recurse -Force

        $r = Get-WtOrphanDaemon | Where-Object ProcessId -eq $d.ProcessId | Stop-WtDaemon
        $r.Outcome | Should -Be 'Terminated'
        $r.PSObject.TypeNames[0] | Should -Be 'Worktrunk.WtDaemonStopResult'
        $d.Process.WaitForExit(10000) | Should -BeTrue
    }

    It 'Stop-WtDaemon refuses a live daemon without -Force' {
        $live = Start-StandInDaemon (Join-Path $repo '.git')
        $err = $null
        Stop-WtDaemon -ProcessId $live.ProcessId -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'DaemonServesLiveWorktree,Worktrunk.PowerShell.Commands.StopWtDaemonCommand'
        Test-Alive $live | Should -BeTrue
    }

    It 'Stop-WtDaemon never signals a process that names the daemon but holds no socket' {
        $psi = [System.Diagnostics.ProcessStartInfo]::new('bash')
        $psi.ArgumentList.Add('-c')
        $psi.ArgumentList.Add('exec -a git "$0" fsmonitor--daemon run')
        $psi.ArgumentList.Add($script:StandIn)
        $psi.Environment['WT_STANDIN_MODE'] = 'no-socket'
        $decoy = [System.Diagnostics.Process]::Start($psi)
        $script:Started.Add($decoy)
        Start-Sleep -Seconds 1

        $err = $null
        Stop-WtDaemon -ProcessId $decoy.Id -Force -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'DaemonNotFound,Worktrunk.PowerShell.Commands.StopWtDaemonCommand'
        $decoy.HasExited | Should -BeFalse
    }

    It 'kills an orphan that ignores SIGTERM after -TimeoutSec' {
        $removed = Add-TestWorktree $repo 'stubborn'
        $d = Start-StandInDaemon $removed.GitDir -Mode 'ignore-term'
        Remove-Item -LiteralPath $removed.Path -Recurse -Force

        (Stop-WtDaemon -ProcessId $d.ProcessId -TimeoutSec 0.3).Outcome | Should -Be 'Killed'
    }

    It 'Invoke-WtFsmonitorSweep reaps this repository''s orphans and leaves another repository''s alone' {
        $removed = Add-TestWorktree $repo 'sweep'
        $mine = Start-StandInDaemon $removed.GitDir
        Remove-Item -LiteralPath $removed.Path -Recurse -Force
        $other = New-TestRepo
        $otherWt = Add-TestWorktree $other 'theirs'
        $theirs = Start-StandInDaemon $otherWt.GitDir
        Remove-Item -LiteralPath $otherWt.Path -Recurse -Force

        $summary = Invoke-WtFsmonitorSweep
        @($summary).Count | Should -Be 1
        ($summary.Results | Where-Object ProcessId -eq $mine.ProcessId).Outcome | Should -Be 'Terminated'
        $summary.Results.ProcessId | Should -Not -Contain $theirs.ProcessId
        Test-Alive $theirs | Should -BeTrue
    }

    It 'Invoke-WtFsmonitorSweep -WhatIf changes nothing' {
        $removed = Add-TestWorktree $repo 'sweep-whatif'
        $d = Start-StandInDaemon $removed.GitDir
        Remove-Item -LiteralPath $removed.Path -Recurse -Force
        $old = Join-Path $repo ".git/wt/trash/app-$([DateTimeOffset]::UtcNow.AddDays(-2).ToUnixTimeSeconds())"
        New-Item -ItemType Directory -Path $old -Force | Out-Null

        $summary = Invoke-WtFsmonitorSweep -WhatIf
        $summary.WhatIf | Should -BeTrue
        $summary.Results | Should -BeNullOrEmpty
        Test-Alive $d | Should -BeTrue
        Test-Path $old | Should -BeTrue
    }
}
