import Foundation
import Synchronization

/// Samples a `DashboardSource` once per `interval`: keeps the last `kept` samples (the
/// page's chart and task stream) and hands each to the pages that are open. One
/// sampler per dashboard, however many pages watch it.
final class DashboardSampler: Sendable {
  /// One sample, small: what the chart and the task stream draw.
  struct Point: Codable, Sendable {
    /// Seconds since 1970.
    var t: Double
    /// Connected workers.
    var workers: Int
    /// Workers asked of the backend (adaptive), when known.
    var planned: Int?
    /// The adaptive target, when known.
    var target: Int?
    /// Tasks waiting.
    var queued: Int
    /// Tasks running.
    var running: Int
    /// Tasks finished.
    var completed: Int
    /// Tasks running on each worker.
    var busy: [String: Int]
  }

  private struct State {
    var latest: DashboardSnapshot?
    var points: [Point] = []
    var watchers: [Int: AsyncStream<DashboardSnapshot>.Continuation] = [:]
    var nextWatcher = 0
  }

  let source: any DashboardSource
  let interval: Duration
  let kept: Int
  private let state = Mutex(State())

  init(source: any DashboardSource, interval: Duration = .seconds(1), kept: Int = 300) {
    self.source = source
    self.interval = interval
    self.kept = kept
  }

  /// Samples until cancelled.
  func run() async throws {
    while true {
      await sample()
      try await Task.sleep(for: interval)
    }
  }

  /// Takes one sample now.
  func sample() async {
    var snapshot = await source.snapshot()
    state.withLock { state in
      if let previous = state.latest {
        let elapsed = snapshot.time - previous.time
        let before = Dictionary(
          previous.workers.map { ($0.name, $0.cpuSeconds) }, uniquingKeysWith: { a, _ in a })
        for index in snapshot.workers.indices {
          if elapsed > 0, let now = snapshot.workers[index].cpuSeconds,
            let then = before[snapshot.workers[index].name] ?? nil
          {
            snapshot.workers[index].cpuPercent = max(0, (now - then) / elapsed * 100)
          }
        }
      }
      state.latest = snapshot
      state.points.append(
        Point(
          t: snapshot.time, workers: snapshot.workers.count { $0.slots > 0 },
          planned: snapshot.adaptive?.planned, target: snapshot.adaptive?.target,
          queued: snapshot.queued, running: snapshot.running, completed: snapshot.completed,
          busy: Dictionary(
            snapshot.workers.map { ($0.name, $0.running) }, uniquingKeysWith: { a, _ in a })))
      if state.points.count > kept { state.points.removeFirst(state.points.count - kept) }
      for watcher in state.watchers.values { watcher.yield(snapshot) }
    }
  }

  /// The last sample.
  var latest: DashboardSnapshot? { state.withLock { $0.latest } }

  /// The samples kept, oldest first.
  var points: [Point] { state.withLock { $0.points } }

  /// Open pages: how many watch the samples now.
  var watcherCount: Int { state.withLock { $0.watchers.count } }

  /// Samples from now on, until the consumer stops.
  func watch() -> AsyncStream<DashboardSnapshot> {
    let (stream, continuation) = AsyncStream.makeStream(
      of: DashboardSnapshot.self, bufferingPolicy: .bufferingNewest(2))
    let id = state.withLock { state in
      state.nextWatcher += 1
      state.watchers[state.nextWatcher] = continuation
      return state.nextWatcher
    }
    continuation.onTermination = { [weak self] _ in
      _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
    }
    return stream
  }

  /// Ends every watcher (the dashboard is stopping).
  func finish() {
    let watchers = state.withLock { state in
      defer { state.watchers = [:] }
      return Array(state.watchers.values)
    }
    for watcher in watchers { watcher.finish() }
  }
}
