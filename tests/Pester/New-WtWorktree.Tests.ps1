#Requires -Version 7.0
# Pester 5 specs of New-WtWorktree. The same contracts are proven under `dotnet test` by
# tests/Unit/Worktrunk.PowerShell.Tests/Creation/NewWtWorktreeTests.cs and the core's
# tests/Unit/Worktrunk.Core.Tests/Creation. Run after `dotnet build`: Invoke-Pester ./tests/Pester

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Initialize-WtHermeticGit
    Import-Module (Join-Path $PSScriptRoot '../../artifacts/module/Worktrunk/Worktrunk.psd1') -Force -ErrorAction Stop
    $script:CommandClass = 'Worktrunk.PowerShell.Commands.NewWtWorktreeCommand'

    function Get-WtRepoState {
        # Refs (with upstreams), registrations and every file under the repository's parent, for "nothing changed".
        param([string] $Repository)
        $root = Split-Path -Parent $Repository
        $refs = Invoke-WtGit $Repository for-each-ref '--format=%(refname) %(objectname) %(upstream)'
        $files = Get-ChildItem -LiteralPath $root -Recurse -Force -Attributes !ReparsePoint -File |
            Sort-Object FullName |
            ForEach-Object { '{0} {1} {2}' -f $_.FullName, $_.Length, (Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash }
        $dirs = Get-ChildItem -LiteralPath $root -Recurse -Force -Directory | Sort-Object FullName | ForEach-Object FullName
        (@($refs) + @($files) + @($dirs)) -join "`n"
    }
}

AfterAll {
    Remove-Module Worktrunk -ErrorAction SilentlyContinue
    Restore-WtSession
}

Describe 'New-WtWorktree' {
    BeforeEach {
        $script:Repo = New-WtTestRepository -Name 'app'
        $script:Parent = Split-Path -Parent $script:Repo
        Set-Location $script:Repo
    }

    AfterEach {
        Set-Location $TestDrive
    }

    It 'creates a sibling worktree on a new branch without an upstream and emits a Worktrunk.WtWorktree' {
        $wt = New-WtWorktree 'feature/auth'

        $wt | Should -BeOfType ([Worktrunk.WtWorktree])
        $wt.PSObject.TypeNames[0] | Should -Be 'Worktrunk.WtWorktree'
        $wt.Path | Should -Be (Join-Path $script:Parent 'app.feature-auth')
        $wt.Branch | Should -Be 'feature/auth'
        $wt.Head | Should -Be (Invoke-WtGit $script:Repo rev-parse main)
        (Get-WtWorktree -Branch 'feature/auth').Path | Should -Be $wt.Path
        & git -C $script:Repo config --get 'branch.feature/auth.remote'
        $LASTEXITCODE | Should -Be 1
    }

    It 'binds branch names from the pipeline and its output binds to Remove-WtWorktree' {
        $made = @('agent/1', 'agent/2', 'agent/3' | New-WtWorktree)
        ($made.Branch -join ', ') | Should -Be 'agent/1, agent/2, agent/3'

        $made | Remove-WtWorktree -Wait
        $made | ForEach-Object { Test-Path -LiteralPath $_.Path | Should -BeFalse }
    }

    It 'refuses <Case> with <Id> and changes nothing' -ForEach @(
        @{ Case = 'an invalid branch name'; Id = 'InvalidBranchName'; Params = @{ Branch = 'bad name' } }
        @{ Case = 'a -Base that does not resolve'; Id = 'BaseNotFound'; Params = @{ Branch = 'fresh'; Base = 'no-such-ref' } }
        @{ Case = '-Base with an existing branch'; Id = 'BaseWithExistingBranch'; Params = @{ Branch = 'parked'; Base = 'main' } }
        @{ Case = 'a branch checked out elsewhere'; Id = 'BranchCheckedOut'; Params = @{ Branch = 'busy' } }
        @{ Case = 'a path that is not an empty directory'; Id = 'WorktreePathExists'; Params = @{ Branch = 'fresh'; Path = '../full' } }
    ) {
        Invoke-WtGit $script:Repo branch parked | Out-Null
        $busy = Add-WtTestWorktree -Repository $script:Repo -Branch 'busy'
        New-Item -ItemType Directory -Path (Join-Path $script:Parent 'full') | Out-Null
        Set-Content -LiteralPath (Join-Path $script:Parent 'full/keep.txt') -Value 'mine'
        $before = Get-WtRepoState $script:Repo

        $out = New-WtWorktree @Params -ErrorVariable errors -ErrorAction SilentlyContinue

        $out | Should -BeNullOrEmpty
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be "$Id,$script:CommandClass"
        if ($Id -eq 'BranchCheckedOut') { $errors[0].Exception.Message | Should -BeLike "*$busy*" }
        Get-WtRepoState $script:Repo | Should -Be $before
    }

    It 'creates nothing under -WhatIf' {
        $before = Get-WtRepoState $script:Repo
        New-WtWorktree dry -WhatIf | Should -BeNullOrEmpty
        Get-WtRepoState $script:Repo | Should -Be $before
    }

    It 'resolves -Path against the session location and moves the session with -Enter' {
        $wt = New-WtWorktree inside -Path ../trees/inside -Enter
        $wt.Path | Should -Be (Join-Path $script:Parent 'trees/inside')
        (Get-Location).ProviderPath | Should -Be $wt.Path
        [System.Environment]::CurrentDirectory | Should -Not -Be $wt.Path
        $wt.IsCurrent | Should -BeTrue
    }

    It 'follows the worktrunk.worktreePath template' {
        Invoke-WtGit $script:Repo config worktrunk.worktreePath '.worktrees/{repo}-{branch}' | Out-Null
        (New-WtWorktree 'fix/typo').Path | Should -Be (Join-Path $script:Repo '.worktrees/app-fix-typo')
    }

    It 'shows the git command with -Verbose' {
        $verbose = New-WtWorktree loud -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'worktree add --no-track -b loud -- '
    }
}
