using System;
using System.Collections.Generic;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Processes;

namespace Worktrunk.Git
{
    /// <summary>Whether a git call may change the repository; read-only calls take no optional locks.</summary>
    internal enum GitAccess
    {
        ReadOnly,
        Mutating,
    }

    /// <summary>
    /// Builds every git invocation Worktrunk makes, and runs it through <see cref="ProcessRunner"/>.
    /// Read-only calls pass --no-optional-locks (so a listing never contends with the user's own
    /// git); every call passes -c core.quotepath=false and colour off, runs in the directory it is
    /// about, never prompts, and has inherited GIT_DIR/GIT_WORK_TREE-style variables removed so a
    /// call relocated into a worktree talks to that worktree.
    /// Every call also passes -c core.fsmonitor=false: a git that would consult the fsmonitor
    /// daemon (status, diff, worktree add/remove: anything that refreshes the index) neither waits
    /// on a wedged daemon nor starts one where none ran; without the daemon git scans the worktree
    /// itself, so its answer is the same, only slower on huge trees. `git fsmonitor--daemon
    /// stop`/`status` ignore the setting (they talk to the socket directly; checked with git 2.55).
    /// </summary>
    internal sealed class GitRunner
    {
        /// <summary>Variables that would redirect git away from the directory a call runs in.</summary>
        private static readonly string[] ScrubbedVariables =
        {
            "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX", "GIT_OBJECT_DIRECTORY", "GIT_NAMESPACE", "GIT_CEILING_DIRECTORIES",
        };

        /// <summary>The setting every call passes so git neither waits on nor starts an fsmonitor daemon.</summary>
        internal const string NoFsmonitor = "core.fsmonitor=false";

        internal GitRunner(IDiagnosticSink sink, CancellationToken cancellation = default, TimeSpan? timeout = null)
        {
            Sink = sink;
            Cancellation = cancellation;
            Timeout = timeout ?? TimeSpan.FromSeconds(60);
        }

        internal IDiagnosticSink Sink { get; }

        internal CancellationToken Cancellation { get; }

        internal TimeSpan Timeout { get; }

        /// <summary>The program run as git; tests and unusual installs may point it elsewhere.</summary>
        internal string GitExecutable { get; set; } = "git";

        /// <summary>The same runner (program, timeout) reporting to <paramref name="sink"/> and stopped by <paramref name="cancellation"/>.</summary>
        internal GitRunner Derive(IDiagnosticSink sink, CancellationToken cancellation) => new GitRunner(sink, cancellation, Timeout) { GitExecutable = GitExecutable };

        /// <summary>
        /// Runs git in <paramref name="workingDirectory"/> and returns the result, whatever the exit
        /// code. <paramref name="stdin"/>, when given, is git's whole input (small: a ref transaction),
        /// shown to -Verbose as <paramref name="stdinDisplay"/>.
        /// </summary>
        internal CommandResult Run(string workingDirectory, GitAccess access, IReadOnlyList<string> args, TimeSpan? timeout = null, byte[]? stdin = null, string? stdinDisplay = null)
        {
            var options = Options(workingDirectory, access, args);
            options.StdinBytes = stdin;
            options.StdinDisplay = stdinDisplay;
            return ProcessRunner.Run(options, timeout ?? Timeout, Sink, Cancellation);
        }

        /// <summary>
        /// Runs a pipeline of git calls in <paramref name="workingDirectory"/> (each stage's output is
        /// the next one's input, no shell: <see cref="ProcessRunner.RunPipeline"/>) and returns the
        /// last stage's result; a stage that failed fails the whole. Paths in the stages' output keep
        /// git's configured quoting (no -c core.quotepath=false), so the text is what the same
        /// pipeline typed in a shell prints (patch ids hash it).
        /// </summary>
        internal CommandResult RunPipeline(string workingDirectory, GitAccess access, params IReadOnlyList<string>[] stages)
        {
            var options = new List<SpawnOptions>(stages.Length);
            foreach (var args in stages)
            {
                options.Add(Options(workingDirectory, access, args, keepPathQuoting: true));
            }

            return ProcessRunner.RunPipeline(options, Timeout, Sink, Cancellation);
        }

        /// <summary>One git call as every call is built: fixed settings first, the scrubbed environment.</summary>
        private SpawnOptions Options(string workingDirectory, GitAccess access, IReadOnlyList<string> args, bool keepPathQuoting = false)
        {
            var argv = new List<string>(args.Count + 8);
            if (access == GitAccess.ReadOnly)
            {
                argv.Add("--no-optional-locks");
            }

            if (!keepPathQuoting)
            {
                argv.Add("-c");
                argv.Add("core.quotepath=false");
            }

            argv.Add("-c");
            argv.Add("color.ui=false");
            argv.Add("-c");
            argv.Add(NoFsmonitor);
            argv.AddRange(args);

            var options = new SpawnOptions(GitExecutable, argv) { WorkingDirectory = workingDirectory };
            ApplyEnvironment(options);
            return options;
        }

        /// <summary>
        /// The environment every git process gets: redirecting variables (GIT_DIR, GIT_WORK_TREE, ...)
        /// removed and prompts off.
        /// </summary>
        private static void ApplyEnvironment(SpawnOptions options)
        {
            foreach (var name in ScrubbedVariables)
            {
                options.Environment[name] = null;
            }

            options.Environment["GIT_TERMINAL_PROMPT"] = "0";
        }

        /// <summary>Runs git and returns stdout; a non-zero exit throws CommandFailed carrying git's own message.</summary>
        internal string RunChecked(string workingDirectory, GitAccess access, IReadOnlyList<string> args, TimeSpan? timeout = null)
        {
            var result = Run(workingDirectory, access, args, timeout);
            if (!result.Succeeded)
            {
                throw Failure(result, workingDirectory);
            }

            return result.Stdout;
        }

        /// <summary>The exception for a git call that failed: git's stderr is the message.</summary>
        internal static WorktrunkException Failure(CommandResult result, object? target)
        {
            var detail = result.Stderr.Trim();
            if (detail.Length == 0)
            {
                detail = "exit code " + result.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return new WorktrunkException(ErrorIds.CommandFailed, ErrorKind.InvalidOperation, $"{result.CommandLine} failed: {detail}", target);
        }
    }
}
