#ifndef TANDEM_SYSTEM_H
#define TANDEM_SYSTEM_H

#include <sys/types.h>
#include <sys/epoll.h>

/// Starts `argv[0]` (searched in PATH when it has no slash) as the leader of a new session and process
/// group, with a parent-death signal of SIGKILL, signals reset, `stdin_fd`, `stdout_fd` and `stderr_fd`
/// as 0, 1 and 2 (-1 for /dev/null), every other descriptor closed, and `directory` (or NULL) as its
/// working directory. With `cgroup_procs_fd` (an open `cgroup.procs` file, or -1) the child moves itself
/// into that cgroup before exec, so its memory is limited from its first allocation. With `notify_fd` (or -1)
/// the child also gets that descriptor as `notify_target` (3 or more), for s6-style readiness notification.
/// Returns the pid, or -1 with `*error` set to the errno of the failed step (exec failures are reported
/// here, not as an exit status).
pid_t tandem_spawn(char *const argv[], char *const envp[], const char *directory, int stdin_fd, int stdout_fd, int stderr_fd, int cgroup_procs_fd,
                   int notify_fd, int notify_target, int *error);

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

#endif
