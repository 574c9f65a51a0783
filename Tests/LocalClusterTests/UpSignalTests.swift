import Foundation
import Shoal
import ShoalCore
import ShoalTestSupport
import Testing

/// `shoal up NAME` in the foreground, stopped as a user stops it: Ctrl-C (SIGINT) or
/// SIGTERM shuts its ServiceGroup down gracefully, which retires and stops the workers,
/// removes the cluster's record and exits 0; Ctrl-\ (SIGQUIT) cancels the group: the
/// workers are stopped at once, the record goes too, and it exits 131.
@Suite(.serialized) struct UpSignalTests {
  let folder: String
  let state: String

  init() throws {
    folder = try TemporaryDirectory.make("s18-up")
    state = try TemporaryDirectory.make("s18-xdg")
    try """
    version: 1
    clusters:
      s18pair:
        cluster_kwargs: {n_workers: 2, threads_per_worker: 1}
    """.write(toFile: folder + "/clusters.yaml", atomically: true, encoding: .utf8)
  }

  var stateFolder: StateFolder { StateFolder(root: state + "/shoal") }

  @Test(arguments: zip([SIGINT, SIGTERM, SIGQUIT], [0, 0, 131] as [Int32]))
  func aSignalClosesAForegroundCluster(signal: Int32, status: Int32) async throws {
    let up = Process()
    up.executableURL = URL(fileURLWithPath: BuildProducts.shoal)
    up.arguments = ["up", "s18pair"]
    up.currentDirectoryURL = URL(fileURLWithPath: folder)
    var environment = ProcessInfo.processInfo.environment
    environment["XDG_STATE_HOME"] = state
    for key in ["SHOAL_STATE_DIR", "SHOAL_CONFIG", "SHOAL_TOKEN"] {
      environment.removeValue(forKey: key)
    }
    up.environment = environment
    let output = folder + "/up-\(signal).out"
    FileManager.default.createFile(atPath: output, contents: nil)
    up.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
    up.standardError = up.standardOutput
    up.standardInput = FileHandle.nullDevice
    try up.run()
    var workers: [Int32] = []
    defer {
      if up.isRunning {
        kill(up.processIdentifier, SIGKILL)
        up.waitUntilExit()
      }
      ClusterTesting.killAll(workers)
    }
    let text = { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }
    let isUp = await eventually(60) { text().contains("cluster `s18pair` is up at") }
    #expect(isUp, "\(text())")
    #expect(stateFolder.record("s18pair")?.pid == up.processIdentifier)
    let found = await eventually(30) {
      // Its workers inherit the test's XDG_STATE_HOME: that marks them as this test's.
      workers = ClusterTesting.workerProcesses { _, environment in
        environment.contains("XDG_STATE_HOME=\(state)\n")
      }
      return workers.count == 2
    }
    #expect(found, "workers: \(workers)")

    kill(up.processIdentifier, signal)
    let exited = await eventually(60) { !up.isRunning }
    #expect(exited, "`shoal up` still runs 60 s after signal \(signal): \(text())")
    guard exited else { return }
    #expect(up.terminationReason == .exit, "\(text())")
    #expect(up.terminationStatus == status, "\(text())")
    if signal == SIGQUIT {
      #expect(text().contains("stopped at once (SIGQUIT)"), "\(text())")
    } else {
      #expect(text().contains("retiring worker"), "\(text())")
    }
    #expect(workers.allSatisfy { !ClusterTesting.isAlive($0) }, "workers left: \(workers)")
    #expect(stateFolder.record("s18pair") == nil)
    #expect(!ClusterLock.isHeld(stateFolder.lockFile("s18pair")))
  }
}
