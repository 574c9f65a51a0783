#ifndef SHOAL_C_WORKER_SUPPORT_H
#define SHOAL_C_WORKER_SUPPORT_H

// epoll, which Swift's Glibc module does not include: the task watcher uses it.
#include <sys/epoll.h>

/// Asks the kernel to send `signal` to this process when its parent exits
/// (prctl(PR_SET_PDEATHSIG)), which Swift cannot call directly (prctl is variadic).
/// Returns 0 on success, -1 with errno set otherwise.
int shoal_set_parent_death_signal(int signal);

/// A file descriptor that becomes readable when process `pid` exits (pidfd_open,
/// Linux 5.3+), close-on-exec; -1 with errno set when the kernel has none. Swift cannot
/// call `syscall` directly (it is variadic).
int shoal_pidfd_open(int pid);

/// The calling thread's id (gettid), for per-thread settings such as its nice value.
int shoal_thread_id(void);

#endif
