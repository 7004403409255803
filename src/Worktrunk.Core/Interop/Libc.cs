// Contract: the only place Worktrunk calls the C library. Every Unix system call the module makes
// (signals, process groups, posix_spawn, pipes, poll, pidfd, lstat) is declared here, so the
// platform surface can be audited in one file. Nothing here decides policy: callers in
// Processes/ and Daemons/ own the data-safety and signal-discipline rules.
// Platform: Linux (glibc, musl) and macOS. Never called on Windows; callers check
// Platform.IsUnix first. Structures whose layout differs between platforms (sigset_t,
// posix_spawnattr_t, posix_spawn_file_actions_t, struct stat) are passed as opaque, generously
// sized buffers that libc initializes itself.

using System;
using System.Runtime.InteropServices;

namespace Worktrunk.Interop
{
    internal static unsafe class Libc
    {
        // Strings marshal as LPStr, which .NET on Unix encodes as UTF-8.
        private const string Lib = "libc";

        internal const int SIGHUP = 1;
        internal const int SIGINT = 2;
        internal const int SIGKILL = 9;
        internal const int SIGPIPE = 13;
        internal const int SIGTERM = 15;

        internal const int ESRCH = 3;
        internal const int EINTR = 4;
        internal const int EPERM = 1;
        internal const int ENOENT = 2;
        internal const int EAGAIN_LINUX = 11;
        internal const int ECHILD = 10;

        internal const int WNOHANG = 1;

        internal const short POLLIN = 0x001;

        internal const int F_SETFD = 2;
        internal const int FD_CLOEXEC = 1;
        internal const int O_RDONLY = 0;
        internal const int O_WRONLY = 1;

        /// <summary>posix_spawn flags. Values differ only for SETSID between Linux (glibc) and macOS.</summary>
        internal const short POSIX_SPAWN_SETPGROUP = 0x02;
        internal const short POSIX_SPAWN_SETSIGDEF = 0x04;
        internal const short POSIX_SPAWN_SETSIGMASK = 0x08;
        internal static short POSIX_SPAWN_SETSID => Platform.IsMacOS ? (short)0x0400 : (short)0x80;

        /// <summary>Opaque-buffer size that covers sigset_t, posix_spawnattr_t and file actions on every supported libc.</summary>
        internal const int OpaqueSize = 1024;

        [StructLayout(LayoutKind.Sequential)]
        internal struct PollFd
        {
            public int Fd;
            public short Events;
            public short REvents;
        }

        [DllImport(Lib, SetLastError = true)] internal static extern int kill(int pid, int sig);
        [DllImport(Lib, SetLastError = true)] internal static extern int killpg(int pgrp, int sig);
        [DllImport(Lib, SetLastError = true)] internal static extern int getpgid(int pid);
        [DllImport(Lib, SetLastError = true)] internal static extern int getpid();
        [DllImport(Lib, SetLastError = true)] internal static extern int waitpid(int pid, out int status, int options);
        [DllImport(Lib, SetLastError = true)] internal static extern int pipe(int* fds);
        [DllImport(Lib, SetLastError = true)] internal static extern int close(int fd);
        [DllImport(Lib, SetLastError = true)] internal static extern IntPtr read(int fd, byte* buf, IntPtr count);
        [DllImport(Lib, SetLastError = true)] internal static extern int poll(PollFd* fds, UIntPtr nfds, int timeout);
        [DllImport(Lib, SetLastError = true)] internal static extern int fcntl(int fd, int cmd, int arg);
        [DllImport(Lib, SetLastError = true)] internal static extern int lstat(string path, byte* buf);
        [DllImport(Lib, SetLastError = true)] internal static extern long syscall(long number, long a, long b, long c, long d);
        [DllImport(Lib, SetLastError = true)] internal static extern IntPtr realpath(string path, IntPtr resolved);
        [DllImport(Lib)] internal static extern void free(IntPtr ptr);

        [DllImport(Lib, SetLastError = true)]
        internal static extern int posix_spawn(out int pid, string path, IntPtr fileActions, IntPtr attr, IntPtr argv, IntPtr envp);

