import Foundation
import ShoalTestSupport
import Testing

/// Start-up figures (not assertions; machines are noisy): container start to worker
/// ready, and scaling 0 -> 4. Run with SHOAL_CONTAINER_FIGURES=1.
extension ContainerClusterTests {
  @Test(
    .enabled(
      if: ProcessInfo.processInfo.environment["SHOAL_CONTAINER_FIGURES"] == "1",
      "set SHOAL_CONTAINER_FIGURES=1 to measure container start-up"))
  func startupFigures() async throws {
    try await ContainerHarness.withCluster(["runtime": "podman", "stop_grace": 2]) { cluster in
      var singles: [Double] = []
      for _ in 0..<7 {
        let start = ContinuousClock.now
        try await cluster.backend.scale(to: 1)
        _ = try await cluster.waitForWorkers(1)
        singles.append((ContinuousClock.now - start).seconds)
        try await cluster.backend.scale(to: 0)
        _ = try await cluster.waitForWorkers(0)
      }
      var fours: [Double] = []
      for _ in 0..<3 {
        let start = ContinuousClock.now
        try await cluster.backend.scale(to: 4)
        _ = try await cluster.waitForWorkers(4)
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
