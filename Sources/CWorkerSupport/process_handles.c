#include "CWorkerSupport.h"

#include <sys/syscall.h>
#include <unistd.h>

int shoal_pidfd_open(int pid) {
#ifdef SYS_pidfd_open
  return (int)syscall(SYS_pidfd_open, pid, 0);
#else
  return -1;
#endif
}

int shoal_thread_id(void) { return (int)syscall(SYS_gettid); }
