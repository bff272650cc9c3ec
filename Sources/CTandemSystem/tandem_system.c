#define _GNU_SOURCE
#include "tandem_system.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <linux/sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <netdb.h>
#include <stdio.h>
#include <time.h>
#include <stdint.h>

extern char **environ;

/// Closes the descriptors from `from` up to `to` (inclusive), with close_range where the kernel has it.
static void close_between(int from, int to) {
    if (from > to) return;
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)from, (unsigned)to, 0) == 0) return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    for (int fd = from; fd <= to && fd < max; fd++) close(fd);
}

/// Closes every descriptor from 3 up, except `keep` and `also` (-1 for none).
static void close_all_but(int keep, int also) {
    int low = keep < also ? keep : also;
    int high = keep < also ? also : keep;
    if (low < 0) low = high;
    close_between(3, low - 1);
    if (high != low) close_between(low + 1, high - 1);
    close_between(high + 1, ~0U >> 1);
}

static int move_to(int fd, int target) {
    if (fd < 0) {
        int null = open("/dev/null", O_RDWR);
        if (null < 0) return -1;
        if (null != target) {
            if (dup2(null, target) < 0) return -1;
            close(null);
        }
        return 0;
    }
    if (fd == target) {
        int flags = fcntl(fd, F_GETFD);
        return fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
    return dup2(fd, target) < 0 ? -1 : 0;
}

/// The descriptor limit the supervisor's processes get when the supervisor raised its own (keeper.c);
/// `rlim_max` 0 when it did not.
struct rlimit tandem_children_nofile = {0, 0};

/// The child's side of a spawn, between fork and exec; never returns.
static void spawn_child(char *const argv[], char *const envp[], const char *directory, int stdin_fd, int stdout_fd, int stderr_fd,
                        const int *cgroup_procs_fds, int cgroup_count, int notify_fd, int notify_target, pid_t parent, int reporter) {
    int failure = 0;
    // Die with the supervisor, even when it is killed with SIGKILL.
    // (In the unit's PID namespace the parent is outside it, and getppid() says 0.)
    pid_t now_parent = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || (now_parent != parent && now_parent != 0)) _exit(127);
    if (setsid() < 0) failure = errno;
    // "0" moves the writer itself: into the groups it was not cloned into, before it can fork.
    for (int index = 0; !failure && index < cgroup_count; index++) {
        if (write(cgroup_procs_fds[index], "0", 1) != 1) failure = errno;
    }
    // The parent blocked every signal around the clone: the supervisor's handlers (the signal relay) go
    // first, then the child gets the empty mask its program expects.
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    // Move the descriptors out of 0-2 first, so that one target does not overwrite another source.
    int in = stdin_fd >= 0 ? fcntl(stdin_fd, F_DUPFD_CLOEXEC, 3) : -1;
    int out = stdout_fd >= 0 ? fcntl(stdout_fd, F_DUPFD_CLOEXEC, 3) : -1;
    int err = stderr_fd >= 0 ? fcntl(stderr_fd, F_DUPFD_CLOEXEC, 3) : -1;
    if (!failure && (move_to(in, 0) || move_to(out, 1) || move_to(err, 2))) failure = errno;
    int report = reporter;
    if (!failure && notify_fd >= 0) {
        // The report pipe may sit on the target number: move it away first.
        if (report == notify_target) report = fcntl(report, F_DUPFD_CLOEXEC, 3);
        if (report < 0 || move_to(notify_fd, notify_target)) failure = errno;
    }
    // Everything above 2 but the report pipe (and the notify descriptor) closes; the report pipe
    // closes itself on exec.
    if (!failure) close_all_but(report, notify_fd >= 0 ? notify_target : -1);
    if (!failure && directory && chdir(directory) != 0) failure = errno;
    // A limit above 1024 breaks programs that select(): the processes get the limit the supervisor had.
    if (!failure && tandem_children_nofile.rlim_max != 0) setrlimit(RLIMIT_NOFILE, &tandem_children_nofile);
    if (!failure) {
        execvpe(argv[0], argv, envp ? envp : environ);
        failure = errno;
    }
    (void)!write(report >= 0 ? report : reporter, &failure, sizeof failure);
    _exit(127);
}

