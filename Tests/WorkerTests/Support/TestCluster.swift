import Foundation
import Logging
import Shoal
import ShoalScheduler
import ShoalTestSupport
import ShoalWire
import Testing

let clusterToken = "worker-test-token-0123456789"

/// A scheduler on a free loopback port plus `shoal worker` processes started from the
/// build folder. The scheduler is the real `shoal scheduler` process (its `address:`
/// line read from stdout), or, for tests that drive it from Swift (retire), an
/// in-process `Scheduler`. Every process is killed by pid when the test ends, pass or
/// fail.
final class TestCluster: @unchecked Sendable {
  let address: String
  let port: Int
  let tokenFile: String
  private(set) var workers: [ChildProcess] = []
  private let schedulerProcess: ChildProcess?
  private let embedded: Scheduler?

  private init(address: String, tokenFile: String, process: ChildProcess?, embedded: Scheduler?) {
    self.address = address
    self.tokenFile = tokenFile
    schedulerProcess = process
    self.embedded = embedded
    port = Int(address.split(separator: ":").last!)!
  }

  /// Runs `body` with a `shoal scheduler` process (start workers in the body).
  static func with(
    heartbeatTimeout: Double = 10, port: Int = 0, _ body: (TestCluster) async throws -> Void
  ) async throws {
    let tokenFile = try TemporaryDirectory.write(clusterToken + "\n", named: "token")
    let scheduler = try ChildProcess.shoal(
      "scheduler",
      [
        "scheduler", "--port", "\(port)", "--token-file", tokenFile, "--heartbeat-timeout",
        "\(heartbeatTimeout)",
      ])
    defer { scheduler.stop() }
    let address = try await scheduler.line(startingWith: "address: ")
    let cluster = TestCluster(
      address: address, tokenFile: tokenFile, process: scheduler, embedded: nil)
    defer { cluster.stopAll() }
    do {
      try await body(cluster)
    } catch {
      cluster.report()
      throw error
    }
  }

  /// Runs `body` with a scheduler in this process, which the test can drive directly.
  static func withEmbedded(_ body: (TestCluster) async throws -> Void) async throws {
    let scheduler = Scheduler(
      configuration: SchedulerConfiguration(token: clusterToken),
      logger: Logger(label: "scheduler", factory: { _ in SwiftLogNoOpLogHandler() }))
    let tokenFile = try TemporaryDirectory.write(clusterToken + "\n", named: "token")
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await scheduler.run() }
      let cluster = TestCluster(
        address: try await scheduler.listeningAddress(), tokenFile: tokenFile, process: nil,
        embedded: scheduler)
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

  /// Starts `shoal worker` with the token in `SHOAL_TOKEN`.
  @discardableResult
  func startWorker(
    _ name: String, nthreads: Int = 1, arguments: [String] = [],
    environment: [String: String] = [:],
    through address: String? = nil
  ) throws -> ChildProcess {
    let worker = try ChildProcess.shoal(
      name,
      ["worker", address ?? self.address, "--name", name, "--nthreads", "\(nthreads)"] + arguments,
      environment: ["SHOAL_TOKEN": clusterToken].merging(environment) { $1 })
    workers.append(worker)
    return worker
  }

  /// The scheduler's load (through a control connection when it is a process).
  func load() async throws -> SchedulerLoad {
    if let embedded { return try await embedded.load() }
    let control = try await ControlClient.connect(address: address, token: clusterToken)
    do {
      let load = try await control.status()
      await control.close()
      return load
    } catch {
      await control.close()
      throw error
    }
  }

  /// Retires workers through the scheduler (scale-down); embedded schedulers only.
  func retire(_ names: [String]) async -> [String] {
    await embedded?.retire(workers: names) ?? []
  }

  /// Waits (bounded) until exactly these workers are connected.
  func waitForWorkers(_ names: Set<String>, timeout: Duration = .seconds(60)) async throws {
    try await eventually("workers \(names.sorted()) are connected", timeout: timeout) {
      Set(try await load().workers.map(\.name)) == names
    }
  }

  /// A client connected to the scheduler.
  func executor() async throws -> Executor {
    try await Executor.connect(address: address, token: clusterToken)
  }

  func stopAll() {
    for worker in workers { worker.stop() }
    schedulerProcess?.stop()
  }

  /// Prints the processes' logs (for a failing test).
  func report() {
    for process in [schedulerProcess].compactMap({ $0 }) + workers {
      print("---- \(process.label) (pid \(process.pid)) stderr:\n\(process.stderr)")
    }
  }
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// A call of a task in libTestTasks (the test cannot link the library's types: the
/// workers load it, the test names it).
func testTask(
  _ name: String, _ input: String, inputType: String = "Swift.Int",
  outputType: String = "Swift.Int",
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
