#ifndef SHOAL_C_WORKER_SUPPORT_H
#define SHOAL_C_WORKER_SUPPORT_H

/// Asks the kernel to send `signal` to this process when its parent exits
/// (prctl(PR_SET_PDEATHSIG)), which Swift cannot call directly (prctl is variadic).
/// Returns 0 on success, -1 with errno set otherwise.
int shoal_set_parent_death_signal(int signal);

#endif
