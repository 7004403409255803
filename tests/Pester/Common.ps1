# Shared setup for the Pester specs: hermetic git and throwaway repositories.
# Dot-sourced from each spec file's BeforeAll; needs only git on PATH.

# Every environment variable Initialize-WtHermeticGit sets or clears; Restore-WtSession puts each back.
$script:WtHermeticVariables = @(
    'GIT_CONFIG_NOSYSTEM', 'GIT_CONFIG_GLOBAL', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL',
    'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GIT_AUTHOR_DATE', 'GIT_COMMITTER_DATE',
    'GIT_TERMINAL_PROMPT', 'LC_ALL', 'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR'
)

function Initialize-WtHermeticGit {
    # Call from a spec file's top-level BeforeAll; pair with Restore-WtSession in its AfterAll.
    # Saves the session as found (the variables below and the location), then shuts out system and
    # global git config, fixes identity, dates and locale, no prompts (tests/Unit GitSandbox does the
    # same). The empty global config lives in $TestDrive, which Pester deletes after the file.
    $script:WtSavedLocation = Get-Location
    $script:WtSavedEnvironment = @{}
    foreach ($name in $script:WtHermeticVariables) {
        $script:WtSavedEnvironment[$name] = [System.Environment]::GetEnvironmentVariable($name)
    }
    $script:WtEmptyGitConfig = Join-Path $TestDrive 'empty.gitconfig'
    Set-Content -LiteralPath $script:WtEmptyGitConfig -Value '' -NoNewline
    $env:GIT_CONFIG_NOSYSTEM = '1'
    $env:GIT_CONFIG_GLOBAL = $script:WtEmptyGitConfig
    $env:GIT_AUTHOR_NAME = 'Worktrunk Test'
    $env:GIT_AUTHOR_EMAIL = 'test@worktrunk.invalid'
    $env:GIT_COMMITTER_NAME = 'Worktrunk Test'
    $env:GIT_COMMITTER_EMAIL = 'test@worktrunk.invalid'
    $env:GIT_AUTHOR_DATE = '2026-01-01T00:00:00Z'
    $env:GIT_COMMITTER_DATE = '2026-01-01T00:00:00Z'
    $env:GIT_TERMINAL_PROMPT = '0'
    $env:LC_ALL = 'C'
    foreach ($name in 'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR') {
        Remove-Item -LiteralPath "Env:$name" -ErrorAction SilentlyContinue
    }
}

function Restore-WtSession {
    # Puts back what Initialize-WtHermeticGit found: every variable (unset ones unset again) and the
    # location (the specs move into $TestDrive, which Pester deletes after the file).
    foreach ($name in $script:WtHermeticVariables) {
        $value = $script:WtSavedEnvironment[$name]
        # Not SetEnvironmentVariable($name, $null): PowerShell passes $null to a string parameter as ''.
        if ($null -eq $value) { Remove-Item -LiteralPath "Env:$name" -ErrorAction SilentlyContinue }
        else { Set-Item -LiteralPath "Env:$name" -Value $value }
    }
    if ($script:WtSavedLocation) {
        Set-Location -LiteralPath $script:WtSavedLocation.Path
    }
}

function Invoke-WtGit {
    # Invoke-WtGit <directory> <git arguments...>: runs git there and throws on a non-zero exit.
    # A plain function on purpose: every argument after the directory (-q, -b, --bare...) reaches git
    # verbatim, where an advanced function would try to bind them as its own parameters.
    # @(...) keeps $arguments an array even for one argument: splatting a lone string would pass
    # its characters as separate arguments (git for-each-ref became git f o r ...).
    $directory = $args[0]
    $arguments = @($args | Select-Object -Skip 1)
    $output = & git -C $directory @arguments 2>&1
    if ($LASTEXITCODE -ne 0) {
        throw "git $($arguments -join ' ') failed in ${directory}: $output"
    }
    $output
}

function New-WtTestRepository {
    # A repository with one commit on main, under $TestDrive; -Bare makes a bare one through a scratch clone.
    param(
        [string] $Name = 'repo',
        [switch] $Bare
    )
    $root = Join-Path $TestDrive ([guid]::NewGuid().ToString('N').Substring(0, 4))
    New-Item -ItemType Directory -Path $root | Out-Null
    $root = (Resolve-Path -LiteralPath $root).ProviderPath
    $seedName = $Name
    if ($Bare) { $seedName = 'seed' }
    $seed = Join-Path $root $seedName
    New-Item -ItemType Directory -Path $seed | Out-Null
    Invoke-WtGit $seed init -q -b main | Out-Null
    Set-Content -LiteralPath (Join-Path $seed 'README.md') -Value '# test'
    Invoke-WtGit $seed add README.md | Out-Null
    Invoke-WtGit $seed commit -q -m initial | Out-Null
    if ($Bare) {
        $repo = Join-Path $root $Name
        Invoke-WtGit $root clone -q --bare $seed $repo | Out-Null
        Remove-Item -LiteralPath $seed -Recurse -Force
        return $repo
    }
    $seed
}

function Add-WtTestWorktree {
    # A linked worktree on a new branch, beside the repository; returns its path.
    param(
        [Parameter(Mandatory)] [string] $Repository,
        [Parameter(Mandatory)] [string] $Branch
    )
    $path = Join-Path (Split-Path -Parent $Repository) ('wt-' + $Branch.Replace('/', '-'))
    Invoke-WtGit $Repository worktree add -q -b $Branch $path main | Out-Null
    $path
}

function Test-WtAlive([int] $ProcessId) {
    # A zombie has exited: it counts as gone, as everywhere in Worktrunk.
    $stat = "/proc/$ProcessId/stat"
    if (Test-Path -LiteralPath $stat) {
        $text = Get-Content -LiteralPath $stat -Raw -ErrorAction SilentlyContinue
        if (-not $text) { return $false }
        return $text.Substring($text.LastIndexOf(')') + 2, 1) -notin 'Z', 'X'
    }
    $null -ne (Get-Process -Id $ProcessId -ErrorAction SilentlyContinue)
}

function Wait-WtUntil([scriptblock] $Condition, [double] $Seconds = 20) {
    # Polls until the condition holds or the time is up; returns whether it held.
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return $true }
        Start-Sleep -Milliseconds 20
    }
    [bool](& $Condition)
}
