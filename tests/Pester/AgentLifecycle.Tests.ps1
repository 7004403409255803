#Requires -Version 7.0
# The agent worktree lifecycle end to end, as about_Worktrunk and New-WtWorktree's help tell it:
# create worktrees, start a tethered server in each, list their status, merge some, prune the
# merged ones with one pipeline. The pruned worktrees' servers die with them (their tethers see the
# worktree go); the unmerged one keeps its worktree, branch and server. Real repository, real
# detached tethers; every process started is killed by PID at the end. Unix only (the tethered
# server is `sleep`, and tethers watch by device and inode).

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Initialize-WtHermeticGit
    Import-Module (Join-Path $PSScriptRoot '../../artifacts/module/Worktrunk/Worktrunk.psd1') -Force -ErrorAction Stop
    $script:Started = [System.Collections.Generic.List[int]]::new()
}

AfterAll {
    foreach ($id in $script:Started) {
        Stop-Process -Id $id -Force -ErrorAction SilentlyContinue
    }
    Remove-Module Worktrunk -ErrorAction SilentlyContinue
    Restore-WtSession
}

Describe 'The agent worktree lifecycle' -Skip:$IsWindows {
    It 'creates worktrees, tethers a server in each, lists status, and prunes exactly the merged ones with their servers' {
        $repo = New-WtTestRepository -Name 'app'
        Set-Location -LiteralPath $repo

        # 1. Three agents, three worktrees beside the repository, each with a tethered server.
        $made = @('agent/1', 'agent/2', 'agent/3' | New-WtWorktree)
        $made.Count | Should -Be 3
        $tethers = @{}
        foreach ($w in $made) {
            $t = $w | Start-WtTether -Detach -- sleep 600
            $script:Started.Add($t.SupervisorId)
            $script:Started.Add($t.ProcessId)
            $t.Worktree | Should -Be $w.Path
            $tethers[$w.Branch] = $t
        }

        # 2. Each agent commits its work.
        foreach ($w in $made) {
            $file = ($w.Branch -replace '/', '-') + '.txt'
            Set-Content -LiteralPath (Join-Path $w.Path $file) -Value $w.Branch
            Invoke-WtGit $w.Path add $file | Out-Null
            Invoke-WtGit $w.Path commit -q -m "work of $($w.Branch)" | Out-Null
        }

        # 3. Two of them are merged into main (a merge commit and a fast-forward).
        Invoke-WtGit $repo merge -q --no-ff -m 'merge agent/1' agent/1 | Out-Null
        Invoke-WtGit $repo merge -q --no-ff -m 'merge agent/2' agent/2 | Out-Null

        # 4. Status says which are done.
        $status = @(Get-WtWorktree -Status)
        $status.Count | Should -Be 4
        (@($status | Where-Object IsIntegrated | ForEach-Object Branch | Sort-Object) -join ',') | Should -Be 'agent/1,agent/2'
        $open = $status | Where-Object Branch -EQ 'agent/3'
        $open.IsIntegrated | Should -BeFalse
        $open.Ahead | Should -Be 1
        $open.Behind | Should -Be 4 -Because "main gained two merge commits and the two merged commits"
        ($status | Where-Object IsMain).IsIntegrated | Should -BeNullOrEmpty

        # 5. Prune: exactly the merged worktrees and their branches go.
        $removed = @(Get-WtWorktree -Status | Where-Object IsIntegrated | Remove-WtWorktree -PassThru)
        (@($removed.Branch | Sort-Object) -join ',') | Should -Be 'agent/1,agent/2'
        Test-Path -LiteralPath $made[0].Path | Should -BeFalse
        Test-Path -LiteralPath $made[1].Path | Should -BeFalse
        Test-Path -LiteralPath $made[2].Path | Should -BeTrue
        (@(Invoke-WtGit $repo for-each-ref '--format=%(refname:short)' refs/heads/agent) -join ',') | Should -Be 'agent/3'

        # 6. The pruned worktrees' servers and supervisors are gone; the open one still runs.
        foreach ($b in 'agent/1', 'agent/2') {
            $t = $tethers[$b]
            Wait-WtUntil { -not (Test-WtAlive $t.ProcessId) } 30 | Should -BeTrue -Because "the server of $b dies with its worktree"
            Wait-WtUntil { -not (Test-WtAlive $t.SupervisorId) } 30 | Should -BeTrue
        }
        Test-WtAlive $tethers['agent/3'].ProcessId | Should -BeTrue
        (Get-WtWorktreeProcess -Branch 'agent/3').Id | Should -Contain $tethers['agent/3'].ProcessId

        # 7. The last one, unmerged: -StopProcess stops its server first, the branch stays.
        $last = Get-WtWorktree -Branch 'agent/3' | Remove-WtWorktree -StopProcess -PassThru
        $last.BranchOutcome | Should -Not -Be 'Deleted'
        Wait-WtUntil { -not (Test-WtAlive $tethers['agent/3'].ProcessId) } 30 | Should -BeTrue
        Wait-WtUntil { -not (Test-WtAlive $tethers['agent/3'].SupervisorId) } 30 | Should -BeTrue
        Invoke-WtGit $repo rev-parse --verify -q refs/heads/agent/3 | Should -Not -BeNullOrEmpty
    }
}
