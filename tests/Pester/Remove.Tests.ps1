#Requires -Version 7.0
# Pester 5 specs of Remove-WtWorktree; they mirror tests/Unit/Worktrunk.PowerShell.Tests/Removal.
# Run from the repository root after `dotnet build`:  Invoke-Pester ./tests/Pester

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../artifacts/module/Worktrunk/Worktrunk.psd1') -Force

    # Hermetic git: no system or global config, a fixed identity.
    $env:GIT_CONFIG_NOSYSTEM = '1'
    $env:GIT_CONFIG_GLOBAL = if ($IsWindows) { 'NUL' } else { '/dev/null' }
    $env:GIT_AUTHOR_NAME = 'Worktrunk Test'
    $env:GIT_AUTHOR_EMAIL = 'test@worktrunk.invalid'
    $env:GIT_COMMITTER_NAME = 'Worktrunk Test'
    $env:GIT_COMMITTER_EMAIL = 'test@worktrunk.invalid'

    $script:Suffix = ',Worktrunk.PowerShell.Commands.RemoveWtWorktreeCommand'

    function New-Sandbox {
        $root = Join-Path ([IO.Path]::GetTempPath()) ('wt-pester-' + [guid]::NewGuid().ToString('N').Substring(0, 10))
        $repo = Join-Path $root 'repo'
        New-Item -ItemType Directory -Path $repo | Out-Null
        $root = (Resolve-Path $root).ProviderPath
        $repo = Join-Path $root 'repo'
        git -C $repo init -q -b main
        Set-Content -Path (Join-Path $repo 'README.md') -Value '# test'
        git -C $repo add README.md
        git -C $repo commit -q -m initial
        [pscustomobject]@{ Root = $root; Repo = $repo; Common = (Join-Path $repo '.git') }
    }

    function Add-Worktree($Sandbox, [string]$Branch) {
        $path = Join-Path $Sandbox.Root ('wt-' + $Branch.Replace('/', '-'))
        git -C $Sandbox.Repo worktree add -q -b $Branch $path main
        $path
    }

    # Every file (path, size, hash, time), every ref and the registrations: what a refusal must not change.
    function Get-Snapshot($Sandbox) {
        $files = Get-ChildItem -LiteralPath $Sandbox.Root -Recurse -Force -File | Sort-Object FullName | ForEach-Object {
            '{0} {1} {2} {3}' -f $_.FullName, $_.Length, (Get-FileHash -LiteralPath $_.FullName).Hash, $_.LastWriteTimeUtc.Ticks
        }
        $dirs = Get-ChildItem -LiteralPath $Sandbox.Root -Recurse -Force -Directory | Sort-Object FullName | ForEach-Object FullName
        (@($files) + @($dirs) + @(git -C $Sandbox.Repo for-each-ref) + @(git -C $Sandbox.Repo worktree list --porcelain)) -join "`n"
    }
}

Describe 'Remove-WtWorktree' {
    BeforeEach {
        $sb = New-Sandbox
        Push-Location $sb.Repo
    }

    AfterEach {
        Pop-Location
        Remove-Item -LiteralPath $sb.Root -Recurse -Force -ErrorAction SilentlyContinue
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
            git -C $sb.Repo worktree lock --reason 'agent 7 is running' $wt
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
            git -C $wt init -q -b unrelated
            $before = Get-Snapshot $sb
            Remove-WtWorktree -Path $wt -Force -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be ('WorktreeNotOwned' + $Suffix)
            Get-Snapshot $sb | Should -Be $before
        }

        It 'refuses the default branch unless -ForceDeleteBranch' {
            git -C $sb.Repo switch -q -c dev
            $wt = Join-Path $sb.Root 'wt-main'
            git -C $sb.Repo worktree add -q $wt main
            $before = Get-Snapshot $sb
            Remove-WtWorktree -Branch main -Force -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be ('DefaultBranchRefused' + $Suffix)
            Get-Snapshot $sb | Should -Be $before
        }

        It 'sees untracked files even when status.showUntrackedFiles is no, and lists them' {
            git -C $sb.Repo config status.showUntrackedFiles no
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
            git -C $sb.Repo worktree list --porcelain | Should -Not -Contain "worktree $wt"
            $deadline = (Get-Date).AddSeconds(30)
            while ((Test-Path $r.StagedPath) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 50 }
            Test-Path $r.StagedPath | Should -BeFalse
        }

        It 'keeps an unmerged branch, and deletes it with -ForceDeleteBranch' {
            $wt = Add-Worktree $sb 'unmerged'
            Set-Content -Path (Join-Path $wt 'u.txt') -Value 'u'
            git -C $wt add u.txt
            git -C $wt commit -q -m work
            (Remove-WtWorktree unmerged -Wait -PassThru).BranchOutcome | Should -Be 'RetainedUnmerged'
            git -C $sb.Repo rev-parse --verify --quiet refs/heads/unmerged | Should -Not -BeNullOrEmpty
            (Remove-WtWorktree -Branch unmerged -ForceDeleteBranch -PassThru).BranchOutcome | Should -Be 'Deleted'
        }

        It 'moves the session out of the worktree it removes, to the same subdirectory of the main worktree' {
            New-Item -ItemType Directory -Path (Join-Path $sb.Repo 'src/deep') -Force | Out-Null
            Set-Content -Path (Join-Path $sb.Repo 'src/deep/f.txt') -Value 'x'
            git -C $sb.Repo add -A
            git -C $sb.Repo commit -q -m src
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
            $list = git -C $sb.Repo worktree list --porcelain
            $list | Should -Not -Contain "worktree $gone"
            $list | Should -Contain "worktree $away"
        }
    }
}