struct spawn_call {
    char *const *argv;
    char *const *envp;
    const char *directory;
    int stdin_fd, stdout_fd, stderr_fd;
    const int *cgroup_procs_fds;
    int cgroup_count;
    int notify_fd, notify_target;
    pid_t parent;
    int reporter;
};

static int spawn_trampoline(void *context) {
    struct spawn_call *call = context;
    spawn_child(call->argv, call->envp, call->directory, call->stdin_fd, call->stdout_fd, call->stderr_fd, call->cgroup_procs_fds,
                call->cgroup_count, call->notify_fd, call->notify_target, call->parent, call->reporter);
    return 127;
}

#if defined(__x86_64__) && defined(SYS_clone3)
#define TANDEM_CLONE3_VFORK 1
/// clone3 as vfork: the child shares the memory and runs `run(context)` on its own stack while the
/// calling thread waits for its exec. Returns the child's pid (or -errno) in the caller.
static long clone3_vfork(struct clone_args *args, int (*run)(void *), void *context) {
    long result;
    register void *function __asm__("r12") = (void *)run;
    register void *argument __asm__("r13") = context;
    __asm__ volatile(
        "syscall\n\t"
        "test %%rax, %%rax\n\t"
        "jnz 1f\n\t"
        // The child, on its own stack (16-byte aligned by the caller): run, then exit with the result.
        "xor %%ebp, %%ebp\n\t"
        "mov %%r13, %%rdi\n\t"
        "call *%%r12\n\t"
        "mov %%eax, %%edi\n\t"
        "mov $60, %%eax\n\t"
        "syscall\n\t"
        "hlt\n\t"
        "1:\n\t"
        : "=a"(result)
        : "0"((long)SYS_clone3), "D"(args), "S"(sizeof *args), "r"(function), "r"(argument)
        : "rcx", "r11", "memory");
    return result;
}

/// The stack of the spawning child: spawns are one at a time (every one on the spawning thread, and the
/// caller waits), so one serves them all.
static _Alignas(64) unsigned char child_stack[64 * 1024];
#endif

pid_t tandem_spawn(char *const argv[], char *const envp[], const char *directory, int stdin_fd, int stdout_fd, int stderr_fd, int cgroup_dir_fd,
                   const int *cgroup_procs_fds, int cgroup_count, int notify_fd, int notify_target, int *error) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        *error = errno;
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = -1;
    // Until it has reset them, the child has the supervisor's signal handlers: a signal then (a terminal's
    // Ctrl-C reaches the supervisor's process group, which the child is in until its setsid) would be
    // relayed from the child as if the supervisor had it. Blocked around the clone, as glibc's posix_spawn
    // does; the child starts with this mask, whatever the parent's is afterwards.
    sigset_t all, before;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &before);
    int extra[8];
    int extra_count = 0;
    for (int index = 0; index < cgroup_count && extra_count < 8; index++) extra[extra_count++] = cgroup_procs_fds[index];
    int procs_of_dir = -1;
#ifdef SYS_clone3
    if (cgroup_dir_fd >= 0) {
        // Born in its cgroup (CLONE_INTO_CGROUP, Linux 5.7): moving a running task takes the cgroup
        // rwsem for writing, an RCU grace period of some milliseconds per spawn; a fork copies page tables
        // instead, a few hundred microseconds for the supervisor.
        struct clone_args args;
        memset(&args, 0, sizeof args);
        args.flags = CLONE_INTO_CGROUP;
        args.exit_signal = SIGCHLD;
        args.cgroup = (unsigned long long)cgroup_dir_fd;
#ifdef TANDEM_CLONE3_VFORK
        // As vfork does: no page tables copied, no copy-on-write faults for the supervisor afterwards.
        struct spawn_call call = {argv, envp, directory, stdin_fd, stdout_fd, stderr_fd, extra, extra_count, notify_fd, notify_target, parent, report[1]};
        args.flags |= CLONE_VM | CLONE_VFORK;
        args.stack = (unsigned long long)(uintptr_t)child_stack;
        args.stack_size = sizeof child_stack;
        long result = clone3_vfork(&args, spawn_trampoline, &call);
        if (result < 0) {
            errno = (int)-result;
            pid = -1;
        } else {
            pid = (pid_t)result;
        }
#else
        (void)spawn_trampoline;
        pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
        if (pid == 0) {
            spawn_child(argv, envp, directory, stdin_fd, stdout_fd, stderr_fd, extra, extra_count, notify_fd, notify_target, parent, report[1]);
        }
#endif
    }
