using System.Diagnostics;
using System.Text;
using Worktrunk.TestSupport;

namespace Worktrunk.PowerShell.Tests
{
    /// <summary>Runs the Worktrunk.Shell console host (the README's way to use the module without pwsh) as a real process.</summary>
    internal static class ShellRun
    {
        internal static (int Code, string Stdout, string Stderr) Run(string workingDirectory, string command)
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
            psi.ArgumentList.Add("-NonInteractive");
            psi.ArgumentList.Add("-Command");
            psi.ArgumentList.Add(command);
            psi.Environment["COLUMNS"] = "200";
            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(60000))
            {
                p.Kill(true);
            }

            return (p.ExitCode, output, err.Result);
        }
    }
}
