// Contract: the one guard of a worktree removal. Planning and the last-moment gate evaluate the
// same checks, in the same order, with the same message for each refusal.
//
// Guarantees
//   * Order (the first reason to refuse is the one reported): locked → ownership (the directory's
//     .git names this registration and it names the directory back) → another registered
//     worktree nested inside → [full gate only] initialized submodules → detached HEAD at a commit
//     no ref and no other worktree's HEAD reaches (unless -Force) → dirty (unless -Force:
//     `git status`, untracked files included; a status that fails or cannot read a directory
//     refuses too).
//   * The cheap depth (planning a confirmed removal) reads files only: it starts no process.
//     The full depth is what runs at the last moment, under the repository's removal lock and
//     after the daemon stop, immediately before the rename; -WhatIf runs it at planning (read
//     only, nothing stopped) so a preview says what would be refused. `git status` therefore
//     runs once per confirmed removal. Submodule and detached-HEAD checks cost a git process only
//     when the worktree has a .gitmodules file or a detached HEAD.
//   * -Force lifts the dirty gate and the detached-HEAD gate, nothing else: not a lock, not
//     ownership, not a nested worktree, not submodules (their repositories live in the
//     registration that removal deletes; git itself demands `remove -f -f`).
//   * Names from the outside (lock reasons, file names) appear in messages escaped (Display):
//     a newline in a file name cannot forge a line of the message.
// Data safety: every refusal is thrown before anything is changed; the caller changes nothing
//   after a refusal. When a check cannot be completed (git fails, a file cannot be read), it
//   refuses (fail closed).
// Platform: the same everywhere (paths compared through PathUtil).

using System;
using System.Collections.Generic;
using System.Globalization;
using Worktrunk.Diagnostics;
using Worktrunk.IO;

namespace Worktrunk.Removal
{
    /// <summary>How much of the guard a caller evaluates.</summary>
    internal enum GuardDepth
    {
        /// <summary>File reads only: lock, ownership, nesting (planning a confirmed removal).</summary>
        Cheap,

        /// <summary>Everything, submodules, detached HEAD and the dirty gate included (the last moment, and -WhatIf).</summary>
        Full,
    }

    /// <summary>What the guard judges about one live worktree, read at one moment.</summary>
    internal sealed class GuardFacts
    {
        internal GuardFacts(string path, string? gitDir, bool locked, string? lockReason, IReadOnlyList<string> registeredPaths)
        {
            Path = path;
            GitDir = gitDir;
            Locked = locked;
            LockReason = lockReason;
            RegisteredPaths = registeredPaths;
        }

        /// <summary>The worktree's directory, as git registered it.</summary>
        internal string Path { get; }

        /// <summary>Its registration (&lt;common&gt;/worktrees/&lt;id&gt;), or null when none names it.</summary>
        internal string? GitDir { get; }

        internal bool Locked { get; }

        /// <summary>The lock's reason (may be empty), when locked.</summary>
        internal string? LockReason { get; }

        /// <summary>Every registered worktree's directory (the main one included; this one may be among them).</summary>
        internal IReadOnlyList<string> RegisteredPaths { get; }

        /// <summary>The facts as planning read them: the listing snapshot in the context.</summary>
        internal static GuardFacts FromListing(WtWorktree worktree, RemovalContext context)
        {
            var paths = new List<string>();
            foreach (var w in context.Worktrees)
            {
                paths.Add(w.Path);
            }

            return new GuardFacts(worktree.Path, worktree.GitDir, worktree.IsLocked, worktree.LockReason, paths);
        }
    }

    /// <summary>The guards of a worktree removal, and the one message of each refusal.</summary>
    internal static class RemovalGuards
    {
        /// <summary>At most this many entries (dirty files, submodules) are quoted in an error message.</summary>
        internal const int MessageLimit = 20;

        /// <summary>
        /// Evaluates the guards on <paramref name="facts"/> to <paramref name="depth"/>; throws the
        /// first refusal. <paramref name="branch"/> names the worktree in messages (else its
        /// directory name); <paramref name="force"/> lifts the detached-HEAD and dirty gates.
        /// </summary>
        internal static void Check(GuardFacts facts, string? branch, bool force, GuardDepth depth, IRemovalProbe probe, RemovalContext context, object target)
        {
            var path = facts.Path;
            if (facts.Locked)
            {
                throw Locked(path, branch, facts.LockReason, target);
            }

            var verdict = probe.CheckOwnership(path, facts.GitDir, context.CommonDir);
            if (!verdict.Owned)
            {
                throw NotOwned(path, facts.GitDir, verdict, target);
            }

            var nested = RemovalPlanner.NestedPath(path, facts.RegisteredPaths);
            if (nested != null)
            {
                throw Nested(path, nested, target);
            }

            if (depth == GuardDepth.Cheap)
            {
                return;
            }

            var submodules = probe.Submodules(path, facts.GitDir!);
            if (submodules.Count > 0)
            {
                throw HasSubmodules(path, submodules, target);
            }

            if (force)
            {
                return;
            }

            var unreachable = probe.UnreachableDetachedHead(path, facts.GitDir!, context);
            if (unreachable != null)
            {
                throw DetachedHead(path, unreachable, target);
            }

            var dirty = probe.DirtyEntries(path);
            if (dirty.Count > 0)
            {
                throw Dirty(path, branch, dirty, target);
            }
        }

