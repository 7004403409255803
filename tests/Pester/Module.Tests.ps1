#Requires -Version 7.0
# Pester 5 specs of the module contract: manifest, exports, format views, help.
# The same contracts are proven under `dotnet test` by tests/Unit/Worktrunk.PowerShell.Tests
# (ModuleTests.cs, HelpTests.cs). Run after `dotnet build`: Invoke-Pester ./tests/Pester

BeforeDiscovery {
    # -ForEach lists are built during discovery, before BeforeAll runs: import here too.
    $manifest = Join-Path $PSScriptRoot '../../artifacts/module/Worktrunk/Worktrunk.psd1'
    Import-Module $manifest -Force -ErrorAction Stop
    $cmdletNames = @((Get-Module Worktrunk).ExportedCmdlets.Keys | Sort-Object)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Initialize-WtHermeticGit
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:ModuleDir = Join-Path $script:RepoRoot 'artifacts/module/Worktrunk'
    $script:Manifest = Join-Path $script:ModuleDir 'Worktrunk.psd1'
    if (-not (Test-Path -LiteralPath $script:Manifest)) {
        throw "Run 'dotnet build' first: $script:Manifest is missing."
    }
    Import-Module $script:Manifest -Force -ErrorAction Stop
    $script:Module = Get-Module Worktrunk
    $script:Exported = @($script:Module.ExportedCmdlets.Keys | Sort-Object)
}

AfterAll {
    Remove-Module Worktrunk -ErrorAction SilentlyContinue
    Restore-WtSession
}

Describe 'Worktrunk module manifest' {
    It 'passes Test-ModuleManifest with the version from Directory.Build.props' {
        $info = Test-ModuleManifest -Path $script:Manifest -ErrorAction Stop
        $props = [xml](Get-Content -Raw -LiteralPath (Join-Path $script:RepoRoot 'Directory.Build.props'))
        $version = @($props.Project.PropertyGroup.WorktrunkVersion | Where-Object { $_ })[0]
        $info.Version | Should -Be ([version]$version)
        $info.CompatiblePSEditions | Should -Contain 'Core'
        $info.CompatiblePSEditions | Should -Contain 'Desktop'
        $info.PowerShellVersion | Should -Be ([version]'5.1')
        $info.Description | Should -Not -BeNullOrEmpty
        $info.Author | Should -Not -BeNullOrEmpty
    }

    It 'is a binary module' {
        $script:Module.ModuleType | Should -Be 'Binary'
    }

    It 'exports exactly the cmdlets the manifest declares' {
        $declared = @((Import-PowerShellDataFile -LiteralPath $script:Manifest).CmdletsToExport | Sort-Object)
        ($script:Exported -join ', ') | Should -Be ($declared -join ', ')
    }

    It 'declares exactly the [Cmdlet] classes of the assembly' {
        $assembly = [System.Reflection.Assembly]::LoadFrom((Join-Path $script:ModuleDir 'Worktrunk.PowerShell.dll'))
        $classes = @($assembly.GetTypes() |
            ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { "$($_.VerbName)-$($_.NounName)" } |
            Sort-Object)
        $declared = @((Import-PowerShellDataFile -LiteralPath $script:Manifest).CmdletsToExport | Sort-Object)
        ($declared -join ', ') | Should -Be ($classes -join ', ')
    }
}

Describe 'Worktrunk format views' {
    It 'loads a view for Worktrunk.WtWorktree' {
        Get-FormatData -TypeName Worktrunk.WtWorktree | Should -Not -BeNullOrEmpty
    }

    It 'declares an output type on every cmdlet' {
        foreach ($name in $script:Exported) {
            (Get-Command $name).OutputType | Should -Not -BeNullOrEmpty -Because "$name needs [OutputType]"
        }
    }
}

