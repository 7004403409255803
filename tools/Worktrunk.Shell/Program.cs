using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace Worktrunk.Shell
{
    /// <summary>
    /// Entry point: runs a script (-Command) or a read-eval-print loop in a PowerShell 7.6
    /// runspace with the Worktrunk module imported, rendering results through Out-Default.
    /// Exit code: the script's `exit N`, else 1 when any error was written, else 0.
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            var nonInteractive = false;
            var importModule = true;
            string? command = null;
            string? module = Environment.GetEnvironmentVariable("WORKTRUNK_MODULE");
            for (var i = 0; i < args.Length; i++)
            {
                var a = args[i];
                if (Is(a, "-NoProfile") || Is(a, "-NoLogo"))
                {
                    continue;
                }

                if (Is(a, "-NonInteractive"))
                {
                    nonInteractive = true;
                }
                else if (Is(a, "-NoModule"))
                {
                    importModule = false;
                }
                else if (Is(a, "-Module") && i + 1 < args.Length)
                {
                    module = args[++i];
                }
                else if (Is(a, "-Command") || Is(a, "-c"))
                {
                    command = string.Join(" ", args, i + 1, args.Length - i - 1);
                    break;
                }
                else if (Is(a, "-Help") || a == "-?" || a == "--help")
                {
                    Console.WriteLine("Worktrunk.Shell [-NonInteractive] [-NoModule] [-Module <psd1>] [-Command <script...>]");
                    return 0;
                }
                else
                {
                    command = string.Join(" ", args, i, args.Length - i);
                    break;
                }
            }

            var plain = Console.IsOutputRedirected || Environment.GetEnvironmentVariable("NO_COLOR") != null;
            var host = new ShellHost(nonInteractive || command != null && Console.IsInputRedirected, plain);
            using var runspace = RunspaceFactory.CreateRunspace(host, InitialSessionState.CreateDefault2());
            runspace.Open();

            if (plain)
            {
                Run(runspace, host, "$PSStyle.OutputRendering = 'PlainText'");
            }

            if (importModule)
            {
                module ??= FindModule();
                if (module == null)
                {
                    Console.Error.WriteLine("Cannot find the Worktrunk module. Run `dotnet build` first, or pass -Module <path to Worktrunk.psd1>.");
                    return 2;
                }

                if (Run(runspace, host, "Import-Module -Name $args[0] -ErrorAction Stop", module) != 0)
                {
                    return 2;
                }
            }

            if (command != null)
            {
                var code = Run(runspace, host, command);
                return host.ExitCode ?? code;
            }

            return Repl(runspace, host);
        }

        private static int Repl(Runspace runspace, ShellHost host)
        {
            Console.Error.WriteLine("Worktrunk.Shell on PowerShell " + typeof(PSObject).Assembly.GetName().Version + ". Ctrl+C stops a command; `exit` leaves.");
            while (host.ExitCode == null)
            {
                Console.Write("PS " + runspace.SessionStateProxy.Path.CurrentLocation.Path + "> ");
                var line = Console.ReadLine();
                if (line == null)
                {
                    break;
                }

                if (line.Trim().Length > 0)
                {
                    Run(runspace, host, line);
                }
            }

            return host.ExitCode ?? 0;
        }

        private static int Run(Runspace runspace, ShellHost host, string script, params object[] arguments)
        {
            using var ps = PowerShell.Create();
            ps.Runspace = runspace;
            ps.AddScript(script);
            foreach (var a in arguments)
            {
                ps.AddArgument(a);
            }

            ps.Commands.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
            ps.AddCommand("Out-Default");

            ConsoleCancelEventHandler stop = (_, e) =>
            {
                e.Cancel = true;
                ps.BeginStop(null, null);
            };
            Console.CancelKeyPress += stop;
            try
            {
                ps.Invoke();
            }
            catch (RuntimeException e)
            {
                host.UI.WriteErrorLine(e.ErrorRecord?.ToString() ?? e.Message);
                return 1;
            }
            finally
            {
                Console.CancelKeyPress -= stop;
            }

            return ps.HadErrors ? 1 : 0;
        }

        private static bool Is(string arg, string name) => string.Equals(arg, name, StringComparison.OrdinalIgnoreCase);

        /// <summary>The laid-out module: beside this program's checkout (artifacts/module/Worktrunk).</summary>
        private static string? FindModule()
        {
            for (var dir = AppContext.BaseDirectory; dir != null; dir = Path.GetDirectoryName(dir))
            {
                var candidate = Path.Combine(dir, "artifacts", "module", "Worktrunk", "Worktrunk.psd1");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }
    }
}