        [DllImport(Lib)] internal static extern int posix_spawn_file_actions_init(IntPtr actions);
        [DllImport(Lib)] internal static extern int posix_spawn_file_actions_destroy(IntPtr actions);
        [DllImport(Lib)] internal static extern int posix_spawn_file_actions_adddup2(IntPtr actions, int fd, int newfd);
        [DllImport(Lib)] internal static extern int posix_spawn_file_actions_addclose(IntPtr actions, int fd);
        [DllImport(Lib)] internal static extern int posix_spawn_file_actions_addopen(IntPtr actions, int fd, string path, int oflag, int mode);
        [DllImport(Lib)] internal static extern int posix_spawn_file_actions_addchdir_np(IntPtr actions, string path);

        [DllImport(Lib)] internal static extern int posix_spawnattr_init(IntPtr attr);
        [DllImport(Lib)] internal static extern int posix_spawnattr_destroy(IntPtr attr);
        [DllImport(Lib)] internal static extern int posix_spawnattr_setflags(IntPtr attr, short flags);
        [DllImport(Lib)] internal static extern int posix_spawnattr_setpgroup(IntPtr attr, int pgroup);
        [DllImport(Lib)] internal static extern int posix_spawnattr_setsigmask(IntPtr attr, IntPtr sigmask);
        [DllImport(Lib)] internal static extern int posix_spawnattr_setsigdefault(IntPtr attr, IntPtr sigdefault);

        [DllImport(Lib)] internal static extern int sigemptyset(IntPtr set);
        [DllImport(Lib)] internal static extern int sigaddset(IntPtr set, int signo);

        /// <summary>Linux syscall numbers; pidfd_open and pidfd_send_signal use the same number on every architecture.</summary>
        internal const long SYS_pidfd_send_signal = 424;
        internal const long SYS_pidfd_open = 434;

        internal static int Errno => Marshal.GetLastWin32Error();

        /// <summary>Marks a descriptor close-on-exec so no spawned child inherits it by accident.</summary>
        internal static void SetCloseOnExec(int fd) => fcntl(fd, F_SETFD, FD_CLOEXEC);

        // ---- Daemons ----
        // fsmonitor daemon discovery and identity-checked signalling (src/Worktrunk.Core/Daemons/).

        /// <summary>sysconf name for clock ticks per second on Linux (glibc and musl).</summary>
        internal const int SC_CLK_TCK_LINUX = 2;

        /// <summary>macOS proc_pidinfo flavor that fills a struct proc_bsdinfo (136 bytes).</summary>
        internal const int PROC_PIDTBSDINFO = 3;

        /// <summary>Size of macOS struct proc_bsdinfo; pbi_status is at offset 4, pbi_start_tvsec at 120, pbi_start_tvusec at 128.</summary>
        internal const int ProcBsdInfoSize = 136;

        /// <summary>macOS pbi_status value of a zombie.</summary>
        internal const int SZOMB = 5;

        internal const int ENOSYS_LINUX = 38;

        internal const int EACCES = 13;

        [DllImport(Lib, SetLastError = true)] internal static extern IntPtr readlink(string path, byte* buf, IntPtr size);
        [DllImport(Lib, SetLastError = true)] internal static extern long sysconf(int name);
        [DllImport(Lib, SetLastError = true)] internal static extern int proc_pidinfo(int pid, int flavor, ulong arg, byte* buffer, int buffersize);

        /// <summary>O_CLOEXEC on Linux (x86-64 and arm64 alike).</summary>
        internal const int O_CLOEXEC_LINUX = 0x80000;

        /// <summary>O_CLOEXEC on macOS.</summary>
        internal const int O_CLOEXEC_MACOS = 0x1000000;

        /// <summary>Offset of d_name in struct dirent on Linux (glibc and musl, 64-bit): ino 8, off 8, reclen 2, type 1.</summary>
        internal const int DirentNameOffset = 19;

