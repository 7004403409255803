using System;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Removal;
using Worktrunk.TestSupport;

namespace Worktrunk.PowerShell.Tests.Removal
{
    /// <summary>
    /// Plans and executes one removal in this process, as Remove-WtWorktree does, so a test can
    /// race it from a step hook (RemovalExecutor.OnStep) on the removal's own progress.
    /// </summary>
    internal static class InProcessRemoval
    {
        internal static RemovalPlan Plan(GitSandbox sb, SelectorKind kind, string text, bool force = false, string git = "git")
        {
            var runner = new GitRunner(NullSink.Instance) { GitExecutable = git };
            var context = RemovalContext.Load(RepositoryLocator.Locate(sb.RepoPath, runner), runner, null);
            return RemovalPlanner.Plan(new RemovalSelector(kind, text, text), context, new RemovalOptions(force, BranchMode.SafeDelete, true), new GitRemovalProbe(runner));
        }

        /// <summary>An executor running <paramref name="git"/>; <paramref name="onStep"/> is called at every step.</summary>
        internal static RemovalExecutor Executor(Action<RemovalStep>? onStep = null, string git = "git", CancellationToken cancellation = default) =>
            new RemovalExecutor(new GitRunner(NullSink.Instance, cancellation) { GitExecutable = git }, NullSink.Instance, cancellation) { OnStep = onStep };

        /// <summary>Plans and executes (-Wait) with <paramref name="onStep"/> racing it; the refusal, or null when it removed.</summary>
        internal static WorktrunkException? Run(GitSandbox sb, SelectorKind kind, string text, Action<RemovalStep>? onStep = null, bool force = false)
        {
            var plan = Plan(sb, kind, text, force);
            try
            {
                Executor(onStep).Execute(plan, true);
                return null;
            }
            catch (WorktrunkException e)
            {
                return e;
            }
        }
    }
}
