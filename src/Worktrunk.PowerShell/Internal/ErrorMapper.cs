using System;
using System.Management.Automation;
using Worktrunk.Diagnostics;

namespace Worktrunk.PowerShell.Internal
{
    /// <summary>The one place core failures become PowerShell ErrorRecords.</summary>
    internal static class ErrorMapper
    {
        internal static ErrorCategory ToCategory(ErrorKind kind) => kind switch
        {
            ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
            ErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
            ErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
            ErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
            ErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
            ErrorKind.ResourceBusy => ErrorCategory.ResourceBusy,
            ErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
            ErrorKind.NotSupported => ErrorCategory.NotImplemented,
            ErrorKind.WriteError => ErrorCategory.WriteError,
            ErrorKind.ReadError => ErrorCategory.ReadError,
            ErrorKind.OperationStopped => ErrorCategory.OperationStopped,
            _ => ErrorCategory.NotSpecified,
        };

        /// <summary>Builds the record: the core's id, its category, its target (or <paramref name="fallbackTarget"/>), and its hint as the recommended action.</summary>
        internal static ErrorRecord ToErrorRecord(WorktrunkException e, object? fallbackTarget = null)
        {
            var record = new ErrorRecord(e, e.ErrorId, ToCategory(e.Kind), e.Target ?? fallbackTarget);
            if (e.Hint != null)
            {
                record.ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = e.Hint };
            }

            return record;
        }

        /// <summary>A record for a failure detected in the cmdlet layer itself.</summary>
        internal static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target, string? hint = null, Exception? inner = null)
        {
            var kind = category switch
            {
                ErrorCategory.InvalidArgument => ErrorKind.InvalidArgument,
                ErrorCategory.ObjectNotFound => ErrorKind.ObjectNotFound,
                _ => ErrorKind.InvalidOperation,
            };
            var exception = new WorktrunkException(errorId, kind, message, target, hint, inner);
            var record = new ErrorRecord(exception, errorId, category, target);
            if (hint != null)
            {
                record.ErrorDetails = new ErrorDetails(message) { RecommendedAction = hint };
            }

            return record;
        }
    }
}
