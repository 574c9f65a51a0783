import Foundation
import Shoal
import ShoalTestSupport
import Testing

/// A worker given its token in `$SHOAL_TOKEN` wipes it from its own environment once
/// read: neither `/proc/PID/environ` nor a task reading its parent's environment finds it.
@Suite("worker secrets", .serialized)
struct SecretsTests {
  @Test func theWorkerDropsTheTokenFromItsEnvironment() async throws {
    let fixture = try TLSFixture()
    try await fixture.withScheduler { scheduler, address in
      let worker = try fixture.startWorker("s13-scrub", address: address)
      defer { worker.stop() }
      try await waitForWorkers(scheduler, ["s13-scrub"])
      let environ = try #require(
        FileManager.default.contents(atPath: "/proc/\(worker.pid)/environ"))
      let text = String(decoding: environ, as: UTF8.self)
      #expect(text.contains("PATH="))  // the worker's environment is readable here
      #expect(!text.contains(clusterToken))
      let executor = try await Executor.connect(
        address: address, token: clusterToken, tls: .mutual(fixture.client))
      let result = try await executor.submit(
        .shell("sh", ["-c", "tr '\\0' '\\n' < /proc/$PPID/environ; echo; env"])
      ).result
      await executor.close()
      let output = String(decoding: result.output, as: UTF8.self)
      #expect(result.status == .succeeded)
      #expect(output.contains("PATH="))
      #expect(!output.contains(clusterToken))
      #expect(!output.contains("SHOAL_TOKEN"))
    }
  }
}
