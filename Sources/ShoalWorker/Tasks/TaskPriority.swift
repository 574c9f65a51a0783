import CWorkerSupport

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The CPU priority (nice value) tasks start with: the worker process's own.
///
/// Linux keeps a nice value per thread, and a child inherits the value of the thread
/// that started it. libdispatch renices the threads it creates for Swift's pools by
/// their QoS (0 for default, -4 for its overcommit threads when the process may lower
/// niceness, as root may), so a worker started with `nice -n 15 shoal worker ...` would
/// run its tasks at 0 or -4. Before each spawn the spawning thread is set to the
/// worker's value, so the program starts with it (and so does everything it starts).
enum TaskPriority {
  /// The worker's nice value: its main thread's, which nothing renices.
  static let workerNiceness: Int32 = {
    errno = 0
    let value = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(getpid()))
    return errno == 0 ? value : 0
  }()

  /// Sets the calling thread to the worker's nice value when it differs (best effort:
  /// lowering a value needs CAP_SYS_NICE).
  static func alignCurrentThread() {
    let thread = id_t(shoal_thread_id())
    errno = 0
    let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), thread)
    if errno == 0, current != workerNiceness {
      _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), thread, workerNiceness)
    }
  }
}
