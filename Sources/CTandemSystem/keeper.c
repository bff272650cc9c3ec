#define _GNU_SOURCE
#include "tandem_system.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// The keeper is this program re-executed with these words; it runs before Swift's main (a constructor) and
// never returns to it, so that it costs a few pages, not a Swift runtime.
#define KEEPER_FLAG "--tandem-keeper"

static long long now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void pause_ms(int milliseconds) {
    struct timespec interval = {.tv_sec = milliseconds / 1000, .tv_nsec = (long)(milliseconds % 1000) * 1000000};
    while (nanosleep(&interval, &interval) != 0 && errno == EINTR) {}
}

static int write_text(const char *folder, const char *file, const char *text) {
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", folder, file) >= (int)sizeof path) return -1;
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t length = (ssize_t)strlen(text);
    ssize_t wrote = write(fd, text, (size_t)length);
    close(fd);
    return wrote == length ? 0 : -1;
}

/// SIGKILL to every pid in folder/cgroup.procs; returns how many it listed (-1 when it cannot be read).
static int kill_members(const char *folder) {
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/cgroup.procs", folder) >= (int)sizeof path) return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buffer[4096];
    int members = 0;
    long value = 0;
    int digits = 0;
    ssize_t got;
    while ((got = read(fd, buffer, sizeof buffer)) > 0 || (got < 0 && errno == EINTR)) {
        for (ssize_t index = 0; index < got; index++) {
            if (buffer[index] >= '0' && buffer[index] <= '9') {
                value = value * 10 + (buffer[index] - '0');
                digits++;
            } else if (digits) {
                if (value > 0) kill((pid_t)value, SIGKILL);
                members++;
                value = 0;
                digits = 0;
            }
        }
    }
    if (digits && value > 0) {
        kill((pid_t)value, SIGKILL);
        members++;
    }
    close(fd);
    return members;
}

/// Calls `visit` on `folder` and every cgroup below it, deepest first.
static int each_group(const char *folder, int (*visit)(const char *, void *), void *context) {
    int total = 0;
    DIR *directory = opendir(folder);
    if (directory) {
        struct dirent *entry;
        while ((entry = readdir(directory))) {
            if (entry->d_type != DT_DIR || entry->d_name[0] == '.') continue;
            char child[PATH_MAX];
            if (snprintf(child, sizeof child, "%s/%s", folder, entry->d_name) >= (int)sizeof child) continue;
            int found = each_group(child, visit, context);
            if (found > 0) total += found;
        }
        closedir(directory);
    }
    int found = visit(folder, context);
    if (found > 0) total += found;
    return total;
}

static int visit_kill(const char *folder, void *context) {
    (void)context;
    return kill_members(folder);
}

static int visit_remove(const char *folder, void *context) {
    int *failures = context;
    if (rmdir(folder) != 0 && errno != ENOENT) (*failures)++;
    return 0;
}

static int is_populated(const char *folder) {
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/cgroup.events", folder) >= (int)sizeof path) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buffer[512];
    ssize_t got = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    if (got <= 0) return 0;
    buffer[got] = 0;
    return strstr(buffer, "populated 1") != NULL;
}

static void reap_any(void) {
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
}

int tandem_cgroup_kill(const char *folder, int version, int timeout_ms) {
    long long deadline = now_ms() + timeout_ms;
    if (access(folder, F_OK) != 0) return 0;
    if (version == 2) {
        // cgroup.kill (Linux 5.14) kills the whole subtree at once, forks in flight included.
        if (write_text(folder, "cgroup.kill", "1") != 0) each_group(folder, visit_kill, NULL);
        for (;;) {
            if (!is_populated(folder)) return 0;
            if (now_ms() >= deadline) return -1;
            reap_any();
            pause_ms(1);
        }
    }
    return tandem_cgroup_kill_members(folder, version, (int)(deadline - now_ms()));
}

