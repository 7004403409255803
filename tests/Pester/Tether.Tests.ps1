#Requires -Version 7.0
# Pester 5 specs of Start-WtTether. The same contracts are proven under `dotnet test` by
# tests/Unit/Worktrunk.PowerShell.Tests/Tether and tests/Unit/Worktrunk.Core.Tests/Tether.
# Run after `dotnet build`: Invoke-Pester ./tests/Pester
# Trees are built by tests/Unit/Worktrunk.TestSupport/tether-tree.sh (a leader, a sidecar with
# its own child, and a double-forked orphan in the group); each writes its PIDs to a folder, and
# every process a test started is killed by PID at the end. Unix only (the trees are sh scripts).

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Initialize-WtHermeticGit
    $script:Manifest = (Resolve-Path (Join-Path $PSScriptRoot '../../artifacts/module/Worktrunk/Worktrunk.psd1')).ProviderPath
    Import-Module $script:Manifest -Force -ErrorAction Stop
    $script:TreeScript = (Resolve-Path (Join-Path $PSScriptRoot '../Unit/Worktrunk.TestSupport/tether-tree.sh')).ProviderPath
    $script:Started = [System.Collections.Generic.List[int]]::new()

    function New-WtTree {
        $dir = Join-Path $TestDrive ('pids-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $dir | Out-Null
        [pscustomobject]@{ Dir = $dir; Words = @('sh', $script:TreeScript, $dir) }
    }

    function Get-WtTreePids([string] $Dir) {
        # Waits for the four PIDs and registers them for the final kill.
        $names = 'leader', 'sidecar', 'grandchild', 'orphan'
        Wait-WtUntil { @($names | Where-Object { Test-Path -LiteralPath (Join-Path $Dir $_) }).Count -eq 4 } | Should -BeTrue
        $pids = foreach ($n in $names) { [int](Get-Content -LiteralPath (Join-Path $Dir $n) -Raw).Trim() }
        $script:Started.AddRange([int[]]$pids)
        $pids
    }

    function Start-WtAsync([string] $Location, [string[]] $Words) {
        # Start-WtTether in a second runspace, as a console host runs a pipeline, so this one can
        # remove the worktree or press "Ctrl+C" (Stop) meanwhile.
        $ps = [powershell]::Create()
        $null = $ps.AddScript('param($m, $l, $w) Import-Module $m; Set-Location -LiteralPath $l; Start-WtTether -- @w').AddArgument($script:Manifest).AddArgument($Location).AddArgument($Words)
        [pscustomobject]@{ PowerShell = $ps; Handle = $ps.BeginInvoke() }
    }
}

AfterAll {
    # The session's tether guardian (one per process, started by the first attached tether) lives
    # until this process exits, after the runner's check for leftovers: end it now as the session's
    # exit would (end-of-file; nothing is armed any more), and wait until it is gone.
    $guardianType = [Worktrunk.WtTether].Assembly.GetType('Worktrunk.Tether.TetherGuardian')
    $guardian = [int]$guardianType.GetMethod('EndSession', [System.Reflection.BindingFlags]'NonPublic, Static').Invoke($null, @())
    if ($guardian -gt 0) {
        Wait-WtUntil { -not (Test-WtAlive $guardian) } 60 | Should -BeTrue
    }
    foreach ($id in $script:Started) {
        Stop-Process -Id $id -Force -ErrorAction SilentlyContinue
    }
    Remove-Module Worktrunk -ErrorAction SilentlyContinue
    Restore-WtSession
}

