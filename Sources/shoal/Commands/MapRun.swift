import Foundation
import Shoal
import Synchronization

/// One `shoal map` run against a connected executor: submits the tasks (all at once,
/// or a sliding window of `jobs`), feeds results to the report, redraws the progress
/// every half second, and stops early on `stop(_:)` (Ctrl-C, or the first failure
/// with --fail-fast): tasks not finished are cancelled, what finished is reported.
final class MapRun: Sendable {
  private struct State {
    var report: MapReport
    var handles: [TaskHandle] = []
    var stopped: String?
    /// The executor, once `run(on:)` started.
    var executor: Executor?
  }

  private let state: Mutex<State>
  private let specs: [TaskSpec]
  private let jobs: Int?
  private let failFast: Bool

  init(specs: [TaskSpec], report: MapReport, jobs: Int?, failFast: Bool) {
    self.specs = specs
    self.jobs = jobs
    self.failFast = failFast
    state = Mutex(State(report: report))
  }

  /// Why the run stopped early, if it did.
  var stopped: String? { state.withLock { $0.stopped } }

  /// Runs every task (or until `stop`), then returns the report.
  func run(on executor: Executor, token: String, tls: TLSSettings) async throws -> MapReport {
    state.withLock { $0.executor = executor }
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { await self.tick(address: executor.address, token: token, tls: tls) }
      defer { group.cancelAll() }
      // Results arrive on the connection's loop: taken there, each costs no thread hop.
      try await withTaskExecutorPreference(executor.connectionExecutor) {
        try await submitAndCollect(executor)
      }
    }
    return state.withLock {
      $0.report.finish()
      return $0.report
    }
  }

  /// Stops the run: nothing more is submitted, tasks not finished are cancelled. Before
  /// `run(on:)`, the run will submit nothing.
  func stop(_ reason: String) {
    let (handles, executor) = state.withLock { state -> ([TaskHandle], Executor?) in
      guard state.stopped == nil else { return ([], nil) }
      state.stopped = reason
      return (state.handles, state.executor)
    }
    executor?.cancel(handles)
  }

  private func submit(_ index: Int, _ executor: Executor) -> TaskHandle? {
    state.withLock { state -> TaskHandle? in
      guard state.stopped == nil else { return nil }
      let handle = executor.submit(specs[index])
      state.handles.append(handle)
      state.report.inFlight += 1
      return handle
    }
  }

  private func collect(_ result: TaskResult, index: Int) {
    let stopNow = state.withLock { state -> Bool in
      // After a stop, the cancelled tasks are not finished work: they are not reported.
      if state.stopped != nil && result.status == .cancelled {
        state.report.inFlight = max(0, state.report.inFlight - 1)
        return false
      }
      state.report.add(result, index: index)
      return failFast && result.status != .succeeded && state.stopped == nil
    }
    if stopNow { stop("stopped at the first failure (--fail-fast)") }
  }

  private func submitAndCollect(_ executor: Executor) async throws {
    if let jobs, jobs < specs.count {
      // A sliding window: at most `jobs` tasks in flight.
      try await withThrowingTaskGroup(of: (Int, TaskResult).self) { group in
        var next = 0
        func add() {
          guard next < specs.count, let handle = submit(next, executor) else { return }
          let index = next
          group.addTask { (index, try await handle.result) }
          next += 1
        }
        while next < jobs { add() }
        while let (index, result) = try await group.next() {
          collect(result, index: index)
          add()
        }
      }
    } else {
      let handles = state.withLock { state -> [TaskHandle] in
        guard state.stopped == nil else { return [] }
        let handles = executor.submit(specs)
        state.handles = handles
        state.report.inFlight = handles.count
        return handles
      }
      for try await done in executor.completions(of: handles) {
        collect(done.result, index: done.index)
      }
    }
  }

  /// Redraws the progress every half second and reads the cluster's slot count.
  private func tick(address: String, token: String, tls: TLSSettings) async {
    let control = try? await ControlClient.connect(
      address: address, token: token, tls: tls, timeout: .seconds(5))
    var round = 0
    while !Task.isCancelled {
      if round % 4 == 0, let load = try? await control?.status() {
        state.withLock { $0.report.slots = load.totalSlots }
      }
      state.withLock { $0.report.redraw() }
      round += 1
      try? await Task.sleep(for: .milliseconds(500))
    }
    await control?.close()
  }
}
