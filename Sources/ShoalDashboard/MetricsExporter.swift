import CoreMetrics
import Prometheus
import Shoal
import Synchronization

/// `/metrics`: the cluster in Prometheus text format, through swift-metrics with a
/// Prometheus factory of its own (no process-wide `MetricsSystem.bootstrap`, so that
/// several clusters in one process keep their figures apart). Names follow Dask's
/// where the meaning is the same (docs/dashboard.md lists them).
final class MetricsExporter: Sendable {
  private struct WorkerGauges {
    var tasks: [String: CoreMetrics.Gauge]
    var threads: CoreMetrics.Gauge
    var memory: CoreMetrics.Gauge?
  }

  private struct State {
    var workers: [String: WorkerGauges] = [:]
    var reported = ClusterCounters()
    var reportedComputeSeconds = 0.0
  }

  /// Worker states of `shoal_scheduler_workers{state}`.
  static let workerStates = ["launching", "idle", "partially_saturated", "saturated", "retiring"]
  /// Task states of `shoal_scheduler_tasks{state}`.
  static let taskStates = ["queued", "processing", "done", "erred"]
  /// Directions of `shoal_adaptive_decisions_total{direction}`.
  static let directions = ["up", "down", "same"]

  private let registry = PrometheusCollectorRegistry()
  private let factory: PrometheusMetricsFactory
  private let state = Mutex(State())
  private let workers: [String: CoreMetrics.Gauge]
  private let tasks: [String: CoreMetrics.Gauge]
  private let clients: CoreMetrics.Gauge
  private let desired: CoreMetrics.Gauge
  private let added: CoreMetrics.Counter
  private let removed: CoreMetrics.Counter
  private let compute: CoreMetrics.FloatingPointCounter
  private let decisions: [String: CoreMetrics.Counter]

  init() {
    let factory = PrometheusMetricsFactory(registry: registry)
    self.factory = factory
    func gauge(_ label: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
      CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
    }
    workers = Dictionary(
      uniqueKeysWithValues: Self.workerStates.map {
        ($0, gauge("shoal_scheduler_workers", [("state", $0)]))
      })
    tasks = Dictionary(
      uniqueKeysWithValues: Self.taskStates.map {
        ($0, gauge("shoal_scheduler_tasks", [("state", $0)]))
      })
    clients = gauge("shoal_scheduler_clients")
    desired = gauge("shoal_scheduler_desired_workers")
    added = CoreMetrics.Counter(label: "shoal_scheduler_workers_added_total", factory: factory)
    removed = CoreMetrics.Counter(label: "shoal_scheduler_workers_removed_total", factory: factory)
    compute = CoreMetrics.FloatingPointCounter(
      label: "shoal_tasks_compute_seconds_total", factory: factory)
    decisions = Dictionary(
      uniqueKeysWithValues: Self.directions.map {
        (
          $0,
          CoreMetrics.Counter(
            label: "shoal_adaptive_decisions_total", dimensions: [("direction", $0)],
            factory: factory)
        )
      })
  }

  /// The text of `/metrics` for `snapshot` and `totals`.
  func render(_ snapshot: DashboardSnapshot, totals: ClusterCounters) -> [UInt8] {
    update(snapshot, totals: totals)
    return registry.emitToBuffer()
  }

  private func update(_ snapshot: DashboardSnapshot, totals: ClusterCounters) {
    var counts = Dictionary(uniqueKeysWithValues: Self.workerStates.map { ($0, 0) })
    for worker in snapshot.workers { counts[Self.workerState(worker), default: 0] += 1 }
    for (name, gauge) in workers { gauge.record(counts[name] ?? 0) }
    tasks["queued"]?.record(snapshot.queued)
    tasks["processing"]?.record(snapshot.running)
    tasks["done"]?.record(snapshot.completed)
    tasks["erred"]?.record(snapshot.failed)
    clients.record(snapshot.clients)
    desired.record(
      snapshot.adaptive.map { $0.target ?? $0.planned } ?? snapshot.workers.count)
    state.withLock { state in
      // Counters only go up: add what is new since the last scrape.
      added.increment(by: max(0, totals.workersAdded - state.reported.workersAdded))
      removed.increment(by: max(0, totals.workersRemoved - state.reported.workersRemoved))
      for direction in Self.directions {
        let new = (totals.decisions[direction] ?? 0) - (state.reported.decisions[direction] ?? 0)
        decisions[direction]?.increment(by: max(0, new))
      }
      state.reported = totals
      compute.increment(by: max(0, snapshot.computeSeconds - state.reportedComputeSeconds))
      state.reportedComputeSeconds = max(state.reportedComputeSeconds, snapshot.computeSeconds)
      updateWorkers(snapshot.workers, &state.workers)
    }
  }

  private func updateWorkers(
    _ rows: [DashboardSnapshot.Worker], _ gauges: inout [String: WorkerGauges]
  ) {
    let names = Set(rows.map(\.name))
    for (name, old) in gauges where !names.contains(name) {
      old.tasks.values.forEach { $0.destroy() }
      old.threads.destroy()
      old.memory?.destroy()
      gauges[name] = nil
    }
    for row in rows {
      var entry =
        gauges[row.name]
        ?? WorkerGauges(
          tasks: Dictionary(
            uniqueKeysWithValues: ["running", "completed", "failed"].map {
              (
                $0,
                CoreMetrics.Gauge(
                  label: "shoal_worker_tasks", dimensions: [("worker", row.name), ("state", $0)],
                  factory: factory)
              )
            }),
          threads: CoreMetrics.Gauge(
            label: "shoal_worker_threads", dimensions: [("worker", row.name)], factory: factory),
          memory: nil)
      entry.tasks["running"]?.record(row.running)
      entry.tasks["completed"]?.record(row.completed)
      entry.tasks["failed"]?.record(row.failed)
      entry.threads.record(row.slots)
      if let rss = row.rssBytes {
        if entry.memory == nil {
          entry.memory = CoreMetrics.Gauge(
            label: "shoal_worker_memory_bytes", dimensions: [("worker", row.name)],
            factory: factory)
        }
        entry.memory?.record(rss)
      }
      gauges[row.name] = entry
    }
  }

  /// The `state` label of a worker in `shoal_scheduler_workers`.
  static func workerState(_ worker: DashboardSnapshot.Worker) -> String {
    if worker.state == "retiring" || worker.state == "draining" { return "retiring" }
    if worker.slots == 0 { return "launching" }
    if worker.running == 0 { return "idle" }
    return worker.running >= worker.slots ? "saturated" : "partially_saturated"
  }
}
