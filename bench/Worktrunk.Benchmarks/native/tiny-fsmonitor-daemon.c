/*
 * A minimal stand-in fsmonitor daemon for the discovery benchmark (SocketDiscoveryBenchmarks.cs),
 * for scales where neither git's real daemon (one inotify instance each; Linux allows 128 per
 * user by default, shared with every other run on the machine) nor the .NET stand-in (about
 * 23 MB each) fits 1,000 times. Started with argv exactly `git fsmonitor--daemon run` (argv[0]
 * set by the spawner); like git's daemon it holds only a handful of descriptors: it listens on
 * the Unix socket named by WT_TINY_SOCKET, accepts and closes every connection, and never
 * signals anything. It exits when the process that started it (WT_TINY_PARENT) is gone, so an
 * aborted benchmark leaves nothing behind. Compiled by the benchmark with `cc -O2` (Linux).
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(void)
{
    const char *path = getenv("WT_TINY_SOCKET");
    const char *parent_text = getenv("WT_TINY_PARENT");
    pid_t parent = parent_text ? (pid_t)atoi(parent_text) : 0;
    struct sockaddr_un addr;
    struct pollfd pfd;
    int fd;

    if (!path || strlen(path) >= sizeof addr.sun_path)
        return 2;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strcpy(addr.sun_path, path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 16) != 0)
        return 3;
    pfd.fd = fd;
    pfd.events = POLLIN;
    for (;;) {
        if (parent && getppid() != parent)
            return 0;
        if (poll(&pfd, 1, 1000) > 0) {
            int c = accept(fd, NULL, NULL);
            if (c >= 0)
                close(c);
        }
    }
}
