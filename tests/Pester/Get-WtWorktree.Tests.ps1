#Requires -Version 7.0
# Pester 5 specs of Get-WtWorktree. The same contracts are proven under `dotnet test` by
# tests/Unit/Worktrunk.PowerShell.Tests/GetWtWorktreeTests.cs. Run after `dotnet build`:
# Invoke-Pester ./tests/Pester

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Initialize-WtHermeticGit
    Import-Module (Join-Path $PSScriptRoot '../../artifacts/module/Worktrunk/Worktrunk.psd1') -Force -ErrorAction Stop
    $script:CommandClass = 'Worktrunk.PowerShell.Commands.GetWtWorktreeCommand'
}

AfterAll {
    Remove-Module Worktrunk -ErrorAction SilentlyContinue
    Restore-WtSession
}

Describe 'Get-WtWorktree' {
    BeforeEach {
        $script:Repo = New-WtTestRepository
    }

    AfterEach {
        # Every test leaves the session where it found it.
        Set-Location $TestDrive
    }

    It 'emits typed worktrees for the session location, not the process working directory' {
        $feature = Add-WtTestWorktree -Repository $script:Repo -Branch 'feature/a'
        Set-Location $feature
        [System.Environment]::CurrentDirectory | Should -Not -Be $feature

        $list = @(Get-WtWorktree)

        $list.Count | Should -Be 2
        $list | ForEach-Object { $_ | Should -BeOfType ([Worktrunk.WtWorktree]) }
        $list[0].PSObject.TypeNames[0] | Should -Be 'Worktrunk.WtWorktree'
        ($list | Where-Object Branch -EQ 'feature/a').IsCurrent | Should -BeTrue
        ($list | Where-Object Branch -EQ 'main').IsMain | Should -BeTrue
        ($list | Where-Object Branch -EQ 'main').IsCurrent | Should -BeFalse
    }

    It 'filters -Branch with wildcards' {
        Add-WtTestWorktree -Repository $script:Repo -Branch 'agent/one' | Out-Null
        Add-WtTestWorktree -Repository $script:Repo -Branch 'agent/two' | Out-Null
        Add-WtTestWorktree -Repository $script:Repo -Branch 'other' | Out-Null
        Set-Location $script:Repo

        $branches = @(Get-WtWorktree -Branch 'agent/*' -ErrorVariable errors | ForEach-Object Branch | Sort-Object)

        ($branches -join ', ') | Should -Be 'agent/one, agent/two'
        $errors.Count | Should -Be 0
    }

    It 'reports a literal -Branch that matches nothing as a non-terminating WorktreeNotFound error' {
        Add-WtTestWorktree -Repository $script:Repo -Branch 'other' | Out-Null
        Set-Location $script:Repo

        $found = @(Get-WtWorktree -Branch 'other', 'nope' -ErrorVariable errors -ErrorAction SilentlyContinue)

        $found.Count | Should -Be 1
        $found[0].Branch | Should -Be 'other'
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be "WorktreeNotFound,$script:CommandClass"
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].TargetObject | Should -Be 'nope'
    }

    It 'throws a terminating NotARepository error outside a repository' {
        $outside = Join-Path $TestDrive ('norepo-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $outside | Out-Null
        Set-Location $outside

        # -ErrorAction SilentlyContinue does not silence a terminating error.
        { Get-WtWorktree -ErrorAction SilentlyContinue } | Should -Throw -ErrorId "NotARepository,$script:CommandClass"
    }

    It 'refuses a location on a provider other than FileSystem' {
        Set-Location Variable:\
        { Get-WtWorktree } | Should -Throw -ErrorId 'NotAFileSystemPath,*'
        Set-Location $TestDrive
        { Get-WtWorktree -Repository 'Variable:\' } | Should -Throw -ErrorId 'NotAFileSystemPath,*'
    }

    It 'returns the worktree containing each -Path, relative paths against the session location' {
        $a = Add-WtTestWorktree -Repository $script:Repo -Branch 'a'
        New-Item -ItemType Directory -Path (Join-Path $a 'src') | Out-Null
        Set-Location $script:Repo

        (Get-WtWorktree -Path (Join-Path $a 'src')).Branch | Should -Be 'a'

        Set-Location $a
        (Get-WtWorktree -Path './src').Branch | Should -Be 'a'
    }

    It 'binds -Path from the pipeline by value and by property name' {
        $a = Add-WtTestWorktree -Repository $script:Repo -Branch 'a'
        Set-Location $script:Repo

        ($a | Get-WtWorktree).Branch | Should -Be 'a'
        @(Get-WtWorktree | Get-WtWorktree).Count | Should -Be 2
    }

    It 'works with Where-Object on its properties' {
        $locked = Add-WtTestWorktree -Repository $script:Repo -Branch 'locked'
        Add-WtTestWorktree -Repository $script:Repo -Branch 'free' | Out-Null
        Invoke-WtGit $script:Repo worktree lock --reason busy $locked | Out-Null
        Set-Location $script:Repo

        $w = @(Get-WtWorktree | Where-Object IsLocked)

        $w.Count | Should -Be 1
        $w[0].Branch | Should -Be 'locked'
        $w[0].LockReason | Should -Be 'busy'
    }

    It 'shows the git command it runs with -Verbose' {
        Set-Location $script:Repo
        $verbose = @(Get-WtWorktree -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        ($verbose.Message -join "`n") | Should -Match ([regex]::Escape('worktree list --porcelain -z'))
    }

    It 'works in a bare repository with a worktree, with spaces and non-ASCII in paths' {
        $bare = New-WtTestRepository -Name 'bäre repo.git' -Bare
        $worktree = Join-Path (Split-Path -Parent $bare) 'wörk tree'
        Invoke-WtGit $bare worktree add -q $worktree main | Out-Null
        Set-Location $worktree

        $list = @(Get-WtWorktree)

        $list.Count | Should -Be 2
        $list[0].IsBare | Should -BeTrue
        $list[1].IsCurrent | Should -BeTrue
        Split-Path -Leaf $list[1].Path | Should -Be 'wörk tree'
    }

    It 'renders the default table view' {
        Add-WtTestWorktree -Repository $script:Repo -Branch 'feature/view' | Out-Null
        Set-Location $script:Repo

        $text = Get-WtWorktree | Out-String -Width 300

        $text | Should -Match '(?m)^Branch\s+State\s+Path\s*$'
        $text | Should -Match '(?m)^main\s+current, main\s+/'
        $text | Should -Match 'feature/view'
    }
}

Describe 'Get-WtWorktree -Status and the prune pipeline' {
    BeforeEach {
        # main; merged (merged --no-ff, clean); squashed (squash-merged); dirty (merged, an untracked
        # file); unmerged (a commit main lacks); then main moves on.
        $script:Repo = New-WtTestRepository
        $script:Paths = @{}
        foreach ($b in 'merged', 'squashed', 'dirty', 'unmerged') {
            $script:Paths[$b] = Add-WtTestWorktree -Repository $script:Repo -Branch $b
            Set-Content -LiteralPath (Join-Path $script:Paths[$b] "$b.txt") -Value $b
            Invoke-WtGit $script:Paths[$b] add -A | Out-Null
            Invoke-WtGit $script:Paths[$b] commit -q -m $b | Out-Null
            switch ($b) {
                'squashed' {
                    Invoke-WtGit $script:Repo merge -q --squash squashed | Out-Null
                    Invoke-WtGit $script:Repo commit -q -m 'squash squashed' | Out-Null
                }
                'unmerged' { }
                default { Invoke-WtGit $script:Repo merge -q --no-ff -m "merge $b" $b | Out-Null }
            }
        }
        Set-Content -LiteralPath (Join-Path $script:Paths['dirty'] 'notes.txt') -Value 'not committed'
        Set-Content -LiteralPath (Join-Path $script:Repo 'later.txt') -Value 'main moves on'
        Invoke-WtGit $script:Repo add -A | Out-Null
        Invoke-WtGit $script:Repo commit -q -m later | Out-Null
        Set-Location $script:Repo
    }

    AfterEach {
        Set-Location $TestDrive
    }

    It 'reads counts, ahead/behind and integration as git and the removal see them' {
        $list = @(Get-WtWorktree -Status)

        $list.Count | Should -Be 5
        $list[0].PSObject.TypeNames[0] | Should -Be 'Worktrunk.WtWorktree#Status'
        $byBranch = @{}
        $list | ForEach-Object { $byBranch[$_.Branch] = $_ }
        $byBranch['main'].IsIntegrated | Should -BeNullOrEmpty
        $byBranch['merged'].IntegrationReason | Should -Be 'Ancestor'
        $byBranch['squashed'].IntegrationReason | Should -Be 'MergeAddsNothing'
        $byBranch['dirty'].IsIntegrated | Should -BeTrue
        $byBranch['dirty'].Untracked | Should -Be 1
        $byBranch['unmerged'].IsIntegrated | Should -BeFalse
        foreach ($b in 'merged', 'squashed', 'dirty', 'unmerged') {
            $counts = (Invoke-WtGit $script:Paths[$b] rev-list --left-right --count 'main...HEAD') -split '\s+'
            "$($byBranch[$b].Behind) $($byBranch[$b].Ahead)" | Should -Be "$($counts[0]) $($counts[1])"
        }
        $byBranch['unmerged'].Ahead | Should -Be 1
    }

    It 'Get-WtWorktree -Status | Where-Object IsIntegrated | Remove-WtWorktree removes exactly the integrated clean worktrees and their branches' {
        $results = @(Get-WtWorktree -Status | Where-Object IsIntegrated | Remove-WtWorktree -PassThru -ErrorVariable refused -ErrorAction SilentlyContinue)

        ($results.Branch | Sort-Object) -join ', ' | Should -Be 'merged, squashed'
        $results.BranchOutcome | ForEach-Object { $_ | Should -Be 'Deleted' }
        $refused.Count | Should -Be 1
        $refused[0].FullyQualifiedErrorId | Should -Be 'WorktreeDirty,Worktrunk.PowerShell.Commands.RemoveWtWorktreeCommand'
        Test-Path -LiteralPath $script:Paths['merged'] | Should -BeFalse
        Test-Path -LiteralPath $script:Paths['squashed'] | Should -BeFalse
        Test-Path -LiteralPath (Join-Path $script:Paths['dirty'] 'notes.txt') | Should -BeTrue
        Test-Path -LiteralPath (Join-Path $script:Paths['unmerged'] 'unmerged.txt') | Should -BeTrue
        (@(Invoke-WtGit $script:Repo branch '--format=%(refname:short)') | Sort-Object) -join ', ' | Should -Be 'dirty, main, unmerged'
    }

    It 'leaves the properties null without -Status' {
        Get-WtWorktree | ForEach-Object {
            $_.HasStatus | Should -BeFalse
            $_.IsIntegrated | Should -BeNullOrEmpty
            $_.Staged | Should -BeNullOrEmpty
        }
    }
}