#endif
    if (pid < 0) {
        if (cgroup_dir_fd >= 0) {
            // No clone3 here: the child joins by writing cgroup.procs.
            procs_of_dir = openat(cgroup_dir_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
            if (procs_of_dir < 0) {
                *error = errno;
                close(report[0]);
                close(report[1]);
                pthread_sigmask(SIG_SETMASK, &before, NULL);
                return -1;
            }
            if (extra_count < 8) extra[extra_count++] = procs_of_dir;
        }
        // vfork: the parent waits while the child execs, and no page tables are copied. The child only
        // makes system calls before exec.
        pid = vfork();
        if (pid == 0) {
            spawn_child(argv, envp, directory, stdin_fd, stdout_fd, stderr_fd, extra, extra_count, notify_fd, notify_target, parent, report[1]);
        }
    }
    // (pthread_sigmask returns its error; errno still says why a clone failed.)
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    if (procs_of_dir >= 0) close(procs_of_dir);
    if (pid < 0) {
        *error = errno;
        close(report[0]);
        close(report[1]);
        return -1;
    }
    close(report[1]);
    int failure = 0;
    ssize_t got;
    do {
        got = read(report[0], &failure, sizeof failure);
    } while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == sizeof failure) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *error = failure;
        return -1;
    }
    return pid;
}

int tandem_join_mount_namespace(int mount_namespace_fd) {
    // A thread shares its process's filesystem attributes; with its own, it may change its mount namespace.
    if (unshare(CLONE_FS) != 0) return -1;
    return setns(mount_namespace_fd, CLONE_NEWNS);
}

int tandem_set_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1);
}

int tandem_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

int tandem_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int tandem_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

