#Requires -Version 7.0
# Pester 5 specs of Remove-WtWorktree. The same contracts (and more: faults, races, daemons) are
# proven under `dotnet test` by tests/Unit/Worktrunk.PowerShell.Tests/Removal. Run after
# `dotnet build`: Invoke-Pester ./tests/Pester

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Initialize-WtHermeticGit
    Import-Module (Join-Path $PSScriptRoot '../../artifacts/module/Worktrunk/Worktrunk.psd1') -Force -ErrorAction Stop
    $script:Suffix = ',Worktrunk.PowerShell.Commands.RemoveWtWorktreeCommand'

    function New-Sandbox {
        $repo = New-WtTestRepository
        [pscustomobject]@{ Root = (Split-Path -Parent $repo); Repo = $repo; Common = (Join-Path $repo '.git') }
    }

    function Add-Worktree($Sandbox, [string]$Branch) {
        Add-WtTestWorktree -Repository $Sandbox.Repo -Branch $Branch
    }

    # Every file (path, size, hash, time), every directory, every ref and the registrations: what a refusal must not change.
    function Get-Snapshot($Sandbox) {
        # A refusal adds nothing, not even a lock file: the removal lock is flock(2) on the common
        # directory itself (Removal/RemovalLock.cs).
        $files = Get-ChildItem -LiteralPath $Sandbox.Root -Recurse -Force -File | Sort-Object FullName | ForEach-Object {
            '{0} {1} {2} {3}' -f $_.FullName, $_.Length, (Get-FileHash -LiteralPath $_.FullName).Hash, $_.LastWriteTimeUtc.Ticks
        }
        $dirs = Get-ChildItem -LiteralPath $Sandbox.Root -Recurse -Force -Directory | Sort-Object FullName | ForEach-Object FullName
        (@($files) + @($dirs) + @(Invoke-WtGit $Sandbox.Repo for-each-ref) + @(Invoke-WtGit $Sandbox.Repo worktree list --porcelain)) -join "`n"
    }
}

AfterAll {
    Remove-Module Worktrunk -ErrorAction SilentlyContinue
    Restore-WtSession
}

