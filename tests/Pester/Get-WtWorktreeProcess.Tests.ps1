#Requires -Version 7.0
# Pester 5 specs of Get-WtWorktreeProcess and Remove-WtWorktree -StopProcess. The same contracts are
# proven under `dotnet test` by tests/Unit/Worktrunk.PowerShell.Tests/Processes and
# tests/Unit/Worktrunk.Core.Tests/Processes/WorktreeProcessesTests.cs. Run after `dotnet build`:
# Invoke-Pester ./tests/Pester
# Every process a spec starts is recorded and killed by PID at the end; only those are signalled.
# Linux only: macOS needs lsof (compiled, not run here), Windows reports WorktreeProcessesNotSupported.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Initialize-WtHermeticGit
    Import-Module (Join-Path $PSScriptRoot '../../artifacts/module/Worktrunk/Worktrunk.psd1') -Force -ErrorAction Stop
    $script:CommandClass = 'Worktrunk.PowerShell.Commands.GetWtWorktreeProcessCommand'
    $script:Started = [System.Collections.Generic.List[int]]::new()

    function Start-WtSleeper([string] $Directory) {
        # A `sleep 3600` working in $Directory, recorded for the final kill; returns once /proc shows it there.
        $p = Start-Process -FilePath sleep -ArgumentList 3600 -WorkingDirectory $Directory -PassThru
        $script:Started.Add($p.Id)
        $want = (Resolve-Path -LiteralPath $Directory).ProviderPath
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while ([DateTime]::UtcNow -lt $deadline -and (Get-Item -LiteralPath "/proc/$($p.Id)/cwd" -ErrorAction SilentlyContinue).LinkTarget -ne $want) {
            Start-Sleep -Milliseconds 20
        }
        $p.Id
    }

}

AfterAll {
    foreach ($id in $script:Started) {
        Stop-Process -Id $id -Force -ErrorAction SilentlyContinue
    }
    Remove-Module Worktrunk -ErrorAction SilentlyContinue
    Restore-WtSession
}

Describe 'Get-WtWorktreeProcess' -Skip:(-not $IsLinux) {
    BeforeEach {
        $script:Repo = New-WtTestRepository
        Set-Location $script:Repo
    }

    AfterEach {
        Set-Location $TestDrive
    }

    It 'lists the process working in the worktree, not the one in a sibling with a common prefix' {
        $wt = Add-WtTestWorktree -Repository $script:Repo -Branch 'feature'
        $sibling = New-Item -ItemType Directory -Path ($wt + '2')
        $inside = Start-WtSleeper $wt
        $beside = Start-WtSleeper $sibling.FullName

        $list = @(Get-WtWorktreeProcess feature)

        $list.Count | Should -Be 1
        $list[0] | Should -BeOfType ([Worktrunk.WtWorktreeProcess])
        $list[0].Id | Should -Be $inside
        $list[0].ProcessName | Should -Be 'sleep'
        $list[0].HasTerminal | Should -BeFalse
        $list[0].Worktree | Should -Be (Resolve-Path -LiteralPath $wt).ProviderPath
        @(Get-WtWorktree -Branch feature | Get-WtWorktreeProcess).Id | Should -Be $inside
        Test-WtAlive $beside | Should -BeTrue
    }

    It 'pipes to Stop-Process by Id, and to Where-Object on HasTerminal' {
        $wt = Add-WtTestWorktree -Repository $script:Repo -Branch 'feature'
        $id = Start-WtSleeper $wt

        Get-WtWorktreeProcess feature | Where-Object { -not $_.HasTerminal } | Stop-Process

        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ([DateTime]::UtcNow -lt $deadline -and (Test-WtAlive $id)) { Start-Sleep -Milliseconds 20 }
        Test-WtAlive $id | Should -BeFalse
        @(Get-WtWorktreeProcess feature).Count | Should -Be 0
    }

    It 'never lists this session''s process or its parent, even with the process working in the worktree' {
        $main = (Get-WtWorktree | Where-Object IsMain).Path
        $id = Start-WtSleeper $main
        # The process's own working directory (not only the session's location) inside the worktree.
        $before = [System.Environment]::CurrentDirectory
        [System.Environment]::CurrentDirectory = $main
        try {
            (Get-Item -LiteralPath "/proc/$PID/cwd").LinkTarget | Should -Be $main
            $ids = @(Get-WtWorktreeProcess -Path $main).Id
        }
        finally {
            [System.Environment]::CurrentDirectory = $before
        }
        $ids | Should -Contain $id
        $ids | Should -Not -Contain $PID
        $ids | Should -Not -Contain (Get-Process -Id $PID).Parent.Id
    }

    It 'reports a branch with no worktree as WorktreeNotFound' {
        $null = Get-WtWorktreeProcess nosuch -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be "WorktreeNotFound,$script:CommandClass"
    }
}

Describe 'Remove-WtWorktree -StopProcess' -Skip:(-not $IsLinux) {
    BeforeEach {
        $script:Repo = New-WtTestRepository
        Set-Location $script:Repo
    }

    AfterEach {
        Set-Location $TestDrive
    }

    It 'stops the worktree''s terminal-less process before removing it and reports it' {
        $wt = Add-WtTestWorktree -Repository $script:Repo -Branch 'feature'
        $id = Start-WtSleeper $wt

        $r = Remove-WtWorktree feature -StopProcess -PassThru

        Test-Path -LiteralPath $wt | Should -BeFalse
        $r.StoppedProcesses.Count | Should -Be 1
        $r.StoppedProcesses[0].Id | Should -Be $id
        $r.StoppedProcesses[0].Outcome | Should -Be ([Worktrunk.WtProcessStopOutcome]::Terminated)
        Test-WtAlive $id | Should -BeFalse
    }

    It 'leaves the processes alone without the switch' {
        $wt = Add-WtTestWorktree -Repository $script:Repo -Branch 'feature'
        $id = Start-WtSleeper $wt

        $r = Remove-WtWorktree feature -PassThru

        $r.StoppedProcesses | Should -BeNullOrEmpty
        Test-WtAlive $id | Should -BeTrue
    }
}
