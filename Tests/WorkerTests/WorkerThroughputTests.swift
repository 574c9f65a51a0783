import Foundation
import Shoal
import ShoalWire
import Testing

/// Many tiny tasks through real worker processes: all must come back right. Prints the
/// rate for information (not asserted; the benchmark script measures performance).
@Suite("Worker throughput", .serialized)
struct WorkerThroughputTests {
  @Test func tenThousandNoopSwiftTasks() async throws {
    try await TestCluster.with { cluster in
      try cluster.startWorker("fast1")
      try cluster.startWorker("fast2")
      try await cluster.waitForWorkers(["fast1", "fast2"])
      let executor = try await cluster.executor()
      let count = 10_000
      let start = ContinuousClock.now
      let results = try await executor.map(
        (0..<count).map {
          testTask(
            "echo", "\"\($0)\"", inputType: "Swift.String", outputType: "Swift.String",
            library: "Builtin")
        })
      let elapsed = start.duration(to: .now)
      await executor.close()
      #expect(results.count == count)
      for (index, result) in results.enumerated() where text(result.output) != "\"\(index)\"" {
        Issue.record(
          "task \(index): \(result.status) \(text(result.output)) \(result.message ?? "")")
        break
      }
      let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
      print(
        "Builtin.echo through 2 worker processes x 1 slot: \(Int(Double(count) / seconds)) tasks/s")
    }
  }
}
