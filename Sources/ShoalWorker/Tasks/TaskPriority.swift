import Subprocess

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

#if canImport(System)
  import System
#else
  import SystemPackage
#endif

/// The CPU priority (nice value) tasks start with: the worker process's own.
///
/// Linux keeps a nice value per thread, and a child inherits the value of the thread
/// that started it. libdispatch renices the threads it creates for Swift's pools by
/// their QoS (0 for default, -4 for its overcommit threads when the process may lower
/// niceness, as root may), and swift-subprocess starts every process from one thread
/// of its own, created by whichever pool thread first spawned. So a worker started with
/// `nice -n 15 shoal worker ...` would run its tasks at 0 or -4. At start the worker
/// spawns one `true` (which creates that thread) and then sets every thread it has to
/// its own nice value; each task's process group is set again right after its spawn.
enum TaskPriority {
  /// The worker's nice value: its main thread's, which nothing renices.
  static let workerNiceness: Int32 = {
    errno = 0
    let value = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(getpid()))
    return errno == 0 ? value : 0
  }()

  /// Creates swift-subprocess's spawning thread and sets every thread of the process to
  /// the worker's nice value (best effort: lowering a value needs CAP_SYS_NICE).
  static func prepare() async {
    _ = try? await Subprocess.run(
      .name("true"), output: .discarded, error: .discarded)
    reniceThreads()
  }

  /// Sets every process of group `group` to the worker's nice value.
  static func apply(toGroup group: pid_t) {
    _ = setpriority(__priority_which_t(PRIO_PGRP.rawValue), id_t(group), workerNiceness)
  }

  /// Sets every thread of this process to the worker's nice value.
  static func reniceThreads() {
    guard let folder = opendir("/proc/self/task") else { return }
    defer { closedir(folder) }
    while let entry = readdir(folder) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
      }
      guard let thread = id_t(name) else { continue }
      errno = 0
      let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), thread)
      if errno == 0, current != workerNiceness {
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), thread, workerNiceness)
      }
    }
  }
}
