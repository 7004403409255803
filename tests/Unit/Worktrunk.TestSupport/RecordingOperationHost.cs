using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using Worktrunk.Diagnostics;
using Worktrunk.Operations;

namespace Worktrunk.TestSupport
{
    /// <summary>
    /// An <see cref="IOperationHost"/> for core tests of an operation without a runspace: records
    /// every ShouldProcess question, output, error, warning and verbose line, and every location
    /// move; answers ShouldProcess with <see cref="Approve"/> (all yes by default; false for
    /// everything under <see cref="IsWhatIf"/>, as PowerShell does).
    /// </summary>
    internal sealed class RecordingOperationHost : IOperationHost, IDiagnosticSink
    {
        private readonly CancellationTokenSource _cancel = new CancellationTokenSource();

        internal RecordingOperationHost(string? location = null, bool whatIf = false)
        {
            CurrentLocation = location;
            IsWhatIf = whatIf;
        }

        /// <summary>Gets or sets the answer to each ShouldProcess(target, action); ignored under -WhatIf.</summary>
        internal Func<string, string, bool> Approve { get; set; } = (_, _) => true;

        /// <summary>Gets every ShouldProcess question asked, in order.</summary>
        internal List<(string Target, string Action)> Questions { get; } = new List<(string, string)>();

        internal List<object> Outputs { get; } = new List<object>();

        internal List<(WorktrunkException Error, object? Target)> Errors { get; } = new List<(WorktrunkException, object?)>();

        internal List<string> Warnings { get; } = new List<string>();

        internal List<string> VerboseLines { get; } = new List<string>();

        /// <summary>Gets every SetLocation call, in order.</summary>
        internal List<string> Moves { get; } = new List<string>();

        public IDiagnosticSink Sink => this;

        public CancellationToken Cancellation => _cancel.Token;

        public bool IsWhatIf { get; }

        public string? CurrentLocation { get; private set; }

        /// <summary>Presses Ctrl+C.</summary>
        internal void Cancel() => _cancel.Cancel();

        public bool ShouldProcess(string target, string action)
        {
            lock (Questions)
            {
                Questions.Add((target, action));
            }

            return !IsWhatIf && Approve(target, action);
        }

        public void SetLocation(string directory)
        {
            if (!Directory.Exists(directory))
            {
                throw new WorktrunkException(ErrorIds.SetLocationFailed, ErrorKind.ObjectNotFound, "No such directory: " + directory, directory);
            }

            Moves.Add(directory);
            CurrentLocation = directory;
        }

        public void Output(object item) => Outputs.Add(item);

        public void Error(WorktrunkException error, object? target) => Errors.Add((error, target));

        public void Verbose(string message)
        {
            lock (VerboseLines)
            {
                VerboseLines.Add(message);
            }
        }

        public void Warning(string message)
        {
            lock (Warnings)
            {
                Warnings.Add(message);
            }
        }

        public void Debug(string message)
        {
        }

        public void Progress(int activityId, string activity, string status, int percent, bool completed)
        {
        }
    }
}
