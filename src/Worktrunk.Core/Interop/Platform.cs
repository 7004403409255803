using System.Runtime.InteropServices;

namespace Worktrunk.Interop
{
    /// <summary>Which operating system the module runs on; the one place that asks.</summary>
    internal static class Platform
    {
        internal static readonly bool IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
        internal static readonly bool IsMacOS = RuntimeInformation.IsOSPlatform(OSPlatform.OSX);
        internal static readonly bool IsLinux = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);
        internal static bool IsUnix => !IsWindows;
    }
}