/// Whether a group is empty with no group below it, found without freezing it (a process that has ended
/// usually leaves nothing: this is the common case, at every exit). A directory's link count is 2 plus its
/// subdirectories, on cgroupfs as elsewhere; a member cannot appear in an empty group but by our own write.
static int is_empty_leaf(const char *folder, int version) {
    struct stat status;
    if (stat(folder, &status) != 0 || status.st_nlink > 2) return 0;
    if (version == 2) return !is_populated(folder);
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/cgroup.procs", folder) >= (int)sizeof path) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buffer[64];
    ssize_t got;
    do {
        got = read(fd, buffer, sizeof buffer);
    } while (got < 0 && errno == EINTR);
    close(fd);
    return got == 0;
}

int tandem_cgroup_kill_members(const char *folder, int version, int timeout_ms) {
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    if (is_empty_leaf(folder, version)) return 0;
    // Frozen members cannot fork while each is killed; thawed, they die. (Not cgroup.kill, for a group that
    // will be used again: on some kernels a child cloned into a cgroup after its cgroup.kill is killed too.)
    const char *file = version == 2 ? "cgroup.freeze" : "freezer.state";
    for (;;) {
        int frozen = write_text(folder, file, version == 2 ? "1" : "FROZEN") == 0;
        int members = each_group(folder, visit_kill, NULL);
        if (frozen) write_text(folder, file, version == 2 ? "0" : "THAWED");
        if (members <= 0) return 0;
        if (now_ms() >= deadline) return -1;
        reap_any();
        pause_ms(1);
    }
}

int tandem_cgroup_remove(const char *folder) {
    int failures = 0;
    each_group(folder, visit_remove, &failures);
    return failures ? -1 : 0;
}

#define KEEPER_FOLDERS 16

/// The keeper's loop: init of the unit's PID namespace (reaping whatever is re-parented to it) until the
/// supervisor's end, then the unit's end. The supervisor writes the cgroups to remove on the pipe whose end
/// means its own, one `VERSION PATH` line each.
static int keeper_loop(int death, int ready, int mount_proc) {
    prctl(PR_SET_NAME, (unsigned long)"tandem-keeper", 0, 0, 0);
    // No signal ends the keeper but SIGKILL: the unit's cleanup must not be cut short by a stray one.
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    if (mount_proc) {
        // A /proc of the unit's PID namespace, seen by its processes only (their mounts follow the host's,
        // never the other way).
        if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0 ||
            mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
            mount_proc = 0;
        }
    }
    char answer = mount_proc ? 'm' : 'k';
    (void)!write(ready, &answer, 1);
    close(ready);
    sigset_t children;
    sigemptyset(&children);
    sigaddset(&children, SIGCHLD);
    int signals = signalfd(-1, &children, SFD_CLOEXEC | SFD_NONBLOCK);
    struct pollfd watched[2] = {{.fd = death, .events = POLLIN}, {.fd = signals, .events = POLLIN}};
    static char folders[KEEPER_FOLDERS][PATH_MAX];
    static int versions[KEEPER_FOLDERS];
    int count = 0;
    static char line[PATH_MAX + 8];
    size_t used = 0;
    for (;;) {
        reap_any();
        int ready_count = poll(watched, signals >= 0 ? 2 : 1, signals >= 0 ? -1 : 100);
        if (ready_count < 0 && errno != EINTR) break;
        if (ready_count > 0 && watched[1].revents) {
            struct signalfd_siginfo info;
            while (read(signals, &info, sizeof info) == (ssize_t)sizeof info) {}
        }
        if (ready_count > 0 && watched[0].revents) {
            char chunk[512];
            ssize_t got = read(death, chunk, sizeof chunk);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) break;
            for (ssize_t index = 0; index < got; index++) {
                if (chunk[index] != '\n') {
                    if (used < sizeof line - 1) line[used++] = chunk[index];
                    continue;
                }
                line[used] = 0;
                if (used > 2 && (line[0] == '1' || line[0] == '2') && line[1] == ' ' && count < KEEPER_FOLDERS) {
                    versions[count] = line[0] - '0';
                    snprintf(folders[count], PATH_MAX, "%s", line + 2);
                    count++;
                }
                used = 0;
            }
        }
    }
    // The supervisor is gone (ended, or killed): nothing of the unit may outlive it.
    for (int index = 0; index < count; index++) {
        tandem_cgroup_kill(folders[index], versions[index], 5000);
        reap_any();
        tandem_cgroup_remove(folders[index]);
    }
    // As the namespace's init, this exit takes whatever is left in it.
    return 0;
}

