namespace Worktrunk.Diagnostics
{
    /// <summary>Error ids of the trash folder and of the safe filesystem layer (IO/SafeDirectory).</summary>
    internal static partial class ErrorIds
    {
        internal const string NotATrashEntry = nameof(NotATrashEntry);

        /// <summary>A path Worktrunk creates, moves into or deletes under the repository (wt, wt/trash, a trash entry, wt/logs, a registration) is a symbolic link: never followed.</summary>
        internal const string RepositoryPathIsSymlink = nameof(RepositoryPathIsSymlink);

        /// <summary>Such a path belongs to another user (its owner is not this process's effective uid).</summary>
        internal const string RepositoryPathNotOwned = nameof(RepositoryPathNotOwned);

        /// <summary>Such a path is a file (or a device, a socket) where a directory belongs.</summary>
        internal const string RepositoryPathNotADirectory = nameof(RepositoryPathNotADirectory);

        /// <summary>A worktree's registration is not a real directory of &lt;common&gt;/worktrees owned by this user: it is left in place and nothing is deleted through it.</summary>
        internal const string UnsafeRegistration = nameof(UnsafeRegistration);
    }
}