        [DllImport(Lib, EntryPoint = "open", SetLastError = true)] internal static extern int open_bytes(byte* path, int flags);
        [DllImport(Lib, SetLastError = true)] internal static extern IntPtr readlinkat(int dirfd, byte* path, byte* buf, IntPtr size);
        [DllImport(Lib, SetLastError = true)] internal static extern int dirfd(IntPtr dir);
        [DllImport(Lib, EntryPoint = "opendir", SetLastError = true)] internal static extern IntPtr opendir_bytes(byte* path);
        [DllImport(Lib, SetLastError = true)] internal static extern IntPtr readdir(IntPtr dir);
        [DllImport(Lib, SetLastError = true)] internal static extern int closedir(IntPtr dir);

        // ---- Tether ----
        // For src/Worktrunk.Core/Tether/: waitid with WNOWAIT sees that a group leader exited
        // without reaping it (its PID, the group id, cannot be recycled during the final sweep);
        // pipe2 makes a close-on-exec pipe with no window in which another thread's spawn could
        // inherit it; write feeds the guardian's pipe.

        /// <summary>waitid idtype P_PID (the same value on Linux and macOS).</summary>
        internal const int P_PID = 1;
        internal const int WEXITED = 0x04;
        internal const int ENOTDIR = 20;

        internal static int WNOWAIT => Platform.IsMacOS ? 0x20 : 0x01000000;

        internal static int O_CLOEXEC => Platform.IsMacOS ? 0x01000000 : 0x80000;

        /// <summary>siginfo_t is 128 bytes on Linux and 104 on macOS; this buffer size covers both.</summary>
        internal const int SigInfoSize = 256;

        /// <summary>Offset of si_pid in siginfo_t: after si_signo, si_errno, si_code (plus union alignment on 64-bit Linux).</summary>
        internal static int SigInfoPidOffset => Platform.IsMacOS ? 12 : (IntPtr.Size == 8 ? 16 : 12);

        [DllImport(Lib, SetLastError = true)] internal static extern int waitid(int idtype, int id, byte* infop, int options);
        [DllImport(Lib, SetLastError = true)] internal static extern int pipe2(int* fds, int flags);
        [DllImport(Lib, SetLastError = true)] internal static extern IntPtr write(int fd, byte* buf, IntPtr count);

        // ---- Renames ----
        // For src/Worktrunk.Core/IO/NoReplaceRename.cs: a rename the kernel refuses when the
        // destination exists (Linux renameat2 RENAME_NOREPLACE, glibc 2.28+; macOS renamex_np
        // RENAME_EXCL), so moving a directory into the trash can never replace anything.

        internal const int AT_FDCWD_LINUX = -100;
        internal const uint RENAME_NOREPLACE_LINUX = 1;
        internal const uint RENAME_EXCL_MACOS = 0x4;
        internal const int EEXIST = 17;
        internal const int EXDEV = 18;
        internal const int EINVAL = 22;
        internal const int ENOTSUP_MACOS = 45;
        internal const int ENOTEMPTY_LINUX = 39;
        internal const int ENOTEMPTY_MACOS = 66;

        [DllImport(Lib, SetLastError = true)] internal static extern int renameat2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);
        [DllImport(Lib, SetLastError = true)] internal static extern int renamex_np(string from, string to, uint flags);

        // ---- Safe filesystem ----
        // For src/Worktrunk.Core/IO/SafeDirectory.cs and SafeDelete.cs: every path Worktrunk creates,
        // moves into or deletes under a repository is reached by directory descriptors, component by
        // component, never following a symlink (openat O_NOFOLLOW|O_DIRECTORY, statx/fstatat
        // AT_SYMLINK_NOFOLLOW, mkdirat, unlinkat, renameat2/renameatx_np, fdopendir/readdir), and the
        // removal lock is flock(2) on the common directory's descriptor. Paths are passed as
        // NUL-terminated bytes so a name that is not valid UTF-8 is deleted as it is.
        // Linux: statx (glibc 2.28+), whose struct layout is the same on every architecture; the
        // open flags differ between x86-64 and arm64 (FileFlags). macOS: fstatat with the 64-bit-inode
        // struct stat (the `$INODE64` symbols on x86-64), its own flags and errno values; compiled and
        // unit-tested for constant selection only, not run here.

