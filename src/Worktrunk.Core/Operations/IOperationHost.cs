using System.Threading;
using Worktrunk.Diagnostics;

namespace Worktrunk.Operations
{
    /// <summary>
    /// What an operation needs from whoever runs it. Every operation of the module (one per
    /// cmdlet that does something: <c>WorktreeRemoval</c>, <c>RepositorySweep</c>,
    /// <c>DaemonStop</c>, <c>WorktreeCreation</c>, ...) is one entry point in the core that takes
    /// its inputs and this host, and nothing of PowerShell. A cmdlet is parameter binding plus
    /// one adapter (<c>Worktrunk.PowerShell.Internal.CmdletHost</c>); core tests run the same
    /// operation through <c>RecordingOperationHost</c> (tests/Unit/Worktrunk.TestSupport), which records
    /// every call and answers ShouldProcess as the test says.
    /// Rules for operations: ask <see cref="ShouldProcess"/> once per item that would change,
    /// with a real target; under <see cref="IsWhatIf"/> change nothing (ShouldProcess answers
    /// false then, and says what would happen); write results and per-item failures through
    /// <see cref="Output"/> and <see cref="Error"/> only on the thread that called the operation;
    /// honour <see cref="Cancellation"/> between steps (Ctrl+C).
    /// </summary>
    internal interface IOperationHost
    {
        /// <summary>Gets where progress, verbose lines (every external command) and warnings go.</summary>
        IDiagnosticSink Sink { get; }

        /// <summary>Gets the token cancelled on Ctrl+C (the pipeline stopping).</summary>
        CancellationToken Cancellation { get; }

        /// <summary>Gets a value indicating whether the caller asked what would happen (-WhatIf): nothing may change.</summary>
        bool IsWhatIf { get; }

        /// <summary>Gets the session's current filesystem location; null when the session is not on a filesystem path.</summary>
        string? CurrentLocation { get; }

        /// <summary>Asks whether to change <paramref name="target"/> by <paramref name="action"/> (-WhatIf, -Confirm).</summary>
        bool ShouldProcess(string target, string action);

        /// <summary>Moves the session's location (not the process's working directory); throws a WorktrunkException when it cannot.</summary>
        void SetLocation(string directory);

        /// <summary>Writes one result object.</summary>
        void Output(object item);

        /// <summary>Reports one failed item and carries on (a non-terminating error); <paramref name="target"/> is the item as the caller gave it.</summary>
        void Error(WorktrunkException error, object? target);
    }
}
