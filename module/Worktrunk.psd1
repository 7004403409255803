#
# Module manifest for Worktrunk. The build fills in the version from Directory.Build.props (the one
# place the version lives) and the release notes from that version's entry in CHANGELOG.md, in the
# laid-out copy under artifacts/module/Worktrunk/.
#
@{
    RootModule           = 'Worktrunk.PowerShell.dll'
    ModuleVersion        = '{{ModuleVersion}}'
    GUID                 = '5d0f7a43-2b1e-4c8e-9a63-6f1d2a7b9e41'
    Author               = 'Worktrunk contributors'
    CompanyName          = 'Worktrunk contributors'
    Copyright            = '(c) Worktrunk contributors. MIT License.'
    Description          = 'Safe git worktree lifecycle for PowerShell: list and remove worktrees without losing work, reap orphaned git fsmonitor daemons, and tether dev servers to their worktree so the whole process tree dies with it.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @(
        'Worktrunk.Worktree.format.ps1xml',
        'Worktrunk.Daemon.format.ps1xml',
        'Worktrunk.Removal.format.ps1xml',
        'Worktrunk.Tether.format.ps1xml',
        'Worktrunk.Process.format.ps1xml'
    )
    CmdletsToExport      = @(
        'Get-WtWorktree',
        'Remove-WtWorktree',
        'Get-WtOrphanDaemon',
        'Stop-WtDaemon',
        'Invoke-WtFsmonitorSweep',
        'Start-WtTether',
        'New-WtWorktree',
        'Get-WtWorktreeProcess'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('git', 'worktree', 'fsmonitor', 'process-group', 'agents', 'PSEdition_Core', 'PSEdition_Desktop', 'Linux', 'MacOS', 'Windows')
            LicenseUri   = 'https://github.com/worktrunk/worktrunk-powershell/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/worktrunk/worktrunk-powershell'
            ReleaseNotes = '{{ReleaseNotes}}'
        }
    }
}
