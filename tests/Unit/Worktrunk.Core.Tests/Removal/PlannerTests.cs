using System;
using System.Collections.Generic;
using System.Linq;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Removal;
using Xunit;

namespace Worktrunk.Core.Tests.Removal
{
    /// <summary>Pure planning logic: guard order and modes, with a probe that answers from tables.</summary>
    public sealed class PlannerTests
    {
        private const string Common = "/r/app/.git";

        private sealed class FakeProbe : IRemovalProbe
        {
            public HashSet<string> Missing { get; } = new HashSet<string>();

            public HashSet<string> NotOwned { get; } = new HashSet<string>();

            public Dictionary<string, List<string>> Dirty { get; } = new Dictionary<string, List<string>>();

            public HashSet<string> Branches { get; } = new HashSet<string> { "main", "gone-wt", "only-branch" };

            public Dictionary<string, string> Remote { get; } = new Dictionary<string, string> { ["remote-only"] = "origin/remote-only" };

            public List<string> Calls { get; } = new List<string>();

            public bool DirectoryExists(string path) => !Missing.Contains(path);

            public Dictionary<string, List<string>> Modules { get; } = new Dictionary<string, List<string>>();

            public Dictionary<string, string> Unreachable { get; } = new Dictionary<string, string>();

            public OwnershipVerdict CheckOwnership(string path, string? gitDir, string commonDir)
            {
                Calls.Add("own " + path);
                return NotOwned.Contains(path) ? OwnershipVerdict.Refused("/elsewhere/.git", null) : OwnershipVerdict.Accepted;
            }

            public IReadOnlyList<string> Submodules(string worktreePath, string gitDir)
            {
                Calls.Add("submodules " + worktreePath);
                return Modules.TryGetValue(worktreePath, out var m) ? m : new List<string>();
            }

            public string? UnreachableDetachedHead(string worktreePath, string gitDir, RemovalContext context)
            {
                Calls.Add("head " + worktreePath);
                return Unreachable.TryGetValue(worktreePath, out var h) ? h : null;
            }

            public IReadOnlyList<string> DirtyEntries(string worktreePath)
            {
                Calls.Add("dirty " + worktreePath);
                return Dirty.TryGetValue(worktreePath, out var d) ? d : new List<string>();
            }

            public bool LocalBranchExists(string branch, RemovalContext context) => Branches.Contains(branch);

            public string? RemoteBranch(string branch, RemovalContext context) => Remote.TryGetValue(branch, out var r) ? r : null;
        }

        private static WtWorktree Wt(string path, string? branch, bool main = false, bool locked = false, string? reason = null, bool prunable = false, bool current = false, bool bare = false) =>
            new WtWorktree(path, branch, "0123456789012345678901234567890123456789", main, current, branch == null && !bare, bare, locked, locked ? reason ?? string.Empty : null, prunable, prunable ? "gitdir file points to non-existent location" : null,
                main ? Common : Common + "/worktrees/" + System.IO.Path.GetFileName(path), Common, true);

        private static RemovalContext Context(params WtWorktree[] worktrees) =>
            new RemovalContext(new RepositoryLocation(Common, Common, "/r/app", "/r/app"), worktrees, "main");

        private static readonly RemovalContext s_repo = Context(
            Wt("/r/app", "main", main: true),
            Wt("/r/app.a", "a"),
            Wt("/r/app.locked", "locked", locked: true, reason: "agent running"),
            Wt("/r/app.gone-wt", "gone-wt", prunable: true),
            Wt("/r/app.recreated", "recreated", prunable: true),
            Wt("/r/app.detached", null),
            Wt("/r/app.shared1", "shared"),
            Wt("/r/app.shared2", "shared"),
            Wt("/r/app.main2", "main"),
            Wt("/r/app.outer", "outer"),
            Wt("/r/app.outer/inner", "inner"));

        private static FakeProbe Probe()
        {
            var p = new FakeProbe();
            p.Missing.Add("/r/app.gone-wt");
            return p;
        }

