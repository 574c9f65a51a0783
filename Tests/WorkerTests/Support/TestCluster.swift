import Foundation
import Logging
import Shoal
import ShoalScheduler
import ShoalTestSupport
import ShoalWire
import Testing

let clusterToken = "worker-test-token-0123456789"

/// A scheduler on a free loopback port plus `shoal worker` processes started from the
/// build folder. Every process is killed by pid when the test ends, pass or fail.
final class TestCluster: @unchecked Sendable {
  let address: String
  let port: Int
  private(set) var workers: [ChildProcess] = []
  private let scheduler: Scheduler

  private init(scheduler: Scheduler, address: String) {
    self.scheduler = scheduler
    self.address = address
    port = Int(address.split(separator: ":").last!)!
  }

  /// Runs `body` with a fresh cluster (scheduler only; start workers in the body).
  static func with(
    heartbeatTimeout: Duration = .seconds(10), port: Int = 0,
    _ body: (TestCluster) async throws -> Void
  ) async throws {
    let scheduler = Scheduler(
      configuration: SchedulerConfiguration(
        port: port, token: clusterToken, heartbeatTimeout: heartbeatTimeout),
      logger: Logger(label: "scheduler", factory: { _ in SwiftLogNoOpLogHandler() }))
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await scheduler.run() }
      let cluster = TestCluster(scheduler: scheduler, address: try await scheduler.listeningAddress())
      defer { cluster.stopAll() }
      do {
        try await body(cluster)
      } catch {
        cluster.report()
        group.cancelAll()
        throw error
      }
      group.cancelAll()
    }
  }

  /// Starts `shoal worker` with the token in `SHOAL_TOKEN` and libTestTasks loadable.
  @discardableResult
  func startWorker(
    _ name: String, nthreads: Int = 1, arguments: [String] = [], environment: [String: String] = [:]
  ) throws -> ChildProcess {
    let worker = try ChildProcess.shoal(
      name,
      ["worker", address, "--name", name, "--nthreads", "\(nthreads)"] + arguments,
      environment: ["SHOAL_TOKEN": clusterToken].merging(environment) { $1 })
    workers.append(worker)
    return worker
  }

  func load() async -> SchedulerLoad { await scheduler.load() }

  /// Waits (bounded) until exactly these workers are connected.
  func waitForWorkers(_ names: Set<String>, timeout: Duration = .seconds(60)) async throws {
    try await eventually("workers \(names.sorted()) are connected", timeout: timeout) {
      Set(await load().workers.map(\.name)) == names
    }
  }

  /// A client connected to the scheduler.
  func executor() async throws -> Executor {
    try await Executor.connect(address: address, token: clusterToken)
  }

  func stopAll() { for worker in workers { worker.stop() } }

  /// Prints the workers' logs (for a failing test).
  func report() {
    for worker in workers {
      print("---- \(worker.label) (pid \(worker.pid)) stderr:\n\(worker.stderr)")
    }
  }
}

/// Polls `condition` until it holds, for at most `timeout` (a bounded wait, not a timing).
func eventually(
  _ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool
) async throws {
  let deadline = ContinuousClock.now + timeout
  while ContinuousClock.now < deadline {
    if try await condition() { return }
    try await Task.sleep(for: .milliseconds(25))
  }
  throw ProcessFailure(message: "timed out waiting until \(what)")
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// A call of a task in libTestTasks (the test cannot link the library's types: the
/// workers load it, the test names it).
func testTask(
  _ name: String, _ input: String, inputType: String = "Swift.Int", outputType: String = "Swift.Int",
  library: String = "TestTasks", timeout: Duration? = nil
) -> TaskSpec {
  TaskSpec(
    .swift(
      SwiftTaskCall(
        library: library, name: name, inputType: inputType, outputType: outputType,
        input: Array(input.utf8))), timeout: timeout)
}

/// Arguments that let a worker load libTestTasks from the build folder.
let testTaskArguments = ["--tasks", "TestTasks", "--plugin-path", BuildProducts.directory]

extension TestCluster {
  /// Retires workers through the scheduler (scale-down).
  func retire(_ names: [String]) async -> [String] { await scheduler.retire(workers: names) }
}