        /// <summary>The flag and errno values of one platform and architecture, chosen once (<see cref="Fs"/>).</summary>
        internal sealed class FileFlags
        {
            internal int ODirectory;
            internal int ONoFollow;
            internal int OCloexec;
            internal int OCreat;
            internal int OExcl;
            internal int OAppend;
            internal int AtFdCwd;
            internal int AtSymlinkNoFollow;
            internal int AtRemoveDir;
            internal int ELoop;
            internal int EWouldBlock;
            internal int ENotEmpty;
            internal bool MacOS;

            /// <summary>The values for <paramref name="macOS"/> (else Linux) on <paramref name="architecture"/>; null where unknown.</summary>
            internal static FileFlags? For(bool macOS, Architecture architecture)
            {
                if (macOS)
                {
                    return new FileFlags
                    {
                        ODirectory = 0x100000, ONoFollow = 0x100, OCloexec = 0x1000000, OCreat = 0x200, OExcl = 0x800, OAppend = 0x8,
                        AtFdCwd = -2, AtSymlinkNoFollow = 0x20, AtRemoveDir = 0x80, ELoop = 62, EWouldBlock = 35, ENotEmpty = 66, MacOS = true,
                    };
                }

                var f = new FileFlags
                {
                    OCloexec = 0x80000, OCreat = 0x40, OExcl = 0x80, OAppend = 0x400,
                    AtFdCwd = -100, AtSymlinkNoFollow = 0x100, AtRemoveDir = 0x200, ELoop = 40, EWouldBlock = 11, ENotEmpty = 39,
                };
                switch (architecture)
                {
                    case Architecture.X64:
                    case Architecture.X86:
                        f.ODirectory = 0x10000; // 0200000
                        f.ONoFollow = 0x20000;  // 0400000
                        return f;
                    case Architecture.Arm64:
                    case Architecture.Arm:
                        f.ODirectory = 0x4000;  // 040000
                        f.ONoFollow = 0x8000;   // 0100000
                        return f;
                    default:
                        return null;
                }
            }
        }

        private static FileFlags? s_fs;

        /// <summary>This process's flag values; throws PlatformNotSupportedException on an architecture whose values are not known.</summary>
        internal static FileFlags Fs => s_fs ??= FileFlags.For(Platform.IsMacOS, RuntimeInformation.ProcessArchitecture)
            ?? throw new PlatformNotSupportedException("Worktrunk does not know this architecture's open(2) flags: " + RuntimeInformation.ProcessArchitecture);

        internal const int LOCK_EX = 2;
        internal const int LOCK_NB = 4;
        internal const int S_IFMT = 0xF000;
        internal const int S_IFDIR = 0x4000;
        internal const int S_IFREG = 0x8000;
        internal const int S_IFLNK = 0xA000;

        /// <summary>Linux statx: AT_EMPTY_PATH (stat the descriptor itself) and the mask of the basic fields.</summary>
        internal const int AT_EMPTY_PATH_LINUX = 0x1000;
        internal const uint STATX_BASIC_STATS = 0x7ff;

        /// <summary>Size of the stat buffer passed to statx (256 bytes) and macOS fstatat (144 bytes).</summary>
        internal const int StatBufferSize = 256;

        /// <summary>Offsets in struct statx (Linux, every architecture).</summary>
        internal const int StatxUid = 20, StatxMode = 28, StatxIno = 32, StatxSize = 40, StatxDevMajor = 136, StatxDevMinor = 140;

        /// <summary>Offsets in macOS struct stat (64-bit inodes): st_dev 0 (int32), st_mode 4, st_ino 8, st_uid 16, st_size 96.</summary>
        internal const int MacStatDev = 0, MacStatMode = 4, MacStatIno = 8, MacStatUid = 16, MacStatSize = 96;

        /// <summary>Offset of d_name in macOS struct dirent (64-bit inodes): ino 8, seekoff 8, reclen 2, namlen 2, type 1.</summary>
        internal const int MacDirentNameOffset = 21;

