#ifndef TANDEM_SYSTEM_H
#define TANDEM_SYSTEM_H

#include <sys/types.h>
#include <sys/epoll.h>

/// Starts `argv[0]` (searched in PATH when it has no slash) as the leader of a new session and process
/// group, with a parent-death signal of SIGKILL, signals reset, `stdin_fd`, `stdout_fd` and `stderr_fd`
/// as 0, 1 and 2 (-1 for /dev/null), every other descriptor closed, and `directory` (or NULL) as its
/// working directory. With `cgroup_dir_fd` (an open cgroup v2 folder, or -1) the child is born in that
/// cgroup; with `cgroup_procs_fds` (`cgroup_count` open `cgroup.procs` files) it moves itself into those
/// before exec, so that it is contained (and its memory limited) from its first instruction. With
/// `notify_fd` (or -1) the child also gets that descriptor as `notify_target` (3 or more), for s6-style
/// readiness notification. Returns the pid, or -1 with `*error` set to the errno of the failed step (exec
/// failures are reported here, not as an exit status).
pid_t tandem_spawn(char *const argv[], char *const envp[], const char *directory, int stdin_fd, int stdout_fd, int stderr_fd, int cgroup_dir_fd,
                   const int *cgroup_procs_fds, int cgroup_count, int notify_fd, int notify_target, int *error);

/// Moves the calling thread (with filesystem attributes of its own) into a mount namespace, so that the
/// children it starts are in it; 0 or -1 with errno.
int tandem_join_mount_namespace(int mount_namespace_fd);

/// Starts the unit's keeper: `executable` (this program) re-run as a small C loop that waits for the end of
/// the supervisor (the end of a pipe only the supervisor holds, `*death_fd`) and then kills every process in
/// the cgroups named on that pipe (tandem_keeper_add_folder) and removes them. With `*pid_namespace`, the
/// calling thread's later children go into a new PID namespace whose init is the keeper, with /proc of its
/// own in a mount namespace (`*mount_namespace_fd`, for tandem_spawn): when the keeper ends, the kernel
/// kills everything in it. `*pid_namespace` is set to 0 when the namespace could not be made. Returns the
/// keeper's pid, or -1 with errno.
pid_t tandem_keeper_start(const char *executable, int *pid_namespace, int *death_fd, int *mount_namespace_fd);

/// The keeper the supervisor's executable started before main (with TANDEM_LAUNCH_FD and
/// TANDEM_CONTAINMENT auto or cgroup in its environment), handed over once; -1 when there is none.
pid_t tandem_early_keeper(int *pid_namespace, int *death_fd, int *mount_namespace_fd);

/// Tells the keeper to remove the cgroup `folder` (v1 or v2) when the supervisor ends; 0 or -1.
int tandem_keeper_add_folder(int death_fd, const char *folder, int version);

/// Kills every process in the cgroup `folder` and its child groups (v2: cgroup.kill; v1: freeze, kill each
/// member, thaw, until empty) and waits up to `timeout_ms` until none is left; 0 when empty, else -1.
int tandem_cgroup_kill(const char *folder, int version, int timeout_ms);

/// Kills every process in `folder` and its child groups without cgroup.kill (freeze, kill each member,
/// thaw, until empty), for a group that will be used again; 0 when empty within `timeout_ms`, else -1.
int tandem_cgroup_kill_members(const char *folder, int version, int timeout_ms);

/// Removes the cgroup `folder` and its child groups (each must be empty); 0 or -1 with errno.
int tandem_cgroup_remove(const char *folder);

/// Makes this process the reaper of orphaned descendants (PR_SET_CHILD_SUBREAPER).
int tandem_set_subreaper(void);

/// Names the calling thread (what ps and top show); at most 15 bytes are kept.
int tandem_set_thread_name(const char *name);

/// A descriptor that becomes readable when `pid` (a child) ends; -1 with errno on failure.
int tandem_pidfd_open(pid_t pid);

/// A pipe whose two ends are close-on-exec; returns 0 or -1.
int tandem_pipe(int fds[2]);

/// Connects to 127.0.0.1:port within the timeout; 0 on success, -1 otherwise.
int tandem_tcp_probe(int port, int timeout_ms);

/// GETs http://127.0.0.1:port/path within the timeout; the HTTP status, or -1.
int tandem_http_probe(int port, const char *path, int timeout_ms);

/// POSTs `length` bytes of `body` to http://host:port/path (one connection, closed after the reply), with
/// `extra_header` ("Name: value", or NULL) among the headers; the whole exchange within the timeout.
/// Returns the HTTP status, or -1 with errno (ETIMEDOUT, ECONNREFUSED, EHOSTUNREACH for an unknown name).
int tandem_http_post(const char *host, int port, const char *path, const char *content_type, const char *extra_header, const char *body, size_t length,
                     int timeout_ms);

/// A listening Unix stream socket at `path` (close-on-exec, mode 0600); -1 with errno on failure
/// (ENAMETOOLONG when the path does not fit a socket address).
int tandem_unix_listen(const char *path);

/// A connection to the Unix stream socket at `path`; -1 with errno on failure.
int tandem_unix_connect(const char *path);

/// The next connection on `listener`, close-on-exec; -1 with errno on failure.
int tandem_accept(int listener);

/// Makes every signal that can be caught (but faults and SIGCHLD) write its number, as one byte, to
/// `write_fd` instead of taking its default action, so that no signal ends the process; SIGTTIN, SIGTTOU
/// and SIGPIPE are ignored (as tini does).
int tandem_relay_signals(int write_fd);

/// Returns the free pages of malloc's heap to the kernel (malloc_trim).
void tandem_give_back_memory(void);

/// Grows this process's descriptor table to hold `count` descriptors (at most the soft RLIMIT_NOFILE and
/// 65,536) by duplicating `source` that high and closing the copy: the table keeps its size. Grown while
/// the process has one thread, it never waits for the RCU grace period a shared table's growth does.
/// 0, or -1 with errno.
int tandem_reserve_descriptors(int source, long count);

#endif
