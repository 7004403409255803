#!/bin/sh
# A tethered command's process tree, shared by Worktrunk's tether tests and its benchmark:
#   leader (this sh)               level 1, the process group leader
#   +- sidecar (sh)                level 2, like esbuild's service under `npm run dev`
#   |  +- grandchild (sleep)       level 3
#   +- intermediate (sh)           exits at once ...
#      +- orphan (sleep)           ... so this double-forked sleep reparents to init, still in the group
# Each process writes its PID to <dir>/<name> (written aside, then renamed). Usage:
#   tether-tree.sh <dir> stay          the leader waits for its children
#   tether-tree.sh <dir> exit <N>      once <dir>/go exists the leader exits with status N; the rest keeps running
#   tether-tree.sh <dir> ignore-term   like stay, but every process ignores SIGTERM (only SIGKILL ends them)
d=$1
mode=$2
if [ "$mode" = ignore-term ]; then trap '' TERM; fi
sh -c 'sleep 300 & echo $! > "$1/grandchild.tmp"; mv "$1/grandchild.tmp" "$1/grandchild"; echo $$ > "$1/sidecar.tmp"; mv "$1/sidecar.tmp" "$1/sidecar"; wait' sidecar "$d" &
sh -c 'sleep 300 & echo $! > "$1/orphan.tmp"; mv "$1/orphan.tmp" "$1/orphan"; echo $$ > "$1/intermediate.tmp"; mv "$1/intermediate.tmp" "$1/intermediate"' intermediate "$d"
echo $$ > "$d/leader.tmp"; mv "$d/leader.tmp" "$d/leader"
if [ "$mode" = exit ]; then
  while [ ! -e "$d/go" ]; do sleep 0.02; done
  exit "$3"
fi
wait