Describe 'Worktrunk help' {
    It 'covers at least one cmdlet' {
        $script:Exported.Count | Should -BeGreaterThan 0
    }

    It 'has real help for <_>' -ForEach $cmdletNames {
        $name = $_
        $help = Get-Help -Name $name -Full

        # Without MAML, PowerShell makes up a synopsis from the syntax line.
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$name*"
        ($help.description.Text -join "`n") | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterThan 0
        @($help.examples.example)[0].code | Should -Not -BeNullOrEmpty

        $common = [System.Management.Automation.Cmdlet]::CommonParameters
        $documented = @($help.parameters.parameter)
        # DontShow parameters (Start-WtTether -SupervisorSpec, the detached supervisor's entry) are internal: not in the help.
        $shown = (Get-Command $name).Parameters.Values | Where-Object {
            $common -notcontains $_.Name -and
            @($_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and -not $_.DontShow }).Count -gt 0
        }
        foreach ($parameter in $shown) {
            $doc = $documented | Where-Object { $_.name -eq $parameter.Name }
            $doc | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) of $name needs help"
            ($doc.description.Text -join "`n") | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) of $name needs a description"
        }
    }

    It 'has a help page in docs/help for every exported cmdlet and no page without one' {
        $pages = @(Get-ChildItem -LiteralPath (Join-Path $script:RepoRoot 'docs/help') -Filter '*.md' |
            Where-Object { $_.BaseName -notlike 'about_*' } |
            Where-Object { -not (Select-String -LiteralPath $_.FullName -Pattern '^Module Guid:' -Quiet) } |
            ForEach-Object { $_.BaseName } |
            Sort-Object)
        ($pages -join ', ') | Should -Be ($script:Exported -join ', ')
    }

    It 'keeps the internal -SupervisorSpec out of Start-WtTether''s help' {
        (Get-Help Start-WtTether -Full | Out-String -Width 200) | Should -Not -Match 'SupervisorSpec'
    }

    It 'finds about_Worktrunk' {
        $topic = Get-Help about_Worktrunk | Out-String
        $topic | Should -Match 'about_Worktrunk'
        $topic | Should -Match 'SHORT DESCRIPTION'
    }
}

Describe 'Tab completion' {
    BeforeAll {
        $script:Repo = New-WtTestRepository
        Add-WtTestWorktree -Repository $script:Repo -Branch 'feature/complete-me' | Out-Null
    }

    It 'offers worktree branches for -Branch' {
        Push-Location $script:Repo
        try {
            $line = 'Get-WtWorktree -Branch feat'
            $result = TabExpansion2 -inputScript $line -cursorColumn $line.Length
            $result.CompletionMatches.CompletionText | Should -Contain 'feature/complete-me'
        }
        finally {
            Pop-Location
        }
    }
}

Describe 'What a console shows' {
    BeforeAll {
        $script:ViewRepo = New-WtTestRepository
        $script:ViewWorktree = Add-WtTestWorktree -Repository $script:ViewRepo -Branch 'agent/fix-the-login-page-redirect-loop'
    }

    AfterEach {
        Set-Location -LiteralPath $TestDrive
    }

    It 'renders Get-WtWorktree in 80 columns with Branch, State and Path, and whole paths' {
        Set-Location -LiteralPath $script:ViewWorktree
        foreach ($width in 80, 120) {
            $lines = (Get-WtWorktree | Out-String -Width $width) -split "`n" | ForEach-Object { $_.TrimEnd("`r") }
            $lines | Where-Object { $_.Length -gt $width } | Should -BeNullOrEmpty -Because "no line may be wider than $width"
            $lines | Where-Object { $_ -match '^Branch\s+State\s+Path\s*$' } | Should -HaveCount 1
            ($lines -join '') | Should -Not -Match '…'
            # The path column, wrapped or not, holds each worktree's whole path.
            $start = ($lines | Where-Object { $_ -match '^Branch\s+State\s+Path' } | Select-Object -First 1).IndexOf('Path')
            $column = ($lines | Where-Object { $_.Length -gt $start } | ForEach-Object { $_.Substring($start).Trim() }) -join ''
            $column | Should -BeLike "*$($script:ViewWorktree)*"
        }
    }

    It 'gives every help example remarks and the one prompt style' {
        foreach ($name in $script:Exported) {
            foreach ($example in @((Get-Help -Name $name -Full).examples.example)) {
                $code = [string]$example.code
                $code | Should -Match '^PS /src/app[^\s>]*>( |$)' -Because "$name $($example.title.Trim('- '))"
                foreach ($line in ($code -split "`n" | Where-Object { $_ -like 'PS *' })) {
                    $line | Should -Match '^PS /src/app[^\s>]*>( |$)'
                }
                ($example.remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty -Because "$name $($example.title.Trim('- ')) needs remarks"
            }
        }
    }
}

Describe 'Get-WtWorktree -Path with a file' {
    It 'gives the worktree holding the file (help Example 4)' {
        $repo = New-WtTestRepository
        $wt = Add-WtTestWorktree -Repository $repo -Branch 'holder'
        Set-Content -LiteralPath (Join-Path $wt 'notes.txt') -Value 'x'
        Set-Location -LiteralPath $repo
        try {
            (Get-WtWorktree -Path ./README.md).Branch | Should -Be 'main'
            (Get-WtWorktree -Path (Join-Path $wt 'notes.txt')).Branch | Should -Be 'holder'
        }
        finally {
            Set-Location -LiteralPath $TestDrive
        }
    }
}
