namespace Worktrunk.Diagnostics
{
    /// <summary>
    /// The kind of a core failure. The cmdlet layer maps each to one PowerShell ErrorCategory
    /// (see Worktrunk.PowerShell/Internal/ErrorMapper.cs), so the core needs no PowerShell reference.
    /// </summary>
    internal enum ErrorKind
    {
        InvalidArgument,
        ObjectNotFound,
        InvalidOperation,
        PermissionDenied,
        ResourceUnavailable,
        ResourceBusy,
        OperationTimeout,
        NotSupported,
        WriteError,
        ReadError,
        OperationStopped,
    }
}
