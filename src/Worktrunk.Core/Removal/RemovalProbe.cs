using System;
using System.Collections.Generic;
using System.IO;
using Worktrunk.Git;

namespace Worktrunk.Removal
{
    /// <summary>
    /// Everything the planner needs to ask the outside world. The real probe reads the
    /// filesystem and runs read-only git; tests of pure planning logic substitute their own.
    /// </summary>
    internal interface IRemovalProbe
    {
        bool DirectoryExists(string path);

        /// <summary>The ownership gate: does <paramref name="path"/> hold the worktree registered as <paramref name="gitDir"/>?</summary>
        OwnershipVerdict CheckOwnership(string path, string? gitDir, string commonDir);

        /// <summary>The worktree's initialized submodules (SubmoduleGate); empty when none.</summary>
        IReadOnlyList<string> Submodules(string worktreePath, string gitDir);

        /// <summary>The worktree's detached HEAD commit when nothing else reaches it (DetachedHeadGate); null otherwise.</summary>
        string? UnreachableDetachedHead(string worktreePath, string gitDir, RemovalContext context);

        /// <summary>The worktree's uncommitted changes ("XY path" lines); empty when clean.</summary>
        IReadOnlyList<string> DirtyEntries(string worktreePath);

        bool LocalBranchExists(string branch, RemovalContext context);

        /// <summary>A remote-tracking branch with this name (origin/x), or null.</summary>
        string? RemoteBranch(string branch, RemovalContext context);
    }

    /// <summary>The probe that asks the filesystem and git (read-only calls only).</summary>
    internal sealed class GitRemovalProbe : IRemovalProbe
    {
        private readonly GitRunner _git;

        internal GitRemovalProbe(GitRunner git)
        {
            _git = git;
        }

        public bool DirectoryExists(string path) => Directory.Exists(path);

        public OwnershipVerdict CheckOwnership(string path, string? gitDir, string commonDir) => OwnershipGate.Check(path, gitDir, commonDir);

        public IReadOnlyList<string> Submodules(string worktreePath, string gitDir) => SubmoduleGate.Find(_git, worktreePath, gitDir);

        public string? UnreachableDetachedHead(string worktreePath, string gitDir, RemovalContext context) => DetachedHeadGate.Unreachable(_git, worktreePath, gitDir, context);

        public IReadOnlyList<string> DirtyEntries(string worktreePath) => DirtyGate.Entries(_git, worktreePath);

        public bool LocalBranchExists(string branch, RemovalContext context) =>
            context.Refs != null ? context.Refs.HasBranch(branch) : IntegrationChecker.RevParse(_git, context.RunDirectory, "refs/heads/" + branch) != null;

        public string? RemoteBranch(string branch, RemovalContext context)
        {
            var result = _git.Run(context.RunDirectory, GitAccess.ReadOnly, new[] { "for-each-ref", "--format=%(refname)", "refs/remotes/" });
            if (!result.Succeeded)
            {
                return null;
            }

            const string Prefix = "refs/remotes/";
            foreach (var line in result.Stdout.Split('\n'))
            {
                var r = line.Trim();
                if (r.StartsWith(Prefix, StringComparison.Ordinal) && r.EndsWith("/" + branch, StringComparison.Ordinal) && r.Length > Prefix.Length + branch.Length + 1)
                {
                    return r.Substring(Prefix.Length);
                }
            }

            return null;
        }
    }
}