        private static RemovalPlan Plan(SelectorKind kind, string text, RemovalOptions? options = null, FakeProbe? probe = null) =>
            RemovalPlanner.Plan(new RemovalSelector(kind, text, text), s_repo, options ?? new RemovalOptions(false, BranchMode.SafeDelete, false), probe ?? Probe());

        private static string Refusal(SelectorKind kind, string text, RemovalOptions? options = null, FakeProbe? probe = null) =>
            Assert.Throws<WorktrunkException>(() => Plan(kind, text, options, probe)).ErrorId;

        private static readonly RemovalOptions s_force = new RemovalOptions(true, BranchMode.SafeDelete, false);

        [Fact]
        public void A_plain_linked_worktree_plans_after_the_cheap_guard_only_and_the_preview_runs_the_whole_guard_in_order()
        {
            var probe = Probe();
            var plan = Plan(SelectorKind.Branch, "a", probe: probe);
            Assert.Equal(WtRemovalKind.Worktree, plan.Kind);
            Assert.Equal("/r/app.a", plan.Path);
            Assert.Equal(BranchMode.SafeDelete, plan.Mode);

            // Planning a confirmed removal reads files only: the status runs once, at the last moment.
            Assert.Equal(new[] { "own /r/app.a" }, probe.Calls);

            // -WhatIf: the whole guard, in the order the last moment runs it.
            probe.Calls.Clear();
            RemovalPlanner.Preview(plan, probe);
            Assert.Equal(new[] { "own /r/app.a", "submodules /r/app.a", "head /r/app.a", "dirty /r/app.a" }, probe.Calls);

            // -Force: submodules still checked; detached HEAD and dirty lifted.
            probe.Calls.Clear();
            RemovalPlanner.Preview(Plan(SelectorKind.Branch, "a", s_force, Probe()), probe);
            Assert.Equal(new[] { "own /r/app.a", "submodules /r/app.a" }, probe.Calls);
        }

        [Fact]
        public void Submodules_are_refused_even_with_Force_and_an_unreachable_detached_head_unless_Force()
        {
            var probe = Probe();
            probe.Modules["/r/app.a"] = new List<string> { "lib/inner" };
            var e = Assert.Throws<WorktrunkException>(() => RemovalPlanner.Preview(Plan(SelectorKind.Branch, "a", s_force, probe), probe));
            Assert.Equal(ErrorIds.WorktreeHasSubmodules, e.ErrorId);
            Assert.Contains("lib/inner", e.Message);
            Assert.Contains("git worktree remove -f -f '/r/app.a'", e.Hint);

            var detached = Probe();
            detached.Unreachable["/r/app.detached"] = "0123456789012345678901234567890123456789";
            var d = Assert.Throws<WorktrunkException>(() => RemovalPlanner.Preview(Plan(SelectorKind.Path, "/r/app.detached", probe: detached), detached));
            Assert.Equal(ErrorIds.DetachedHeadUnreachable, d.ErrorId);
            Assert.Contains("0123456789012345678901234567890123456789", d.Message);
            RemovalPlanner.Preview(Plan(SelectorKind.Path, "/r/app.detached", s_force, detached), detached);
        }

        [Fact]
        public void The_main_worktree_is_refused_whatever_the_switches()
        {
            var all = new RemovalOptions(true, BranchMode.ForceDelete, true);
            Assert.Equal(ErrorIds.MainWorktreeRefused, Refusal(SelectorKind.Path, "/r/app", all));
            Assert.Equal(ErrorIds.MainWorktreeRefused, Refusal(SelectorKind.Branch, "main", all));
        }

        [Fact]
        public void A_locked_worktree_is_refused_with_its_reason_and_an_unlock_hint_even_with_Force()
        {
            var e = Assert.Throws<WorktrunkException>(() => Plan(SelectorKind.Branch, "locked", s_force));
            Assert.Equal(ErrorIds.WorktreeLocked, e.ErrorId);
            Assert.Contains("agent running", e.Message);
            Assert.Contains("git worktree unlock '/r/app.locked'", e.Hint);
        }

