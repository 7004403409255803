using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using Worktrunk.TestSupport;

namespace Worktrunk.PowerShell.Tests
{
    /// <summary>Runs the Worktrunk.Shell console host (the README's way to use the module without pwsh) as a real process.</summary>
    internal static class ShellRun
    {
        /// <summary>Runs <paramref name="command"/> non-interactively, 200 columns wide, bounded at a minute.</summary>
        internal static (int Code, string Stdout, string Stderr) Run(string workingDirectory, string command) =>
            Run(workingDirectory, new[] { "-NonInteractive", "-Command", command }, new Dictionary<string, string?> { ["COLUMNS"] = "200" }, TimeSpan.FromMinutes(1));

        /// <summary>Runs the shell with <paramref name="arguments"/>; <paramref name="environment"/> changes its environment (null removes a variable).</summary>
        internal static (int Code, string Stdout, string Stderr) Run(string workingDirectory, IEnumerable<string> arguments, IDictionary<string, string?> environment, TimeSpan timeout)
        {
            Hermetic.Apply();
            var psi = new ProcessStartInfo(RepoPaths.ShellExecutable)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                StandardOutputEncoding = Encoding.UTF8,
            };
            foreach (var a in arguments)
            {
                psi.ArgumentList.Add(a);
            }

            foreach (var kv in environment)
            {
                if (kv.Value == null)
                {
                    psi.Environment.Remove(kv.Key);
                }
                else
                {
                    psi.Environment[kv.Key] = kv.Value;
                }
            }

            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit((int)timeout.TotalMilliseconds))
            {
                p.Kill(true);
            }

            return (p.ExitCode, output, err.Result);
        }
    }
}
