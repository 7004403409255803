# Shared setup for the Pester specs: hermetic git and throwaway repositories.
# Dot-sourced from BeforeAll blocks; needs only git on PATH.

function Initialize-WtHermeticGit {
    # System and global git config shut out, a fixed identity and dates, no prompts (tests/Unit GitSandbox does the same).
    # An empty file rather than /dev/null, so the same line works on Windows.
    $script:WtEmptyGitConfig = [System.IO.Path]::GetTempFileName()
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

function Invoke-WtGit {
    # Invoke-WtGit <directory> <git arguments...>: runs git there and throws on a non-zero exit.
    # A plain function on purpose: every argument after the directory (-q, -b, --bare...) reaches git
    # verbatim, where an advanced function would try to bind them as its own parameters.
    $directory, $arguments = $args
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
    $root = Join-Path $TestDrive ([guid]::NewGuid().ToString('N').Substring(0, 8))
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
