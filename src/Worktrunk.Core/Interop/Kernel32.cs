// Contract: the Windows system calls of the tether (Job Objects, CreateProcessW, console control
// events, GetFileAttributesW). Declared only; nothing here decides policy (see
// Tether/WindowsJobTree.cs). Never called on Unix; callers check Platform.IsWindows first.
// Structures are laid out for both 32- and 64-bit processes (pointer-sized fields are IntPtr or
// UIntPtr); Worktrunk.Core.Tests pins their sizes and offsets against the Windows SDK headers.

using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Worktrunk.Interop
{
    /// <summary>Windows P/Invoke for the tether.</summary>
    internal static class Kernel32
    {
        private const string Lib = "kernel32.dll";

        internal const uint INVALID_FILE_ATTRIBUTES = 0xFFFFFFFF;
        internal const int ERROR_FILE_NOT_FOUND = 2;
        internal const int ERROR_PATH_NOT_FOUND = 3;

        internal const int JobObjectBasicAccountingInformation = 1;
        internal const int JobObjectExtendedLimitInformation = 9;
        internal const uint JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x00002000;

        internal const uint CREATE_SUSPENDED = 0x00000004;
        internal const uint CREATE_NEW_PROCESS_GROUP = 0x00000200;
        internal const uint CREATE_UNICODE_ENVIRONMENT = 0x00000400;
        internal const uint CREATE_BREAKAWAY_FROM_JOB = 0x01000000;
        internal const uint CREATE_NO_WINDOW = 0x08000000;

        internal const int STARTF_USESTDHANDLES = 0x00000100;
        internal const int STD_OUTPUT_HANDLE = -11;
        internal const int STD_ERROR_HANDLE = -12;
        internal const uint HANDLE_FLAG_INHERIT = 0x00000001;

        internal const uint CTRL_BREAK_EVENT = 1;
        internal const uint WAIT_OBJECT_0 = 0;

        internal const uint GENERIC_READ = 0x80000000;
        internal const uint FILE_APPEND_DATA = 0x00000004;
        internal const uint FILE_SHARE_READ = 0x1;
        internal const uint FILE_SHARE_WRITE = 0x2;
        internal const uint FILE_SHARE_DELETE = 0x4;
        internal const uint OPEN_EXISTING = 3;
        internal const uint OPEN_ALWAYS = 4;

        internal static readonly IntPtr InvalidHandle = new IntPtr(-1);

        [StructLayout(LayoutKind.Sequential)]
        internal struct JOBOBJECT_BASIC_LIMIT_INFORMATION
        {
            public long PerProcessUserTimeLimit;
            public long PerJobUserTimeLimit;
            public uint LimitFlags;
            public UIntPtr MinimumWorkingSetSize;
            public UIntPtr MaximumWorkingSetSize;
            public uint ActiveProcessLimit;
            public UIntPtr Affinity;
            public uint PriorityClass;
            public uint SchedulingClass;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct IO_COUNTERS
        {
            public ulong ReadOperationCount;
            public ulong WriteOperationCount;
            public ulong OtherOperationCount;
            public ulong ReadTransferCount;
            public ulong WriteTransferCount;
            public ulong OtherTransferCount;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct JOBOBJECT_EXTENDED_LIMIT_INFORMATION
        {
            public JOBOBJECT_BASIC_LIMIT_INFORMATION BasicLimitInformation;
            public IO_COUNTERS IoInfo;
            public UIntPtr ProcessMemoryLimit;
            public UIntPtr JobMemoryLimit;
            public UIntPtr PeakProcessMemoryUsed;
            public UIntPtr PeakJobMemoryUsed;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct JOBOBJECT_BASIC_ACCOUNTING_INFORMATION
        {
            public long TotalUserTime;
            public long TotalKernelTime;
            public long ThisPeriodTotalUserTime;
            public long ThisPeriodTotalKernelTime;
            public uint TotalPageFaultCount;
            public uint TotalProcesses;
            public uint ActiveProcesses;
            public uint TotalTerminatedProcesses;
        }

        [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
        internal struct STARTUPINFOW
        {
            public int cb;
            public IntPtr lpReserved;
            public IntPtr lpDesktop;
            public IntPtr lpTitle;
            public int dwX;
            public int dwY;
            public int dwXSize;
            public int dwYSize;
            public int dwXCountChars;
            public int dwYCountChars;
            public int dwFillAttribute;
            public int dwFlags;
            public short wShowWindow;
            public short cbReserved2;
            public IntPtr lpReserved2;
            public IntPtr hStdInput;
            public IntPtr hStdOutput;
            public IntPtr hStdError;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct PROCESS_INFORMATION
        {
            public IntPtr hProcess;
            public IntPtr hThread;
            public int dwProcessId;
            public int dwThreadId;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct SECURITY_ATTRIBUTES
        {
            public int nLength;
            public IntPtr lpSecurityDescriptor;
            public int bInheritHandle;
        }

        [DllImport(Lib, SetLastError = true, CharSet = CharSet.Unicode)]
        internal static extern IntPtr CreateJobObjectW(IntPtr lpJobAttributes, string? lpName);

        [DllImport(Lib, SetLastError = true)]
        internal static extern bool SetInformationJobObject(IntPtr hJob, int infoClass, ref JOBOBJECT_EXTENDED_LIMIT_INFORMATION info, int length);

        [DllImport(Lib, SetLastError = true)]
        internal static extern bool QueryInformationJobObject(IntPtr hJob, int infoClass, out JOBOBJECT_BASIC_ACCOUNTING_INFORMATION info, int length, IntPtr returnLength);

        [DllImport(Lib, SetLastError = true)]
        internal static extern bool AssignProcessToJobObject(IntPtr hJob, IntPtr hProcess);

        [DllImport(Lib, SetLastError = true)]
        internal static extern bool TerminateJobObject(IntPtr hJob, uint exitCode);

        [DllImport(Lib, SetLastError = true, CharSet = CharSet.Unicode)]
        internal static extern bool CreateProcessW(
            string? applicationName,
            StringBuilder commandLine,
            IntPtr processAttributes,
            IntPtr threadAttributes,
            bool inheritHandles,
            uint creationFlags,
            IntPtr environment,
            string? currentDirectory,
            ref STARTUPINFOW startupInfo,
            out PROCESS_INFORMATION processInformation);

        [DllImport(Lib, SetLastError = true, CharSet = CharSet.Unicode)]
        internal static extern IntPtr CreateFileW(string fileName, uint desiredAccess, uint shareMode, ref SECURITY_ATTRIBUTES securityAttributes, uint creationDisposition, uint flagsAndAttributes, IntPtr templateFile);

        [DllImport(Lib, SetLastError = true)]
        internal static extern uint ResumeThread(IntPtr hThread);

        [DllImport(Lib, SetLastError = true)]
        internal static extern bool TerminateProcess(IntPtr hProcess, uint exitCode);

        [DllImport(Lib, SetLastError = true)]
        internal static extern bool CloseHandle(IntPtr handle);

        [DllImport(Lib, SetLastError = true)]
        internal static extern uint WaitForSingleObject(IntPtr handle, uint milliseconds);

        [DllImport(Lib, SetLastError = true)]
        internal static extern bool GetExitCodeProcess(IntPtr hProcess, out uint exitCode);

        [DllImport(Lib, SetLastError = true)]
        internal static extern bool GenerateConsoleCtrlEvent(uint ctrlEvent, uint processGroupId);

        [DllImport(Lib, SetLastError = true)]
        internal static extern IntPtr GetStdHandle(int stdHandle);

        [DllImport(Lib, SetLastError = true)]
        internal static extern bool SetHandleInformation(IntPtr handle, uint mask, uint flags);

        [DllImport(Lib, SetLastError = true, CharSet = CharSet.Unicode)]
        internal static extern uint GetFileAttributesW(string fileName);
        // ---- Tether identity (Tether/PathWatch.cs): the watched worktree's volume serial and file index. ----
        internal const uint FILE_FLAG_BACKUP_SEMANTICS = 0x02000000;
        internal const uint FILE_FLAG_OPEN_REPARSE_POINT = 0x00200000;
        internal static readonly IntPtr INVALID_HANDLE_VALUE = new IntPtr(-1);

        /// <summary>52 bytes: the FILETIMEs are pairs of DWORDs, 4-byte aligned (hence Pack = 4).</summary>
        [StructLayout(LayoutKind.Sequential, Pack = 4)]
        internal struct BY_HANDLE_FILE_INFORMATION
        {
            public uint FileAttributes;
            public long CreationTime;
            public long LastAccessTime;
            public long LastWriteTime;
            public uint VolumeSerialNumber;
            public uint FileSizeHigh;
            public uint FileSizeLow;
            public uint NumberOfLinks;
            public uint FileIndexHigh;
            public uint FileIndexLow;
        }

        [DllImport(Lib, SetLastError = true)]
        internal static extern bool GetFileInformationByHandle(IntPtr file, out BY_HANDLE_FILE_INFORMATION information);
    }
}