static long long milliseconds_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/// Connects to host:port (a name or an address, the first that answers) before the deadline.
static int connect_host(const char *host, int port, long long deadline) {
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo *found = NULL;
    int resolved = getaddrinfo(host, service, &hints, &found);
    if (resolved != 0) {
        errno = resolved == EAI_SYSTEM ? errno : EHOSTUNREACH;
        return -1;
    }
    int fd = -1;
    int problem = ECONNREFUSED;
    for (struct addrinfo *entry = found; entry && fd < 0; entry = entry->ai_next) {
        fd = socket(entry->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) continue;
        if (connect(fd, entry->ai_addr, entry->ai_addrlen) == 0) break;
        if (errno == EINPROGRESS) {
            struct pollfd waiter = {.fd = fd, .events = POLLOUT};
            long long left = deadline - milliseconds_now();
            int ready = left > 0 ? poll(&waiter, 1, (int)left) : 0;
            socklen_t length = sizeof problem;
            if (ready == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &problem, &length) == 0 && problem == 0) break;
            if (ready == 0) problem = ETIMEDOUT;
        } else {
            problem = errno;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    if (fd < 0) errno = problem;
    return fd;
}

/// Connects to 127.0.0.1:port within the deadline; returns the socket or -1.
static int connect_loopback(int port, long long deadline) {
    return connect_host("127.0.0.1", port, deadline);
}

int tandem_tcp_probe(int port, int timeout_ms) {
    int fd = connect_loopback(port, milliseconds_now() + timeout_ms);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

/// Sends all of `data` before the deadline; 0, or -1 with errno (ETIMEDOUT when time ran out).
static int send_all(int fd, const char *data, size_t size, long long deadline) {
    size_t sent = 0;
    while (sent < size) {
        struct pollfd waiter = {.fd = fd, .events = POLLOUT};
        long long left = deadline - milliseconds_now();
        int ready = left > 0 ? poll(&waiter, 1, (int)left) : 0;
        if (ready < 0 && errno == EINTR) continue;
        if (ready != 1) {
            if (ready == 0) errno = ETIMEDOUT;
            return -1;
        }
        ssize_t wrote = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
        if (wrote < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (wrote <= 0) return -1;
        sent += (size_t)wrote;
    }
    return 0;
}

/// Reads a reply until the server closes (up to 1 MiB, so that closing never resets a connection with
/// unread data, which some servers log as an error) and returns its HTTP status, or -1 with errno.
static int read_status(int fd, long long deadline) {
    char reply[64];
    char rest[4096];
    int received = 0;
    long total = 0;
    while (total < (1 << 20)) {
        struct pollfd waiter = {.fd = fd, .events = POLLIN};
        long long left = deadline - milliseconds_now();
        int ready = left > 0 ? poll(&waiter, 1, (int)left) : 0;
        if (ready < 0 && errno == EINTR) continue;
        if (ready != 1) {
            if (ready == 0) errno = ETIMEDOUT;
            if (received >= 12) break;
            return -1;
        }
        ssize_t got;
        if (received < (int)sizeof reply - 1) {
            got = recv(fd, reply + received, sizeof reply - 1 - (size_t)received, 0);
            if (got > 0) received += (int)got;
        } else {
            got = recv(fd, rest, sizeof rest, 0);
        }
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (got <= 0) break;
        total += got;
    }
    reply[received] = 0;
    int status = 0;
    if (received < 12 || sscanf(reply, "HTTP/%*d.%*d %d", &status) != 1) {
        errno = EPROTO;
        return -1;
    }
    return status;
}

int tandem_http_probe(int port, const char *path, int timeout_ms) {
    long long deadline = milliseconds_now() + timeout_ms;
    int fd = connect_loopback(port, deadline);
    if (fd < 0) return -1;
    char request[2048];
    int size = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: localhost:%d\r\nUser-Agent: tandem-probe\r\nConnection: close\r\n\r\n", path, port);
    int status = size > 0 && size < (int)sizeof request && send_all(fd, request, (size_t)size, deadline) == 0 ? read_status(fd, deadline) : -1;
    close(fd);
    return status;
}

int tandem_http_post(const char *host, int port, const char *path, const char *content_type, const char *extra_header, const char *body, size_t length,
                     int timeout_ms) {
    long long deadline = milliseconds_now() + timeout_ms;
    int fd = connect_host(host, port, deadline);
    if (fd < 0) return -1;
    char head[4096];
    int size = snprintf(head, sizeof head,
                        "POST %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: tandem\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s%sConnection: close\r\n\r\n", path,
                        host, port, content_type, length, extra_header ? extra_header : "", extra_header && *extra_header ? "\r\n" : "");
    if (size <= 0 || size >= (int)sizeof head) {
        close(fd);
        errno = ENAMETOOLONG;
        return -1;
    }
    int status = send_all(fd, head, (size_t)size, deadline) == 0 && send_all(fd, body, length, deadline) == 0 ? read_status(fd, deadline) : -1;
    int saved = errno;
    close(fd);
    errno = saved;
    return status;
}

static int unix_address(const char *path, struct sockaddr_un *address) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof address->sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(address->sun_path, path);
    return 0;
}

int tandem_unix_listen(const char *path) {
    struct sockaddr_un address;
    if (unix_address(path, &address) != 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    // Only this user may connect: the socket stops and restarts the unit (its folder is private too).
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || chmod(path, 0600) != 0 || listen(fd, 16) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int tandem_accept(int listener) {
    return accept4(listener, NULL, NULL, SOCK_CLOEXEC);
}

int tandem_unix_connect(const char *path) {
    struct sockaddr_un address;
    if (unix_address(path, &address) != 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}
