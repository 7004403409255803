using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using Worktrunk.TestSupport;
using Xunit;

namespace Worktrunk.PowerShell.Tests
{
    /// <summary>
    /// Runs a console host as a real process: Worktrunk.Shell (the small host over the engine, still the
    /// child host of the kill tests) or the real pwsh 7.6.9 the repository pins in .config/dotnet-tools.json.
    /// </summary>
    internal static class ShellRun
    {
        private static readonly Lazy<string> s_pwshDll = new Lazy<string>(FindPwsh);

        /// <summary>
        /// pwsh.dll of the pinned PowerShell tool, found through `dotnet pwsh` in the repository (so the tool
        /// manifest decides the version). Run as `dotnet pwsh.dll` it needs no tool lookup, so a test can
        /// give it a HOME of its own.
        /// </summary>
        internal static string PwshDll => s_pwshDll.Value;

        private static string FindPwsh()
        {
            var (code, stdout, stderr) = Execute("dotnet", RepoPaths.Root, new[] { "pwsh", "-NoProfile", "-NonInteractive", "-Command", "Join-Path $PSHOME pwsh.dll; $PSVersionTable.PSVersion.ToString()" }, new Dictionary<string, string?>(), TimeSpan.FromMinutes(2));
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (code != 0 || lines.Length < 2 || !File.Exists(lines[0].Trim()))
            {
                throw new InvalidOperationException("`dotnet pwsh` did not start: run `dotnet tool restore` in the repository (.config/dotnet-tools.json pins PowerShell 7.6.9). " + stderr);
            }

            Assert.Equal("7.6.9", lines[1].Trim());
            return lines[0].Trim();
        }

        /// <summary>Runs the pinned pwsh (-NoProfile -NonInteractive -Command) with <paramref name="environment"/> changes (null removes), bounded at two minutes.</summary>
        internal static (int Code, string Stdout, string Stderr) Pwsh(string workingDirectory, string command, IDictionary<string, string?> environment)
        {
            var changes = new Dictionary<string, string?> { ["POWERSHELL_TELEMETRY_OPTOUT"] = "1", ["POWERSHELL_UPDATECHECK"] = "Off" };
            foreach (var kv in environment)
            {
                changes[kv.Key] = kv.Value;
            }

            return Execute("dotnet", workingDirectory, new[] { PwshDll, "-NoProfile", "-NonInteractive", "-Command", command }, changes, TimeSpan.FromMinutes(2));
        }

        /// <summary>Runs <paramref name="command"/> non-interactively, 200 columns wide, bounded at a minute.</summary>
        internal static (int Code, string Stdout, string Stderr) Run(string workingDirectory, string command) =>
            Run(workingDirectory, new[] { "-NonInteractive", "-Command", command }, new Dictionary<string, string?> { ["COLUMNS"] = "200" }, TimeSpan.FromMinutes(1));

        /// <summary>Runs the shell with <paramref name="arguments"/>; <paramref name="environment"/> changes its environment (null removes a variable).</summary>
        internal static (int Code, string Stdout, string Stderr) Run(string workingDirectory, IEnumerable<string> arguments, IDictionary<string, string?> environment, TimeSpan timeout) =>
            Execute(RepoPaths.ShellExecutable, workingDirectory, arguments, environment, timeout);

        /// <summary>One child process: stdin closed, output captured, its PID killed at the end if it outlives <paramref name="timeout"/>.</summary>
        private static (int Code, string Stdout, string Stderr) Execute(string fileName, string workingDirectory, IEnumerable<string> arguments, IDictionary<string, string?> environment, TimeSpan timeout)
        {
            Hermetic.Apply();
            var psi = new ProcessStartInfo(fileName)
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

            using var processes = new TestProcesses();
            using var p = Process.Start(psi)!;
            processes.Track(p.Id);
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit((int)timeout.TotalMilliseconds))
            {
                // The host and what it started (by PID, from the process it is; TestProcesses then reaps the host).
                p.Kill(entireProcessTree: true);
                return (-1, string.Empty, $"timed out after {timeout}; killed");
            }

            return (p.ExitCode, output.Result, err.Result);
        }
    }
}