        [DllImport(Lib, SetLastError = true)] internal static extern uint geteuid();
        [DllImport(Lib, SetLastError = true)] internal static extern int flock(int fd, int operation);
        [DllImport(Lib, SetLastError = true)] internal static extern int fchmod(int fd, uint mode);
        [DllImport(Lib, EntryPoint = "openat", SetLastError = true)] internal static extern int openat_bytes(int dirfd, byte* path, int flags, uint mode);
        [DllImport(Lib, EntryPoint = "mkdirat", SetLastError = true)] internal static extern int mkdirat_bytes(int dirfd, byte* path, uint mode);
        [DllImport(Lib, EntryPoint = "unlinkat", SetLastError = true)] internal static extern int unlinkat_bytes(int dirfd, byte* path, int flags);
        [DllImport(Lib, EntryPoint = "renameat2", SetLastError = true)] internal static extern int renameat2_bytes(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, uint flags);
        [DllImport(Lib, EntryPoint = "renameatx_np", SetLastError = true)] internal static extern int renameatx_np_bytes(int fromfd, byte* from, int tofd, byte* to, uint flags);
        [DllImport(Lib, EntryPoint = "statx", SetLastError = true)] internal static extern int statx_bytes(int dirfd, byte* path, int flags, uint mask, byte* buf);
        [DllImport(Lib, EntryPoint = "fstatat", SetLastError = true)] internal static extern int fstatat_macos_arm64(int dirfd, byte* path, byte* buf, int flags);
        [DllImport(Lib, EntryPoint = "fstatat$INODE64", SetLastError = true)] internal static extern int fstatat_macos_x64(int dirfd, byte* path, byte* buf, int flags);
        [DllImport(Lib, EntryPoint = "fstat", SetLastError = true)] internal static extern int fstat_macos_arm64(int fd, byte* buf);
        [DllImport(Lib, EntryPoint = "fstat$INODE64", SetLastError = true)] internal static extern int fstat_macos_x64(int fd, byte* buf);
        [DllImport(Lib, SetLastError = true)] internal static extern IntPtr fdopendir(int fd);
        [DllImport(Lib, EntryPoint = "fdopendir$INODE64", SetLastError = true)] internal static extern IntPtr fdopendir_macos_x64(int fd);
        [DllImport(Lib, EntryPoint = "readdir$INODE64", SetLastError = true)] internal static extern IntPtr readdir_macos_x64(IntPtr dir);
        [DllImport(Lib)] internal static extern int posix_spawn_file_actions_addfchdir_np(IntPtr actions, int fd);

        // ---- Daemon stop (Daemons/DaemonSignaller.cs) ----
        // SIGCONT follows every SIGTERM, so a daemon stopped with SIGSTOP (a wedged daemon, or one
        // a debugger holds) acts on the SIGTERM instead of waiting for the SIGKILL. Its number is
        // 18 on Linux and 19 on macOS.
        internal static int SIGCONT => Platform.IsMacOS ? 19 : 18;

        // ---- Socket peers and file identities (daemon discovery) ----
        // For src/Worktrunk.Core/Daemons/SocketPeers.cs and InotifyWatches.cs: a non-blocking
        // AF_UNIX connect to a listening fsmonitor socket, asked who listens on it (SO_PEERCRED,
        // and SO_PEERPIDFD on Linux 6.5+, a pidfd that pins that process) and at which address it
        // was bound (getpeername), and stat(2) for the
        // device and inode of a directory (struct stat: st_dev at 0 and st_ino at 8, 8 bytes each,
        // on 64-bit glibc and musl alike). Linux only.

        internal const int AF_UNIX = 1;
        internal const int SOCK_STREAM_LINUX = 1;
        internal const int SOCK_NONBLOCK_LINUX = 0x800;
        internal const int SOCK_CLOEXEC_LINUX = 0x80000;
        internal const int SOL_SOCKET_LINUX = 1;
        internal const int SO_PEERCRED_LINUX = 17;
        internal const int SO_PEERPIDFD_LINUX = 77;
        internal const int ENOPROTOOPT_LINUX = 92;

        /// <summary>sizeof(struct sockaddr_un) on Linux: sun_family (2) + sun_path (108).</summary>
        internal const int SockaddrUnSize = 110;

