import CWorkerSupport
import ShoalCore
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Watches every running shell task's pipes and exit from one thread of its own, with
/// `epoll`: reads stdout and stderr as they come, writes pending stdin as the pipe
/// takes it, reaps a process once both outputs have closed (at once when it has exited
/// by then, the usual case; otherwise when a pidfd opened then says it exited), and
/// resumes the task that awaits it once all three are done. No thread of Swift's
/// cooperative pool blocks, and a task costs one hand-off (this thread resuming its
/// continuation) rather than a thread per stream.
final class ChildWatcher: Sendable {
  /// The worker's one watcher, started on first use.
  static let shared = ChildWatcher()

  private let epoll: Int32
  private let entries = Mutex<[UInt64: Entry]>([:])
  private let nextKey = Atomic<UInt64>(1)

  private struct Entry: Sendable {
    let running: RunningChild
    let stream: RunningChild.Stream
    let fd: Int32
  }

  private init() {
    epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
    precondition(epoll >= 0, "epoll_create1 failed: \(String(cString: strerror(errno)))")
    var thread = pthread_t()
    let context = Unmanaged.passRetained(self).toOpaque()
    let created = pthread_create(
      &thread, nil,
      { context in
        let watcher = Unmanaged<ChildWatcher>.fromOpaque(context!).takeRetainedValue()
        watcher.loop()
        return nil
      }, context)
    precondition(created == 0, "cannot start the task watcher thread: error \(created)")
    pthread_detach(thread)
  }

  /// Runs until `running` has closed its outputs and exited (or, without a pidfd for a
  /// program that outlives its outputs, only closed its outputs: the caller reaps it)
  /// and returns what it left.
  func run(_ running: RunningChild) async -> ChildOutcome {
    await withCheckedContinuation { continuation in
      running.await(continuation)
      // The outputs last: the run cannot complete before every stream is watched.
      if let input = running.child.input { watch(input, .input, of: running) }
      watch(running.child.output, .output, of: running)
      watch(running.child.errorOutput, .errorOutput, of: running)
    }
  }

  private func watch(_ fd: Int32, _ stream: RunningChild.Stream, of running: RunningChild) {
    let key = nextKey.add(1, ordering: .relaxed).oldValue
    entries.withLock { $0[key] = Entry(running: running, stream: stream, fd: fd) }
    var event = epoll_event()
    event.events = stream == .input ? EPOLLOUT.rawValue : EPOLLIN.rawValue
    event.data.u64 = key
    if epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) != 0 {
      // Only when the kernel is out of watches: the stream counts as over (a lost exit
      // leaves the reaping to the caller) rather than leave the task waiting for it.
      forget(key, fd)
      if running.abandon(stream) { complete(running) }
    }
  }

  private func loop() {
    let capacity = 64
    let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 8)
    defer {
      events.deallocate()
      buffer.deallocate()
    }
    while true {
      let count = epoll_wait(epoll, events, Int32(capacity), -1)
      if count < 0 {
        if errno == EINTR { continue }
        fatalError("epoll_wait failed: \(String(cString: strerror(errno)))")
      }
      for index in 0..<Int(count) {
        handle(events[index].data.u64, buffer: buffer)
      }
    }
  }

  private func handle(_ key: UInt64, buffer: UnsafeMutableRawBufferPointer) {
    guard let entry = entries.withLock({ $0[key] }) else { return }
    let running = entry.running
    switch entry.stream {
    case .output, .errorOutput:
      // Up to 16 reads, then back to epoll so that one chatty task cannot starve others.
      for _ in 0..<16 {
        let count = read(entry.fd, buffer.baseAddress, buffer.count)
        if count > 0 {
          running.received(UnsafeRawBufferPointer(rebasing: buffer[..<count]), on: entry.stream)
          continue
        }
        if count < 0 && errno == EINTR { continue }
        if count < 0 && errno == EAGAIN { return }
        forget(key, entry.fd)  // end of file, or an error: the stream is over
        if running.abandon(entry.stream) {
          complete(running)
        } else if running.outputsClosed {
          // It has usually exited by the time its last output closed: done now. A
          // program that closed its outputs and runs on is watched from here on.
          if running.reap().reaped { complete(running) } else { watchExit(of: running) }
        }
        return
      }
    case .input:
      if running.writeInput(to: entry.fd) { forget(key, entry.fd) }
    case .exit:
      let (reaped, complete) = running.reap()
      guard reaped else { return }
      forget(key, entry.fd)
      if complete { self.complete(running) }
    }
  }

  /// Watches for the exit of a program that closed its outputs. A pidfd opened after
  /// the exit is readable at once, so no exit is missed. Without pidfds (Linux before
  /// 5.3) the run ends now and the caller reaps the program.
  private func watchExit(of running: RunningChild) {
    let fd =
      ChildWatcher.usesPidfds.load(ordering: .relaxed) ? shoal_pidfd_open(running.child.pid) : -1
    if fd >= 0 {
      watch(fd, .exit, of: running)
    } else if running.abandon(.exit) {
      complete(running)
    }
  }

  /// False makes the watcher behave as on a kernel without pidfds (for the tests of
  /// that path on kernels that have them).
  static let usesPidfds = Atomic<Bool>(true)

  /// Ends the run: stops watching what is left (its stdin if that is still being
  /// written, its pidfd when it was reaped without it), resumes its task.
  private func complete(_ running: RunningChild) {
    let leftovers = entries.withLock { entries in
      entries.filter { $0.value.running === running }
    }
    for (key, entry) in leftovers { forget(key, entry.fd) }
    running.finish()
  }

  private func forget(_ key: UInt64, _ fd: Int32) {
    entries.withLock { _ = $0.removeValue(forKey: key) }
    epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nil)
    close(fd)
  }
}