        /// <summary>The refusal of a locked worktree.</summary>
        internal static WorktrunkException Locked(string path, string? branch, string? reason, object target)
        {
            var name = branch ?? System.IO.Path.GetFileName(PathUtil.TrimEnd(path));
            var why = string.IsNullOrEmpty(reason) ? string.Empty : " (" + Display(reason!) + ")";
            return new WorktrunkException(
                ErrorIds.WorktreeLocked,
                ErrorKind.InvalidOperation,
                $"Cannot remove {name}: the worktree at '{path}' is locked{why}. Nothing was changed; -Force does not override a lock.",
                target,
                $"To unlock it, run: git worktree unlock '{path}'");
        }

        /// <summary>The refusal of a directory that does not hold the worktree registered at it.</summary>
        internal static WorktrunkException NotOwned(string path, string? gitDir, OwnershipVerdict verdict, object target)
        {
            var holds = verdict.PointsAt == null ? "has no .git entry" : $"points at '{verdict.PointsAt}'";
            return new WorktrunkException(
                ErrorIds.WorktreeNotOwned,
                ErrorKind.InvalidOperation,
                $"The directory '{path}' does not hold the worktree registered there: its .git {holds}, not '{gitDir ?? "(no registration)"}'. It was left untouched; -Force does not override this.",
                target,
                OwnershipGate.Hint(verdict));
        }

        /// <summary>The refusal of a worktree with another registered worktree inside it.</summary>
        internal static WorktrunkException Nested(string path, string nested, object target) => new WorktrunkException(
            ErrorIds.WorktreeContainsWorktree,
            ErrorKind.InvalidOperation,
            $"Cannot remove the worktree at '{path}': the worktree registered at '{nested}' lives inside it and would be destroyed with it. Nothing was changed; -Force does not override this.",
            target,
            $"Remove or move the worktree at '{nested}' first (git worktree move).");

        /// <summary>The refusal of a worktree with initialized submodules.</summary>
        internal static WorktrunkException HasSubmodules(string path, IReadOnlyList<string> submodules, object target) => new WorktrunkException(
            ErrorIds.WorktreeHasSubmodules,
            ErrorKind.InvalidOperation,
            $"Cannot remove the worktree at '{path}': it has initialized submodules ({List(submodules)}). Their repositories, with any commit made in them, would be deleted with the worktree. Nothing was changed; -Force does not override this.",
            target,
            $"Push the submodules' commits (or otherwise keep them), then remove the worktree with: git worktree remove -f -f '{path}'");

        /// <summary>The refusal of a detached HEAD no ref reaches.</summary>
        internal static WorktrunkException DetachedHead(string path, string commit, object target) => new WorktrunkException(
            ErrorIds.DetachedHeadUnreachable,
            ErrorKind.InvalidOperation,
            $"Cannot remove the worktree at '{path}': its HEAD is detached at commit {commit}, which no branch, tag or other ref and no other worktree's HEAD reaches. Removing it would lose that commit. Nothing was changed.",
            target,
            $"Keep the commit first (git branch <name> {commit}), or pass -Force to remove the worktree and lose it.");

        /// <summary>The refusal for a dirty worktree; the message lists the entries (escaped).</summary>
        internal static WorktrunkException Dirty(string path, string? branch, IReadOnlyList<string> entries, object target)
        {
            var lines = new List<string>();
            for (var i = 0; i < entries.Count && i < MessageLimit; i++)
            {
                lines.Add("  " + Display(entries[i]));
            }

            if (entries.Count > MessageLimit)
            {
                lines.Add("  ... and " + (entries.Count - MessageLimit).ToString(CultureInfo.InvariantCulture) + " more");
            }

            var who = branch != null ? $"worktree '{path}' (branch {branch})" : $"worktree '{path}'";
            return new WorktrunkException(
                ErrorIds.WorktreeDirty,
                ErrorKind.InvalidOperation,
                $"Cannot remove {who}: it has uncommitted changes:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}",
                target,
                "Commit or stash the changes first, or pass -Force to remove the worktree and lose them.");
        }

        /// <summary>The refusal for a worktree that changed under the removal (another removal, another process).</summary>
        internal static WorktrunkException Raced(string message, object target, Exception? inner = null) =>
            new WorktrunkException(ErrorIds.RemovalRaced, ErrorKind.ResourceBusy, message, target, "Run Get-WtWorktree to see the worktrees as they are now.", inner);

        /// <summary>
        /// <paramref name="text"/> made safe for a one-line mention in a message: unchanged when it has
        /// no control character; otherwise in double quotes with C escapes (<see cref="Printable.Bare"/>).
        /// </summary>
        internal static string Display(string text) => Printable.Bare(text);

        private static string List(IReadOnlyList<string> names)
        {
            var shown = new List<string>();
            for (var i = 0; i < names.Count && i < MessageLimit; i++)
            {
                shown.Add(Display(names[i]));
            }

            var more = names.Count > MessageLimit ? ", and " + (names.Count - MessageLimit).ToString(CultureInfo.InvariantCulture) + " more" : string.Empty;
            return string.Join(", ", shown) + more;
        }
    }
}
