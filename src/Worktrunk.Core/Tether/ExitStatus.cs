using System.Globalization;

namespace Worktrunk.Tether
{
    /// <summary>Pure helpers that turn a wait status into what Start-WtTether reports.</summary>
    internal static class ExitStatus
    {
        /// <summary>Splits a waitpid status into an exit code or a signal (exactly one is set).</summary>
        internal static void Decode(int status, out int? exitCode, out int? signal)
        {
            var low = status & 0x7f;
            if (low == 0)
            {
                exitCode = (status >> 8) & 0xff;
                signal = null;
            }
            else
            {
                exitCode = null;
                signal = low;
            }
        }

        /// <summary>
        /// The $LASTEXITCODE value: the exit status; 128 + signal when a signal ended the command
        /// on its own (what a shell reports); 0 when Worktrunk tore the tree down on purpose; 1
        /// when the command exited but its status could not be collected.
        /// </summary>
        internal static int LastExitCode(WtTetherEndReason reason, int? exitCode, int? signal)
        {
            if (reason != WtTetherEndReason.Exited)
            {
                return 0;
            }

            if (signal.HasValue)
            {
                return 128 + signal.Value;
            }

            return exitCode ?? 1;
        }

        /// <summary>The conventional name of a signal number (Linux numbering; the common ones agree on macOS).</summary>
        internal static string SignalName(int signal) => signal switch
        {
            1 => "SIGHUP",
            2 => "SIGINT",
            3 => "SIGQUIT",
            4 => "SIGILL",
            5 => "SIGTRAP",
            6 => "SIGABRT",
            8 => "SIGFPE",
            9 => "SIGKILL",
            11 => "SIGSEGV",
            13 => "SIGPIPE",
            14 => "SIGALRM",
            15 => "SIGTERM",
            _ => "SIG" + signal.ToString(CultureInfo.InvariantCulture),
        };

        /// <summary>One line for logs and messages: "exit code 3", "signal 15 (SIGTERM)", "status unknown".</summary>
        internal static string Describe(int? exitCode, int? signal)
        {
            if (signal.HasValue)
            {
                return "signal " + signal.Value.ToString(CultureInfo.InvariantCulture) + " (" + SignalName(signal.Value) + ")";
            }

            return exitCode.HasValue ? "exit code " + exitCode.Value.ToString(CultureInfo.InvariantCulture) : "status unknown";
        }
    }
}
