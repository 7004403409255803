namespace Worktrunk.Diagnostics
{
    /// <summary>Error ids of the trash folder.</summary>
    internal static partial class ErrorIds
    {
        internal const string NotATrashEntry = nameof(NotATrashEntry);
    }
}
