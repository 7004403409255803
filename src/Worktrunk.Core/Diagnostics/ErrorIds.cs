namespace Worktrunk.Diagnostics
{
    /// <summary>
    /// Every error id the module can emit, declared once. Ids are an API: scripts match on
    /// FullyQualifiedErrorId, so an id is never renamed or reused for another meaning. Each
    /// feature area adds its ids in its own part of this partial class (ErrorIds.*.cs).
    /// </summary>
    internal static partial class ErrorIds
    {
        // Repository and path resolution.
        internal const string NotARepository = nameof(NotARepository);
        internal const string PathNotFound = nameof(PathNotFound);
        internal const string NotAFileSystemPath = nameof(NotAFileSystemPath);
        internal const string WorktreeNotFound = nameof(WorktreeNotFound);

        /// <summary>The session's location could not be moved (IOperationHost.SetLocation); an operation that needs the move wraps it in its own id.</summary>
        internal const string SetLocationFailed = nameof(SetLocationFailed);

        // External commands.
        internal const string CommandNotFound = nameof(CommandNotFound);
        internal const string CommandTimedOut = nameof(CommandTimedOut);
        internal const string CommandFailed = nameof(CommandFailed);
        internal const string CommandStopped = nameof(CommandStopped);
        internal const string SpawnFailed = nameof(SpawnFailed);
        internal const string GitOutputUnreadable = nameof(GitOutputUnreadable);

        // Input validation (appended by the input work of issue 9).

        /// <summary>A path parameter (-Path, -Repository, -WorkingDirectory, -FilePath, ...) holds a character no path can contain (NUL; on Windows also the other invalid path characters). Terminating; nothing is done.</summary>
        internal const string InvalidPath = nameof(InvalidPath);

        /// <summary>An argument for a child process holds a NUL, which a C argv cannot carry (it would be silently cut there). Nothing is started.</summary>
        internal const string InvalidCommandArgument = nameof(InvalidCommandArgument);
    }
}