__attribute__((constructor)) static void tandem_keeper_entry(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc >= 5 && argv[1] && strcmp(argv[1], KEEPER_FLAG) == 0) _exit(keeper_loop(atoi(argv[2]), atoi(argv[3]), atoi(argv[4])));
}

int tandem_keeper_add_folder(int death_fd, const char *folder, int version) {
    char line[PATH_MAX + 8];
    int length = snprintf(line, sizeof line, "%d %s\n", version, folder);
    if (length <= 0 || length >= (int)sizeof line) return -1;
    return write(death_fd, line, (size_t)length) == length ? 0 : -1;
}

/// Waits for the keeper's first byte: 'm' when it made the unit's mount namespace (then opened for
/// tandem_spawn), 'k' otherwise; -1 when it did not start.
static int await_keeper(pid_t pid, int ready, int *mount_namespace_fd) {
    char answer = 0;
    ssize_t got;
    do {
        got = read(ready, &answer, 1);
    } while (got < 0 && errno == EINTR);
    close(ready);
    if (got != 1) return -1;
    if (answer == 'm') {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)pid);
        *mount_namespace_fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    return 0;
}

/// The keeper's two pipes and, when `namespace`, a new PID namespace for the calling thread's next child
/// (the keeper, its init). Returns whether the namespace was made, or -1 without pipes; `*own` keeps the
/// thread's own namespace to go back to (or -1).
static int prepare_keeper(int death[2], int ready[2], int namespace, int *own) {
    *own = -1;
    if (pipe2(death, O_CLOEXEC) != 0) return -1;
    if (pipe2(ready, O_CLOEXEC) != 0) {
        close(death[0]);
        close(death[1]);
        return -1;
    }
    if (namespace) {
        *own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        if (*own < 0 || unshare(CLONE_NEWPID) != 0) namespace = 0;
    }
    return namespace;
}

pid_t tandem_keeper_start(const char *executable, int *pid_namespace, int *death_fd, int *mount_namespace_fd) {
    *mount_namespace_fd = -1;
    int death[2], ready[2], own;
    int namespace = prepare_keeper(death, ready, *pid_namespace, &own);
    if (namespace < 0) return -1;
    char *arguments[] = {"tandem-keeper", KEEPER_FLAG, "3", "4", namespace ? "1" : "0", NULL};
    pid_t pid = vfork();
    if (pid == 0) {
        // Its own session: a signal to the supervisor's group or terminal never reaches it.
        setsid();
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int low_death = fcntl(death[0], F_DUPFD, 10);
        int low_ready = fcntl(ready[1], F_DUPFD, 10);
        if (low_death < 0 || low_ready < 0 || dup2(low_death, 3) < 0 || dup2(low_ready, 4) < 0) _exit(127);
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        for (int fd = 5; fd < 1024; fd++) close(fd);
        execv(executable, arguments);
        _exit(127);
    }
    int saved = pid < 0 ? errno : ECHILD;
    close(death[0]);
    close(ready[1]);
    int started = pid > 0 && await_keeper(pid, ready[0], mount_namespace_fd) == 0;
    if (pid < 0) close(ready[0]);
    if (!started) {
        close(death[1]);
        if (pid > 0) waitpid(pid, NULL, 0);
        // A PID namespace without its init would refuse every later fork.
        namespace = 0;
    }
    // Later children of this thread join the keeper's namespace; without one, they stay in ours.
    if (own >= 0) {
        if (!namespace) setns(own, CLONE_NEWPID);
        close(own);
    }
    *pid_namespace = namespace;
    if (!started) {
        errno = saved;
        return -1;
    }
    *death_fd = death[1];
    return pid;
}

// The keeper the supervisor's executable forks before main, when the process is still small and has one
// thread: it shares the supervisor's pages instead of mapping a runtime of its own.
static pid_t early_keeper = -1;
static int early_death = -1;
static int early_pid_namespace = 0;
static int early_mount_namespace = -1;
static int early_pid_namespace_fd = -1;