Describe 'Start-WtTether' -Skip:$IsWindows {
    BeforeEach {
        $script:Repo = New-WtTestRepository
        $script:Worktree = Join-Path (Split-Path $script:Repo) ('wt-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        Invoke-WtGit $script:Repo worktree add -q -b ('agent-' + (Split-Path $script:Worktree -Leaf)) $script:Worktree | Out-Null
        Set-Location -LiteralPath $script:Worktree
    }

    AfterEach {
        Set-Location $TestDrive
    }

    It 'returns a typed result with the exit code, and $LASTEXITCODE 0 on success' {
        $r = Start-WtTether -- sh -c 'exit 0'
        $r | Should -BeOfType ([Worktrunk.WtTetherResult])
        $r.Reason | Should -Be 'Exited'
        $r.ExitCode | Should -Be 0
        $r.Worktree | Should -Be $script:Worktree
        $LASTEXITCODE | Should -Be 0
    }

    It 'reports a failure as TetheredCommandFailed and sets $LASTEXITCODE' {
        $err = $null
        $r = Start-WtTether -ErrorVariable err -ErrorAction SilentlyContinue -- sh -c 'exit 3'
        $r.ExitCode | Should -Be 3
        $LASTEXITCODE | Should -Be 3
        $err[0].FullyQualifiedErrorId | Should -Be 'TetheredCommandFailed,Worktrunk.PowerShell.Commands.StartWtTetherCommand'

        $r = Start-WtTether -ErrorAction SilentlyContinue -- sh -c 'kill -TERM $$'
        $r.Signal | Should -Be 15
        $r.SignalName | Should -Be 'SIGTERM'
        $LASTEXITCODE | Should -Be 143
    }

    It 'passes arguments verbatim, with no shell in between' {
        $out = Join-Path $TestDrive 'args.txt'
        Start-WtTether -FilePath sh -ArgumentList '-c', 'printf "%s|" "$@" > "$0"', $out, 'a b', '$HOME', '' | Out-Null
        Get-Content -LiteralPath $out -Raw | Should -Be 'a b|$HOME||'
    }

    It 'tears the whole tree down when the worktree is removed' {
        $tree = New-WtTree
        $run = Start-WtAsync $script:Worktree ($tree.Words + 'stay')
        try {
            $pids = Get-WtTreePids $tree.Dir
            Invoke-WtGit $script:Repo worktree remove --force $script:Worktree | Out-Null
            $run.Handle.AsyncWaitHandle.WaitOne(30000) | Should -BeTrue
            $result = $run.PowerShell.EndInvoke($run.Handle)
            $result[0].Reason | Should -Be 'WorktreeRemoved'
            @($pids | Where-Object { Test-WtAlive $_ }) | Should -BeNullOrEmpty
        }
        finally {
            $run.PowerShell.Dispose()
        }
    }

    It 'sweeps the group when the command exits on its own' {
        $tree = New-WtTree
        $run = Start-WtAsync $script:Worktree ($tree.Words + 'exit', '0')
        try {
            $pids = Get-WtTreePids $tree.Dir
            Set-Content -LiteralPath (Join-Path $tree.Dir 'go') -Value 'go'
            $run.Handle.AsyncWaitHandle.WaitOne(30000) | Should -BeTrue
            $run.PowerShell.EndInvoke($run.Handle)[0].Reason | Should -Be 'Exited'
            @($pids | Where-Object { Test-WtAlive $_ }) | Should -BeNullOrEmpty
        }
        finally {
            $run.PowerShell.Dispose()
        }
    }

    It 'tears the whole tree down before a stopped pipeline returns' {
        $tree = New-WtTree
        $run = Start-WtAsync $script:Worktree ($tree.Words + 'stay')
        try {
            $pids = Get-WtTreePids $tree.Dir
            $run.PowerShell.Stop()
            @($pids | Where-Object { Test-WtAlive $_ }) | Should -BeNullOrEmpty
        }
        finally {
            $run.PowerShell.Dispose()
        }
    }

    It 'does not tear down while the worktree is only unreadable' -Skip:($IsWindows -or [System.Environment]::UserName -eq 'root') {
        # Root reads through chmod 000, so this needs an ordinary user; the xunit suite proves the
        # same as root by dropping the capabilities on the supervising thread.
        $parent = Join-Path $TestDrive ('locked-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        $inner = Join-Path $parent 'wt'
        New-Item -ItemType Directory -Path $inner | Out-Null
        $tree = New-WtTree
        $run = Start-WtAsync $inner ($tree.Words + 'stay')
        try {
            $pids = Get-WtTreePids $tree.Dir
            chmod 000 $parent
            Start-Sleep -Milliseconds 1500
            $run.Handle.IsCompleted | Should -BeFalse
            @($pids | Where-Object { Test-WtAlive $_ }).Count | Should -Be 4
            chmod 755 $parent
            Remove-Item -LiteralPath $inner -Recurse -Force
            $run.Handle.AsyncWaitHandle.WaitOne(30000) | Should -BeTrue
            @($pids | Where-Object { Test-WtAlive $_ }) | Should -BeNullOrEmpty
        }
        finally {
            chmod 755 $parent
            $run.PowerShell.Dispose()
        }
    }

    It 'fails to start a missing program with CommandNotFound and starts nothing' {
        { Start-WtTether -ErrorAction Stop -- wt-no-such-program-xyz } | Should -Throw -ErrorId 'CommandNotFound,Worktrunk.PowerShell.Commands.StartWtTetherCommand'
    }

    It 'starts nothing under -WhatIf' {
        $marker = Join-Path $TestDrive 'whatif.txt'
        Start-WtTether -WhatIf -- sh -c 'touch "$1"' sh $marker
        Start-Sleep -Milliseconds 300
        Test-Path -LiteralPath $marker | Should -BeFalse
    }

    It 'takes its working directory from a WtWorktree on the pipeline (Path), attached and -Detach' {
        $branch = Invoke-WtGit $script:Worktree rev-parse --abbrev-ref HEAD
        $report = Join-Path $TestDrive ('cwd-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        Set-Location -LiteralPath $script:Repo

        $r = Get-WtWorktree -Branch $branch | Start-WtTether -- sh -c 'pwd -P > "$1"' sh $report
        $r.Worktree | Should -Be $script:Worktree
        (Get-Content -LiteralPath $report -Raw).Trim() | Should -Be $script:Worktree

        Remove-Item -LiteralPath $report
        $t = Get-WtWorktree -Branch $branch | Start-WtTether -Detach -- sh -c 'pwd -P > "$1"; exec sleep 300' sh $report
        $script:Started.Add($t.SupervisorId)
        $script:Started.Add($t.ProcessId)
        $t.Worktree | Should -Be $script:Worktree
        Wait-WtUntil { (Test-Path -LiteralPath $report) -and (Get-Content -LiteralPath $report -Raw) -match "`n" } | Should -BeTrue
        (Get-Content -LiteralPath $report -Raw).Trim() | Should -Be $script:Worktree
        Invoke-WtGit $script:Repo worktree remove --force $script:Worktree | Out-Null
        Wait-WtUntil { -not (Test-WtAlive $t.ProcessId) } | Should -BeTrue
        Wait-WtUntil { -not (Test-WtAlive $t.SupervisorId) } | Should -BeTrue
    }

    It '-Detach returns at once; the supervisor tears down when the worktree goes' {
        $tree = New-WtTree
        $words = $tree.Words + 'stay'
        $t = Start-WtTether -Detach -- @words
        $t | Should -BeOfType ([Worktrunk.WtTether])
        $script:Started.Add($t.SupervisorId)
        $pids = Get-WtTreePids $tree.Dir
        $t.ProcessGroupId | Should -Be $pids[0]
        $t.LogPath | Should -BeLike (Join-Path $script:Repo '.git/wt/logs/tether/*.log')
        Test-WtAlive $t.SupervisorId | Should -BeTrue

        # Out of the worktree first: PowerShell will not delete the directory the session stands in.
        Set-Location -LiteralPath $script:Repo
        Remove-Item -LiteralPath $script:Worktree -Recurse -Force
        Wait-WtUntil { @($pids | Where-Object { Test-WtAlive $_ }).Count -eq 0 } | Should -BeTrue
        Wait-WtUntil { -not (Test-WtAlive $t.SupervisorId) } | Should -BeTrue
        Get-Content -LiteralPath $t.LogPath -Raw | Should -Match 'ended: WorktreeRemoved'
    }
}
