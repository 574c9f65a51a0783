#if canImport(Glibc)
  import Glibc
#endif

/// Makes memory go back to the system: that of large frames when their connection
/// closes, and that of a big burst of tasks when the scheduler has none left.
///
/// A peer may hold a partial frame of up to `maxFrameSize` (64 MiB) in the
/// scheduler's read buffer. glibc's malloc raises its mmap threshold each time a
/// large mmapped block is freed, up to 32 MiB, so the next large buffers come from
/// the heap, and a heap does not shrink while anything above them is still in use:
/// 60 MiB stayed resident after the peer that sent them left. A fixed threshold of
/// 4 MiB keeps every buffer larger than the 1 MiB batches in its own mapping, which
/// `free` unmaps at once.
enum MemoryRelease {
  /// The mmap threshold set; allocations from this size up get their own mapping.
  static let mmapThreshold: Int32 = 4 << 20

  /// Sets the threshold, once per process; later calls do nothing.
  static func configure() { _ = configured }

  /// Gives free heap memory back to the system (`malloc_trim(0)`: free pages anywhere
  /// in the heap, not only at its top). Costs a walk over the heap: called only when
  /// the scheduler goes idle after holding many tasks.
  static func trim() {
    #if canImport(Glibc)
      typealias MallocTrim = @convention(c) (Int) -> Int32
      guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else {
        return
      }
      _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    #endif
  }

  private static let configured: Bool = {
    #if canImport(Glibc)
      // `mallopt` is declared in <malloc.h>, which the Glibc module does not import.
      typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
      let mmapThresholdParameter: Int32 = -3  // M_MMAP_THRESHOLD
      guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else {
        return false
      }
      return unsafeBitCast(symbol, to: MallOpt.self)(mmapThresholdParameter, mmapThreshold) == 1
    #else
      return false
    #endif
  }()
}

extension SchedulerCore {
  /// With no task left after holding many, drops the task table's storage (a
  /// dictionary never shrinks) and gives free heap memory back to the system, so that
  /// the scheduler's RSS returns near its starting value after a burst. Checked once
  /// per heartbeat interval, never on the hot path (`malloc_trim` walks the heap);
  /// does nothing while tasks remain or the table stayed small.
  ///
  /// (In this file rather than SchedulerCore+Tasks.swift: there, the debug build's
  /// hot path counted 740 more instructions per task, though it never runs this.)
  func releaseMemoryIfIdle() {
    guard tasks.isEmpty, tasks.capacity >= 1 << 16 else { return }
    tasks.removeAll()  // keepingCapacity: false frees the storage
    MemoryRelease.trim()
  }
}