__attribute__((constructor)) static void tandem_early_keeper_start(void) {
    const char *mode = getenv("TANDEM_CONTAINMENT");
    if (!getenv("TANDEM_LAUNCH_FD") || !mode || strcmp(mode, "none") == 0) return;
    // As root, and unless this process is already a namespace's init (a container's PID 1): the keeper is
    // the first child after unshare, so the init of the new namespace.
    int death[2], ready[2], own_namespace;
    int namespace = prepare_keeper(death, ready, strcmp(mode, "auto") == 0 && geteuid() == 0 && getpid() != 1, &own_namespace);
    if (namespace < 0) return;
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        close(death[1]);
        close(ready[0]);
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            if (null > 2) close(null);
        }
        _exit(keeper_loop(death[0], ready[1], namespace));
    }
    close(death[0]);
    close(ready[1]);
    // A thread cannot be started while this thread's children would go to another namespace: back to
    // ours until the spawning thread joins the keeper's (tandem_early_keeper).
    if (own_namespace >= 0) {
        if (namespace && pid > 0) {
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
            early_pid_namespace_fd = open(path, O_RDONLY | O_CLOEXEC);
        }
        setns(own_namespace, CLONE_NEWPID);
        close(own_namespace);
    }
    if (pid < 0 || await_keeper(pid, ready[0], &early_mount_namespace) != 0 || (namespace && early_pid_namespace_fd < 0)) {
        if (pid < 0) close(ready[0]);
        close(death[1]);
        if (pid > 0) waitpid(pid, NULL, 0);
        if (early_pid_namespace_fd >= 0) close(early_pid_namespace_fd);
        early_pid_namespace_fd = -1;
        return;
    }
    early_keeper = pid;
    early_death = death[1];
    early_pid_namespace = namespace;
}

pid_t tandem_early_keeper(int *pid_namespace, int *death_fd, int *mount_namespace_fd) {
    if (early_keeper <= 0) return -1;
    if (early_pid_namespace_fd >= 0) {
        // The calling (spawning) thread's children go to the keeper's namespace from now on.
        if (setns(early_pid_namespace_fd, CLONE_NEWPID) != 0) early_pid_namespace = 0;
        close(early_pid_namespace_fd);
        early_pid_namespace_fd = -1;
    }
    *pid_namespace = early_pid_namespace;
    *death_fd = early_death;
    *mount_namespace_fd = early_mount_namespace;
    pid_t pid = early_keeper;
    // Handed over once.
    early_keeper = -1;
    return pid;
}

static int relay_fd = -1;

static void relay_signal(int number) {
    int saved = errno;
    unsigned char byte = (unsigned char)number;
    (void)!write(relay_fd, &byte, 1);
    errno = saved;
}

