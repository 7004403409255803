#!/usr/bin/env bash
# Measures the done-when of issue 10: a plain Remove-WtWorktree (no -Force) of a clean worktree
# whose real fsmonitor daemon is wedged (SIGSTOP) returns within 4 s, the daemon dead and its
# siblings untouched. Needs git 2.55 (WORKTRUNK_TEST_GIT, default: the tests' cache) and a built
# solution (dotnet build). Prints one line per run with the cmdlet's own elapsed time (a Stopwatch
# around the cmdlet inside the session, so the shell's start-up is not counted).
# Every daemon it starts is killed by PID at the end; nothing else is signalled.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
git="${WORKTRUNK_TEST_GIT:-${XDG_CACHE_HOME:-$HOME/.cache}/worktrunk-tests/git-2.55.0/git-2.55/bin/git}"
[ -d "$git" ] && git="$git/bin/git"
shell="$root/artifacts/bin/Worktrunk.Shell/debug/Worktrunk.Shell"
runs="${1:-5}"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@b GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@b
export PATH="$(dirname "$git"):$PATH"

listener() { # PID of the git process listening on exactly $1
  local ino; ino="$(awk -v p="$1" '$4=="00010000" && $6=="01" && $8==p {print $7}' /proc/net/unix | head -n1)"
  [ -n "$ino" ] || return 0
  for d in /proc/[0-9]*; do
    [ "$(cat "$d/comm" 2>/dev/null)" = git ] || continue
    ls -l "$d/fd" 2>/dev/null | grep -q "socket:\[$ino\]" && { basename "$d"; return 0; }
  done
}

pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "${tmp:-/nonexistent}"; }
trap cleanup EXIT

for i in $(seq "$runs"); do
  tmp="$(mktemp -d)"; repo="$tmp/repo"
  git init -q -b main "$repo" && git -C "$repo" commit -q --allow-empty -m init
  for w in victim sibling; do git -C "$repo" worktree add -q -b "$w" "$tmp/$w"; done
  for w in "$tmp/victim" "$tmp/sibling" "$repo"; do git -C "$w" fsmonitor--daemon start; done
  v="$(listener "$repo/.git/worktrees/victim/fsmonitor--daemon.ipc")"
  s="$(listener "$repo/.git/worktrees/sibling/fsmonitor--daemon.ipc")"
  m="$(listener "$repo/.git/fsmonitor--daemon.ipc")"
  pids+=("$v" "$s" "$m")
  kill -STOP "$v"
  git -C "$repo" config core.fsmonitor true
  out="$(cd "$repo" && "$shell" -NonInteractive -Command '$c = [Diagnostics.Stopwatch]::StartNew(); $r = Remove-WtWorktree victim -PassThru; $c.Stop(); "{0:0} ms {1}" -f $c.Elapsed.TotalMilliseconds, $r.DaemonOutcome')"
  dead=yes; [ -d "/proc/$v" ] && [ "$(awk '{print $3}' "/proc/$v/stat")" != Z ] && dead=no
  alive=yes; for p in "$s" "$m"; do [ -d "/proc/$p" ] || alive=no; done
  echo "run $i: $out; daemon dead: $dead; siblings alive: $alive"
  rm -rf "$tmp"
done
