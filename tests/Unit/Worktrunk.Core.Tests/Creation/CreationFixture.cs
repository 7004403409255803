using System.IO;
using System.Linq;
using Worktrunk.Creation;
using Worktrunk.Diagnostics;
using Worktrunk.Git;
using Worktrunk.Operations;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.Core.Tests.Creation
{
    /// <summary>Runs New-WtWorktree's operation against real repositories through a RecordingOperationHost.</summary>
    internal static class CreationFixture
    {
        internal static (WtWorktree? Created, RecordingOperationHost Host) Create(string location, string branch, string? baseRef = null, string? path = null, bool whatIf = false, bool enter = false, System.Action<CreationStep>? onStep = null, string? gitExecutable = null)
        {
            var host = new RecordingOperationHost(location, whatIf);
            var git = new GitRunner(host.Sink);
            if (gitExecutable != null)
            {
                git.GitExecutable = gitExecutable;
            }

            var request = new CreationRequest(branch) { Base = baseRef, Path = path, Enter = enter, OnStep = onStep };
            return (WorktreeCreation.Run(request, git, host), host);
        }

        /// <summary>The single error a refusal reported, after checking its id and that nothing was written.</summary>
        internal static WorktrunkException Refused(string location, string branch, string errorId, string? baseRef = null, string? path = null)
        {
            var (created, host) = Create(location, branch, baseRef, path);
            Assert.Null(created);
            Assert.Empty(host.Outputs);
            var (error, target) = Assert.Single(host.Errors);
            Assert.Equal(errorId, error.ErrorId);
            Assert.Equal(branch, target);
            Assert.Empty(host.Questions);
            return error;
        }

        /// <summary>A bare "origin" (GitSandbox, bare) and a clone of it at &lt;root&gt;/app; origin also has the branch remote-only, which the clone has only as origin/remote-only.</summary>
        internal static (GitSandbox Sandbox, string Clone) CloneWithRemote()
        {
            var sb = GitSandbox.Create("origin.git", bare: true);
            var clone = Path.Combine(sb.Root, "app");
            sb.Git(sb.Root, "clone", "-q", sb.RepoPath, clone);
            sb.Git(clone, "checkout", "-q", "-b", "tmp");
            sb.CommitFile(clone, "remote.txt", "on the remote\n", "remote work");
            sb.Git(clone, "push", "-q", "origin", "tmp:remote-only");
            sb.Git(clone, "checkout", "-q", "main");
            sb.Git(clone, "branch", "-q", "-D", "tmp");
            sb.Git(clone, "fetch", "-q", "origin");
            return (sb, clone);
        }

        internal static string Sha(string directory, string rev) => GitSandbox.TryGit(directory, "rev-parse", "--verify", "--quiet", rev).Stdout.Trim();

        internal static bool BranchExists(string directory, string branch) => GitSandbox.TryGit(directory, "rev-parse", "--verify", "--quiet", "refs/heads/" + branch).Code == 0;

        /// <summary>`git config --get` of <paramref name="name"/>, or null when unset (exit code 1).</summary>
        internal static string? Config(string directory, string name)
        {
            var r = GitSandbox.TryGit(directory, "config", "--get", name);
            return r.Code == 0 ? r.Stdout.Trim() : null;
        }
    }
}