int tandem_relay_signals(int write_fd) {
    relay_fd = write_fd;
    signal(SIGTTIN, SIG_IGN);
    signal(SIGTTOU, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = relay_signal;
    action.sa_flags = SA_RESTART;
    sigfillset(&action.sa_mask);
    for (int number = 1; number < NSIG; number++) {
        switch (number) {
        // Faults are the program's own and must end it; exits are the reaper's; KILL and STOP cannot be caught.
        case SIGSEGV: case SIGBUS: case SIGFPE: case SIGILL: case SIGTRAP: case SIGSYS: case SIGABRT:
        case SIGKILL: case SIGSTOP: case SIGCHLD: case SIGTTIN: case SIGTTOU: case SIGPIPE:
            continue;
        default:
            break;
        }
        // Numbers glibc keeps for itself (the first real-time ones) refuse a handler: that is fine.
        sigaction(number, &action, NULL);
    }
    // A thread that blocked signals before this (none should) gets them unblocked.
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    return 0;
}

/// The supervisor's threads block for their whole life and allocate little: one malloc arena for all of
/// them, instead of one each (each holding its own free pages), is what a process that sits beside its
/// children for days wants. Free memory at the heap's top is not given back after every free (glibc's
/// default, past 128 KiB): a burst of output freed and re-grew the heap around each batch of lines (brk,
/// page faults and memory-cgroup charges: a fifth of the output thread's time); the idle give-back
/// (malloc_trim) returns it once the unit is still.
__attribute__((constructor)) static void tandem_supervisor_memory(void) {
    if (getenv("TANDEM_LAUNCH_FD")) {
        mallopt(M_ARENA_MAX, 1);
        mallopt(M_TRIM_THRESHOLD, 64 << 20);
    }
}

extern struct rlimit tandem_children_nofile;

int tandem_reserve_descriptors(int source, long count) {
    struct rlimit limit;
    if (count <= 64 || getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
    if (count > 65536) count = 65536;
    if (limit.rlim_cur != RLIM_INFINITY && (rlim_t)count > limit.rlim_cur) {
        // A unit larger than the soft limit would fail its spawns: the soft limit goes up (as far as the
        // hard one allows) for the supervisor alone; its processes get the one it had (tandem_spawn).
        struct rlimit raised = limit;
        // Twice the estimate, for descriptors it did not count (log files, probes).
        rlim_t wanted = (rlim_t)count * 2;
        raised.rlim_cur = limit.rlim_max == RLIM_INFINITY || wanted < limit.rlim_max ? wanted : limit.rlim_max;
        if (raised.rlim_cur > limit.rlim_cur && setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            tandem_children_nofile = limit;
            limit = raised;
        }
        if ((rlim_t)count > limit.rlim_cur) count = (long)limit.rlim_cur;
    }
    // The lowest free number from count - 1 up: the table grows to hold it, and keeps its size once closed.
    int top = fcntl(source, F_DUPFD_CLOEXEC, (int)(count - 1));
    if (top < 0) return -1;
    close(top);
    return 0;
}

/// The supervisor's descriptor table, grown once to what its unit will hold (TANDEM_DESCRIPTORS, from
/// tandem run) while the process has one thread. Grown later, with threads sharing it, each doubling
/// waits for an RCU grace period (the kernel's expand_fdtable): 50 processes took 59-105 ms to spawn from
/// a launcher that closes its descriptors (Python's subprocess, the harness's), 38-45 ms reserved.
__attribute__((constructor)) static void tandem_reserve_unit_descriptors(void) {
    const char *launch = getenv("TANDEM_LAUNCH_FD");
    const char *wanted = getenv("TANDEM_DESCRIPTORS");
    if (launch && wanted) (void)tandem_reserve_descriptors(atoi(launch), strtol(wanted, NULL, 10));
}

/// Drops from this process's mappings the pages of its code and read-only data that were never
/// written (no anonymous copy: the file's content, still in the page cache): whatever idle code needs is
/// faulted back in from the cache, a minor fault per page. A mapping with any copied page (relocated data)
/// is left alone, since dropping it would undo the relocation.
static void drop_clean_file_pages(void) {
    FILE *smaps = fopen("/proc/self/smaps", "re");
    if (!smaps) return;
    char line[512];
    unsigned long start = 0, end = 0;
    int candidate = 0;
    while (fgets(line, sizeof line, smaps)) {
        unsigned long from, to;
        char perms[8] = {0};
        unsigned long long offset;
        int consumed = 0;
        if (sscanf(line, "%lx-%lx %7s %llx %*s %*s %n", &from, &to, perms, &offset, &consumed) >= 3 && strchr(line, '-') < strchr(line, ' ')) {
            // A new mapping: file-backed (a path), private, not writable.
            start = from;
            end = to;
            const char *path = consumed > 0 ? line + consumed : "";
            candidate = perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p' && path[0] == '/';
            continue;
        }
        if (candidate && strncmp(line, "Anonymous:", 10) == 0) {
            unsigned long anonymous = strtoul(line + 10, NULL, 10);
            if (anonymous == 0) madvise((void *)start, end - start, MADV_DONTNEED);
            candidate = 0;
        }
    }
    fclose(smaps);
}

void tandem_give_back_memory(void) {
    malloc_trim(0);
    drop_clean_file_pages();
}