        [Fact]
        public void The_lock_guard_precedes_the_missing_directory_case()
        {
            var probe = Probe();
            probe.Missing.Add("/r/app.locked");
            Assert.Equal(ErrorIds.WorktreeLocked, Refusal(SelectorKind.Path, "/r/app.locked", probe: probe));
        }

        [Fact]
        public void A_missing_directory_plans_a_stale_entry_without_running_the_gates()
        {
            var probe = Probe();
            var plan = Plan(SelectorKind.Branch, "gone-wt", probe: probe);
            Assert.Equal(WtRemovalKind.StaleEntry, plan.Kind);
            Assert.Empty(probe.Calls);
            Assert.Equal(RemovalOrder.BranchOrStale, plan.Order);
        }

        [Fact]
        public void A_prunable_entry_whose_directory_exists_is_refused_as_missing()
        {
            Assert.Equal(ErrorIds.WorktreeMissing, Refusal(SelectorKind.Path, "/r/app.recreated", s_force));
        }

        [Fact]
        public void The_ownership_gate_is_not_lifted_by_Force_and_precedes_the_dirty_gate()
        {
            var probe = Probe();
            probe.NotOwned.Add("/r/app.a");
            probe.Dirty["/r/app.a"] = new List<string> { "?? x" };
            Assert.Equal(ErrorIds.WorktreeNotOwned, Refusal(SelectorKind.Branch, "a", s_force, probe));
            Assert.Equal(ErrorIds.WorktreeNotOwned, Refusal(SelectorKind.Branch, "a", null, probe));
        }

        [Fact]
        public void The_dirty_gate_lists_the_entries_and_Force_lifts_it_without_running_status()
        {
            var probe = Probe();
            probe.Dirty["/r/app.a"] = Enumerable.Range(0, 25).Select(i => "?? file" + i).ToList();
            var e = Assert.Throws<WorktrunkException>(() => RemovalPlanner.Preview(Plan(SelectorKind.Branch, "a", probe: probe), probe));
            Assert.Equal(ErrorIds.WorktreeDirty, e.ErrorId);
            Assert.Contains("?? file0", e.Message);
            Assert.Contains("?? file19", e.Message);
            Assert.DoesNotContain("?? file20", e.Message);
            Assert.Contains("and 5 more", e.Message);

            probe.Calls.Clear();
            var plan = Plan(SelectorKind.Branch, "a", s_force, probe);
            RemovalPlanner.Preview(plan, probe);
            Assert.True(plan.Force);
            Assert.DoesNotContain(probe.Calls, c => c.StartsWith("dirty", StringComparison.Ordinal));
        }

        [Fact]
        public void The_default_branch_is_refused_unless_ForceDeleteBranch()
        {
            Assert.Equal(ErrorIds.DefaultBranchRefused, Refusal(SelectorKind.Path, "/r/app.main2", s_force));
            Assert.Equal(ErrorIds.DefaultBranchRefused, Refusal(SelectorKind.Path, "/r/app.main2", new RemovalOptions(false, BranchMode.Keep, false)));

            // -ForceDeleteBranch lifts the guard; this second checkout of main shares the branch with the
            // main worktree, so the branch itself is still kept.
            var plan = Plan(SelectorKind.Path, "/r/app.main2", new RemovalOptions(false, BranchMode.ForceDelete, false));
            Assert.Equal(WtRemovalKind.Worktree, plan.Kind);
            Assert.Equal(BranchMode.Keep, plan.Mode);
            Assert.Equal("/r/app", plan.SharedCheckoutPath);

            var alone = Context(Wt("/r/app", "dev", main: true), Wt("/r/app.main", "main"));
            var forced = RemovalPlanner.Plan(new RemovalSelector(SelectorKind.Branch, "main", "main"), alone, new RemovalOptions(false, BranchMode.ForceDelete, false), Probe());
            Assert.Equal(BranchMode.ForceDelete, forced.Mode);
            Assert.Null(forced.SharedCheckoutPath);
        }

