using System;

namespace Worktrunk.Diagnostics
{
    /// <summary>
    /// The one exception type the core throws on purpose. It carries a stable error id (one of
    /// <see cref="ErrorIds"/>), a kind that maps to a PowerShell ErrorCategory, the object the
    /// failure is about, and an optional hint telling the user what to do next. It always keeps
    /// the inner exception.
    /// </summary>
    internal sealed class WorktrunkException : Exception
    {
        internal WorktrunkException(string errorId, ErrorKind kind, string message, object? target = null, string? hint = null, Exception? inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Kind = kind;
            Target = target;
            Hint = hint;
        }

        /// <summary>Stable PascalCase identifier; part of the module's API.</summary>
        internal string ErrorId { get; }

        internal ErrorKind Kind { get; }

        internal object? Target { get; }

        internal string? Hint { get; }
    }
}
