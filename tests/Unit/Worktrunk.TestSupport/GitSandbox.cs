using System;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace Worktrunk.TestSupport
{
    /// <summary>
    /// A fresh temporary directory holding a real git repository (branch main, one commit), with
    /// hermetic git. Linked worktrees go beside the repository. Deleted on Dispose.
    /// </summary>
    public sealed class GitSandbox : IDisposable
    {
        private GitSandbox(string root, string repo)
        {
            Root = root;
            RepoPath = repo;
        }

        /// <summary>The temporary directory holding everything (canonical).</summary>
        public string Root { get; }

        /// <summary>The main worktree (or the bare repository).</summary>
        public string RepoPath { get; }

        /// <summary>The repository's common git directory.</summary>
        public string CommonDir => Directory.Exists(Path.Combine(RepoPath, ".git")) ? Path.Combine(RepoPath, ".git") : RepoPath;

        /// <summary>Creates a repository named <paramref name="name"/> (spaces and non-ASCII welcome) with one commit on main.</summary>
        public static GitSandbox Create(string name = "repo", bool bare = false)
        {
            Hermetic.Apply();
            var root = Path.Combine(Path.GetTempPath(), "wt-test-" + Guid.NewGuid().ToString("N").Substring(0, 10));
            Directory.CreateDirectory(root);
            root = Worktrunk.IO.PathUtil.Canonicalize(root);
            var repo = Path.Combine(root, name);
            if (!bare)
            {
                Directory.CreateDirectory(repo);
                var sandbox = new GitSandbox(root, repo);
                sandbox.Git(repo, "init", "-q", "-b", "main");
                sandbox.WriteFile(repo, "README.md", "# test\n");
                sandbox.Git(repo, "add", "README.md");
                sandbox.Git(repo, "commit", "-q", "-m", "initial");
                return sandbox;
            }
            else
            {
                // A bare repository with a first commit, made through a scratch clone.
                var seed = Path.Combine(root, "seed");
                Directory.CreateDirectory(seed);
                var sandbox = new GitSandbox(root, repo);
                sandbox.Git(seed, "init", "-q", "-b", "main");
                sandbox.WriteFile(seed, "README.md", "# test\n");
                sandbox.Git(seed, "add", "README.md");
                sandbox.Git(seed, "commit", "-q", "-m", "initial");
                sandbox.Git(root, "clone", "-q", "--bare", seed, repo);
                Directory.Delete(seed, true);
                return sandbox;
            }
        }

        /// <summary>Adds a linked worktree on a new branch, beside the repository; returns its path.</summary>
        public string AddWorktree(string branch, string? directoryName = null, string? from = null)
        {
            var dir = Path.Combine(Root, directoryName ?? "wt-" + branch.Replace('/', '-'));
            Git(RepoPath, "worktree", "add", "-q", "-b", branch, dir, from ?? "main");
            return dir;
        }

        public void WriteFile(string directory, string relativePath, string content)
        {
            var path = Path.Combine(directory, relativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content, new UTF8Encoding(false));
        }

        /// <summary>Writes a file, stages everything and commits in <paramref name="directory"/>.</summary>
        public void CommitFile(string directory, string relativePath, string content, string message = "change")
        {
            WriteFile(directory, relativePath, content);
            Git(directory, "add", "-A");
            Git(directory, "commit", "-q", "-m", message);
        }

        /// <summary>Runs hermetic git and returns stdout; throws with git's stderr on failure.</summary>
        public string Git(string directory, params string[] args)
        {
            var (code, stdout, stderr) = TryGit(directory, args);
            if (code != 0)
            {
                throw new InvalidOperationException($"git {string.Join(" ", args)} failed ({code}) in {directory}: {stderr}");
            }

            return stdout;
        }

        /// <summary>Runs hermetic git and returns its exit code and output.</summary>
        public static (int Code, string Stdout, string Stderr) TryGit(string directory, params string[] args) => TryGitWith("git", directory, args);

        /// <summary>Runs <paramref name="git"/> (another git executable) hermetically; its exit code and output.</summary>
        public static (int Code, string Stdout, string Stderr) TryGitWith(string git, string directory, params string[] args)
        {
            Hermetic.Apply();
            var psi = new ProcessStartInfo(git)
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            foreach (var kv in Hermetic.Variables)
            {
                psi.Environment[kv.Key] = kv.Value;
            }

            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output, err.Result);
        }

        public void Dispose()
        {
            TestFiles.DeleteTree(Root);
        }
    }
}
