import Foundation
import Logging
import Shoal
import ShoalScheduler

/// What the Dask side's `LocalCluster` is: a scheduler in this process and worker
/// processes (`shoal worker`, 1 slot each) started next to it.
final class BenchCluster: @unchecked Sendable {
  let scheduler: Scheduler
  let token: String
  let shoal: String
  private(set) var address = ""
  private(set) var workers: [Process] = []

  init(shoal: String, configuration: (inout SchedulerConfiguration) -> Void = { _ in }) {
    token = UUID().uuidString
    self.shoal = shoal
    var settings = SchedulerConfiguration(token: token)
    configuration(&settings)
    var logger = Logger(label: "bench.scheduler")
    logger.logLevel = .error
    scheduler = Scheduler(configuration: settings, logger: logger)
  }

  /// Runs the scheduler while `body` runs; stops every worker process afterwards,
  /// even when `body` throws.
  func run<T: Sendable>(_ body: @Sendable (BenchCluster) async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
      group.addTask {
        try await self.scheduler.run()
        return nil
      }
      defer { group.cancelAll() }
      do {
        address = try await scheduler.listeningAddress()
        let value = try await body(self)
        stopWorkers()
        return value
      } catch {
        stopWorkers()
        throw error
      }
    }
  }

  /// The port of `tcp://HOST:PORT`.
  var port: Int { Int(address.split(separator: ":").last ?? "") ?? 0 }

  /// Starts `count` worker processes with `slots` slots each.
  func startWorkers(_ count: Int, slots: Int = 1) throws {
    for _ in 0..<count {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: shoal)
      process.arguments = [
        "worker", address, "--nthreads", "\(slots)", "--name", "bench-w\(workers.count)",
      ]
      var environment = ProcessInfo.processInfo.environment
      environment["SHOAL_TOKEN"] = token
      environment["SHOAL_PARENT_PID"] = "\(getpid())"
      process.environment = environment
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      workers.append(process)
    }
  }

  /// Waits until `count` workers are connected (bounded).
  func waitForWorkers(_ count: Int, timeout: Duration = .seconds(60)) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await scheduler.load().workers.count < count {
      if ContinuousClock.now > deadline {
        throw BenchError(
          "only \(try await scheduler.load().workers.count) of \(count) workers connected")
      }
      try await Task.sleep(for: .milliseconds(1))
    }
  }

  /// SIGTERM to every worker process, then waits for their exits.
  func stopWorkers() {
    for process in workers where process.isRunning { process.terminate() }
    for process in workers { process.waitUntilExit() }
    workers.removeAll()
  }

  /// A connected `Executor` (the library's client), closed after `body`.
  func executor<T: Sendable>(_ body: @Sendable (Shoal.Executor) async throws -> T) async throws -> T
  {
    let executor = try await Shoal.Executor.connect(address: address, token: token)
    do {
      let value = try await body(executor)
      await executor.close()
      return value
    } catch {
      await executor.close()
      throw error
    }
  }

  /// A connected protocol client.
  func client<T: Sendable>(_ body: @Sendable (WireClient.Session) async throws -> T) async throws
    -> T
  {
    let client = try await WireClient.connect(host: "127.0.0.1", port: port, token: token)
    return try await client.run(token: token, body)
  }
}
