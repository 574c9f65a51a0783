import Foundation
import ShoalTestSupport
import Testing

/// Start-up figures: container start to worker ready, and scaling 0 -> 4. The times
/// are printed, never asserted (machines are noisy); the worker counts are asserted.
/// Runs once in the suite; SHOAL_MEASURE=1 repeats it for the figures.
extension ContainerClusterTests {
  @Test func startupFigures() async throws {
    try await ContainerHarness.withCluster(["runtime": "podman", "stop_grace": 2]) { cluster in
      var singles: [Double] = []
      for _ in 0..<Measure.runs(7) {
        let start = ContinuousClock.now
        try await cluster.backend.scale(to: 1)
        #expect(try await cluster.waitForWorkers(1).count == 1)
        singles.append((ContinuousClock.now - start).seconds)
        try await cluster.backend.scale(to: 0)
        _ = try await cluster.waitForWorkers(0)
      }
      var fours: [Double] = []
      for _ in 0..<Measure.runs(3) {
        let start = ContinuousClock.now
        try await cluster.backend.scale(to: 4)
        #expect(try await cluster.waitForWorkers(4).count == 4)
        fours.append((ContinuousClock.now - start).seconds)
        try await cluster.backend.scale(to: 0)
        _ = try await cluster.waitForWorkers(0)
      }
      func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
      let text = """
        container start to worker ready: median \(median(singles)) s of \(singles.map { String(format: "%.2f", $0) })
        scale 0 -> 4 containers: median \(median(fours)) s of \(fours.map { String(format: "%.2f", $0) })
        """
      print(text)
      try text.write(
        toFile: NSTemporaryDirectory() + "shoal-container-figures.txt", atomically: true,
        encoding: .utf8)
    }
  }
}