        [Fact]
        public void A_branch_checked_out_in_two_worktrees_removes_the_first_warns_and_keeps_the_branch()
        {
            var plan = Plan(SelectorKind.Branch, "shared", new RemovalOptions(false, BranchMode.ForceDelete, false));
            Assert.Equal("/r/app.shared1", plan.Path);
            Assert.Equal(BranchMode.Keep, plan.Mode);
            Assert.Equal("/r/app.shared2", plan.SharedCheckoutPath);
            Assert.Contains("checked out in 2 worktrees", Assert.Single(plan.Warnings));
        }

        [Fact]
        public void A_worktree_with_another_worktree_inside_is_refused_even_with_Force()
        {
            Assert.Equal(ErrorIds.WorktreeContainsWorktree, Refusal(SelectorKind.Branch, "outer", s_force));
            Assert.Equal(WtRemovalKind.Worktree, Plan(SelectorKind.Branch, "inner").Kind);
        }

        [Fact]
        public void Branches_without_a_worktree_plan_branch_only_or_say_what_is_missing()
        {
            var plan = Plan(SelectorKind.Branch, "only-branch");
            Assert.Equal(WtRemovalKind.BranchOnly, plan.Kind);
            Assert.Null(plan.Path);

            var remote = Assert.Throws<WorktrunkException>(() => Plan(SelectorKind.Branch, "remote-only"));
            Assert.Equal(ErrorIds.BranchNotFound, remote.ErrorId);
            Assert.Contains("origin/remote-only", remote.Message);
            Assert.Equal(ErrorIds.BranchNotFound, Refusal(SelectorKind.Branch, "nope"));
            Assert.Equal(ErrorIds.WorktreeNotFound, Refusal(SelectorKind.Branch, "only-branch", new RemovalOptions(false, BranchMode.Keep, false)));
        }

        [Fact]
        public void Paths_must_name_a_registered_worktree_exactly()
        {
            Assert.Equal(ErrorIds.WorktreeNotFound, Refusal(SelectorKind.Path, "/r/app.a/src"));
            Assert.Equal(ErrorIds.WorktreeNotFound, Refusal(SelectorKind.Path, "/r/elsewhere"));
            Assert.Equal("/r/app.a", Plan(SelectorKind.Path, "/r/app.a/").Path);
            Assert.Null(Plan(SelectorKind.Path, "/r/app.detached").Branch);
        }

        [Fact]
        public void Conflicting_branch_switches_are_refused_before_anything()
        {
            var e = Assert.Throws<WorktrunkException>(() => RemovalOptions.FromFlags(false, true, true, false));
            Assert.Equal(ErrorIds.ConflictingBranchOptions, e.ErrorId);
            Assert.Equal(BranchMode.Keep, RemovalOptions.FromFlags(false, true, false, false).Mode);
            Assert.Equal(BranchMode.ForceDelete, RemovalOptions.FromFlags(false, false, true, false).Mode);
            Assert.Equal(BranchMode.SafeDelete, RemovalOptions.FromFlags(true, false, false, true).Mode);
        }

        [Fact]
        public void The_current_worktree_goes_last()
        {
            var ctx = Context(Wt("/r/app", "main", main: true), Wt("/r/app.cur", "cur", current: true), Wt("/r/app.b", "b"));
            var probe = Probe();
            var current = RemovalPlanner.Plan(new RemovalSelector(SelectorKind.Branch, "cur", "cur"), ctx, new RemovalOptions(false, BranchMode.SafeDelete, false), probe);
            var other = RemovalPlanner.Plan(new RemovalSelector(SelectorKind.Branch, "b", "b"), ctx, new RemovalOptions(false, BranchMode.SafeDelete, false), probe);
            Assert.True(current.IsCurrent);
            Assert.Equal(RemovalOrder.CurrentWorktree, current.Order);
            Assert.Equal(RemovalOrder.OtherWorktree, other.Order);
        }
    }
}