Describe 'Remove-WtWorktree' {
    BeforeEach {
        $sb = New-Sandbox
        Set-Location $sb.Repo
    }

    AfterEach {
        # Every test leaves the session where it found it.
        Set-Location $TestDrive
    }

    Context 'guards that leave everything as it was' {
        It 'refuses the main worktree even with -Force' {
            $before = Get-Snapshot $sb
            Remove-WtWorktree -Path $sb.Repo -Force -ForceDeleteBranch -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be ('MainWorktreeRefused' + $Suffix)
            Get-Snapshot $sb | Should -Be $before
        }

        It 'refuses a locked worktree with its reason and an unlock hint' {
            $wt = Add-Worktree $sb 'busy'
            Invoke-WtGit $sb.Repo worktree lock --reason 'agent 7 is running' $wt
            $before = Get-Snapshot $sb
            Remove-WtWorktree -Branch busy -Force -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be ('WorktreeLocked' + $Suffix)
            $err[0].Exception.Message | Should -Match 'agent 7 is running'
            $err[0].ErrorDetails.RecommendedAction | Should -Match 'git worktree unlock'
            Get-Snapshot $sb | Should -Be $before
        }

        It 'refuses a directory whose .git does not point back at the registration (ownership gate)' {
            $wt = Add-Worktree $sb 'feature'
            Remove-Item -LiteralPath (Join-Path $wt '.git') -Force
            Invoke-WtGit $wt init -q -b unrelated | Out-Null
            $before = Get-Snapshot $sb
            Remove-WtWorktree -Path $wt -Force -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be ('WorktreeNotOwned' + $Suffix)
            Get-Snapshot $sb | Should -Be $before
        }

        It 'refuses the default branch unless -ForceDeleteBranch' {
            Invoke-WtGit $sb.Repo switch -q -c dev | Out-Null
            $wt = Join-Path $sb.Root 'wt-main'
            Invoke-WtGit $sb.Repo worktree add -q $wt main | Out-Null
            $before = Get-Snapshot $sb
            Remove-WtWorktree -Branch main -Force -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be ('DefaultBranchRefused' + $Suffix)
            Get-Snapshot $sb | Should -Be $before
        }

        It 'sees untracked files even when status.showUntrackedFiles is no, and lists them' {
            Invoke-WtGit $sb.Repo config status.showUntrackedFiles no | Out-Null
            $wt = Add-Worktree $sb 'feature'
            Set-Content -Path (Join-Path $wt 'agent-output.md') -Value 'the only copy'
            $before = Get-Snapshot $sb
            Remove-WtWorktree -Branch feature -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be ('WorktreeDirty' + $Suffix)
            $err[0].Exception.Message | Should -Match '\?\? agent-output.md'
            Get-Snapshot $sb | Should -Be $before

            Remove-WtWorktree -Branch feature -Force -Wait
            Test-Path $wt | Should -BeFalse
        }

        It 'stops before doing anything when -KeepBranch and -ForceDeleteBranch are combined' {
            Add-Worktree $sb 'feature' | Out-Null
            $before = Get-Snapshot $sb
            { Remove-WtWorktree -Branch feature -KeepBranch -ForceDeleteBranch } | Should -Throw -ErrorId ('ConflictingBranchOptions' + $Suffix)
            Get-Snapshot $sb | Should -Be $before
        }

        It '-WhatIf changes nothing at all' {
            Add-Worktree $sb 'agent/one' | Out-Null
            Add-Worktree $sb 'agent/two' | Out-Null
            $before = Get-Snapshot $sb
            Get-WtWorktree -Branch 'agent/*' | Remove-WtWorktree -WhatIf -Force -ForceDeleteBranch
            Get-Snapshot $sb | Should -Be $before
        }
    }

    Context 'removal' {
        It 'removes several from the pipeline and leaves the one that is refused' {
            $one = Add-Worktree $sb 'agent/one'
            $two = Add-Worktree $sb 'agent/two'
            $three = Add-Worktree $sb 'agent/three'
            Set-Content -Path (Join-Path $two 'wip.txt') -Value 'uncommitted'
            $results = Get-WtWorktree -Branch 'agent/*' | Remove-WtWorktree -PassThru -Wait -ErrorVariable err -ErrorAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be ('WorktreeDirty' + $Suffix)
            @($results).Count | Should -Be 2
            Test-Path $one | Should -BeFalse
            Test-Path $three | Should -BeFalse
            Test-Path (Join-Path $two 'wip.txt') | Should -BeTrue
        }

        It 'stages into the trash, unregisters, deletes the integrated branch and finishes in the background' {
            $wt = Add-Worktree $sb 'feature'
            $r = Remove-WtWorktree feature -PassThru
            $r.Method | Should -Be 'Staged'
            $r.BranchOutcome | Should -Be 'Deleted'
            $r.IntegrationLevel | Should -Be 'SameCommit'
            $r.StagedPath | Should -BeLike (Join-Path $sb.Common 'wt/trash/wt-feature-*')
            Test-Path $wt | Should -BeFalse
            Invoke-WtGit $sb.Repo worktree list --porcelain | Should -Not -Contain "worktree $wt"
            # Unregistered the way `git worktree remove` would: the registration is gone (moved into the trash).
            Test-Path (Join-Path $sb.Common 'worktrees/wt-feature') | Should -BeFalse
            $trash = Join-Path $sb.Common 'wt/trash'
            $deadline = (Get-Date).AddSeconds(30)
            while (@(Get-ChildItem -LiteralPath $trash -Force).Count -gt 0 -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 50 }
            Test-Path $r.StagedPath | Should -BeFalse
            @(Get-ChildItem -LiteralPath $trash -Force).Count | Should -Be 0
            { Invoke-WtGit $sb.Repo fsck --no-progress } | Should -Not -Throw
        }

        It 'keeps an unmerged branch, and deletes it with -ForceDeleteBranch' {
            $wt = Add-Worktree $sb 'unmerged'
            Set-Content -Path (Join-Path $wt 'u.txt') -Value 'u'
            Invoke-WtGit $wt add u.txt | Out-Null
            Invoke-WtGit $wt commit -q -m work | Out-Null
            (Remove-WtWorktree unmerged -Wait -PassThru).BranchOutcome | Should -Be 'RetainedUnmerged'
            git -C $sb.Repo rev-parse --verify --quiet refs/heads/unmerged | Should -Not -BeNullOrEmpty
            (Remove-WtWorktree -Branch unmerged -ForceDeleteBranch -PassThru).BranchOutcome | Should -Be 'Deleted'
        }

        It 'moves the session out of the worktree it removes, to the same subdirectory of the main worktree' {
            New-Item -ItemType Directory -Path (Join-Path $sb.Repo 'src/deep') -Force | Out-Null
            Set-Content -Path (Join-Path $sb.Repo 'src/deep/f.txt') -Value 'x'
            Invoke-WtGit $sb.Repo add -A | Out-Null
            Invoke-WtGit $sb.Repo commit -q -m src | Out-Null
            $wt = Add-Worktree $sb 'feature'
            Set-Location (Join-Path $wt 'src/deep')
            Remove-WtWorktree -Path $wt -Wait
            (Get-Location).ProviderPath | Should -Be (Join-Path $sb.Repo 'src/deep')
        }

        It '-Wait reports files and bytes' {
            $wt = Add-Worktree $sb 'feature'
            1..600 | ForEach-Object { Set-Content -Path (Join-Path $wt "f$_.txt") -Value '0123456789' -NoNewline }
            $expected = Get-ChildItem -LiteralPath $wt -Recurse -Force -File
            $r = Remove-WtWorktree feature -Force -Wait -PassThru
            $r.Deletion | Should -Be 'InProcess'
            $r.FilesDeleted | Should -Be $expected.Count
            $r.BytesDeleted | Should -Be ($expected | Measure-Object Length -Sum).Sum
        }

        It 'unregisters a stale entry alone and spares an absent sibling' {
            $gone = Add-Worktree $sb 'gone'
            $away = Add-Worktree $sb 'away'
            Remove-Item -LiteralPath $gone -Recurse -Force
            Move-Item -LiteralPath $away -Destination "$away.unmounted"
            (Remove-WtWorktree -Path $gone -PassThru).Kind | Should -Be 'StaleEntry'
            $list = Invoke-WtGit $sb.Repo worktree list --porcelain
            $list | Should -Not -Contain "worktree $gone"
            $list | Should -Contain "worktree $away"
        }
    }
}