        /// <summary>A buffer that holds struct stat on every supported 64-bit libc.</summary>
        internal const int StatSize = 256;

        [DllImport(Lib, SetLastError = true)] internal static extern int socket(int domain, int type, int protocol);
        [DllImport(Lib, SetLastError = true)] internal static extern int connect(int fd, byte* addr, int addrlen);
        [DllImport(Lib, SetLastError = true)] internal static extern int getsockopt(int fd, int level, int name, byte* value, int* length);
        [DllImport(Lib, SetLastError = true)] internal static extern int getpeername(int fd, byte* addr, int* addrlen);
        [DllImport(Lib, SetLastError = true)] internal static extern int stat(string path, byte* buf);

        // ---- Tether identity ----
        // For src/Worktrunk.Core/Tether/PathWatch.cs: the watched worktree is identified by device
        // and inode (struct stat st_dev, st_ino), and pinned by a descriptor opened on it for the
        // tether's life so its inode number cannot be reused by a directory recreated at the same
        // path. Names carry a Tether prefix so they cannot collide with other areas' additions.
        // struct stat: Linux 64-bit (x86-64 and arm64 alike) st_dev u64 at 0, st_ino u64 at 8;
        // macOS (64-bit inodes) st_dev i32 at 0, st_ino u64 at 8; x86-64 macOS needs the
        // $INODE64 entry points for that layout (the plain symbols are the legacy 32-bit one).

        /// <summary>open flags for the pin: Linux O_PATH | O_NOFOLLOW | O_CLOEXEC (O_PATH needs no read permission and opens a final symlink itself); macOS O_EVTONLY | O_NOFOLLOW | O_CLOEXEC (does not keep a volume from unmounting).</summary>
        internal static int TetherPinFlags => Platform.IsMacOS
            ? 0x8000 | TetherNoFollowFlag | O_CLOEXEC
            : 0x200000 | TetherNoFollowFlag | O_CLOEXEC;

        /// <summary>O_NOFOLLOW: Linux x86-64 0x20000, Linux arm/arm64 0x8000, macOS 0x100.</summary>
        internal static int TetherNoFollowFlag => Platform.IsMacOS ? 0x100
            : RuntimeInformation.ProcessArchitecture == Architecture.Arm64 || RuntimeInformation.ProcessArchitecture == Architecture.Arm ? 0x8000 : 0x20000;

        [DllImport(Lib, EntryPoint = "open", SetLastError = true)] internal static extern int TetherOpen(string path, int flags);
        [DllImport(Lib, EntryPoint = "fstat", SetLastError = true)] internal static extern int TetherFstat(int fd, byte* buf);
        [DllImport(Lib, EntryPoint = "fstat$INODE64", SetLastError = true)] internal static extern int TetherFstatInode64(int fd, byte* buf);
        [DllImport(Lib, EntryPoint = "lstat$INODE64", SetLastError = true)] internal static extern int TetherLstatInode64(string path, byte* buf);

        // Tether logs (Tether/TetherLogFile.cs) are created 0600 from birth: mkstemp creates a
        // file O_EXCL with mode 0600 (not variadic, unlike open, whose mode argument P/Invoke
        // cannot pass on Apple arm64); it is then renamed into place without replacing anything.
        // Appends open an existing log only (no O_CREAT), so a deleted log is never recreated
        // with the umask's mode.

        /// <summary>O_APPEND: Linux 0x400, macOS 0x8.</summary>
        internal static int TetherAppendFlag => Platform.IsMacOS ? 0x8 : 0x400;

        [DllImport(Lib, EntryPoint = "mkstemp", SetLastError = true)] internal static extern int TetherMkstemp(byte* template);

        // Spawned children get only descriptors 0, 1 and 2 (Processes/UnixSpawn): a descriptor the
        // host inherited without close-on-exec (a CI runner's pipe, a terminal) must not be kept
        // open by a daemon or a tethered server for its whole life. glibc 2.34+; macOS has no
        // such action (there inheritance stays as the host left it; compiled, not run here).
        [DllImport(Lib)] internal static extern int posix_spawn_file_actions_addclosefrom_np(IntPtr actions, int from);
    }
}
