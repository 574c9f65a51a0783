import Foundation
import ShoalCore
import ShoalTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// What a user sees when a backend plugin fails: `shoal up` reports the plugin's
/// error (or that it hung, after the YAML's `timeouts:`), exits non-zero, and leaves
/// no worker running.
@Suite(.serialized) struct PluginFaultTests {
  /// Runs `shoal up NAME` in the foreground on a config with FaultyPlugin clusters.
  func up(_ cluster: String, label: String) throws -> CommandOutput {
    let config = try TemporaryDirectory.write(
      """
      version: 1
      clusters:
        throws-in-scale:
          cluster_class: FaultyPlugin.ThrowingCluster
          cluster_kwargs: {fail_in: scale, fail_after: 1, label: \(label)}
        throws-in-run:
          cluster_class: FaultyPlugin.ThrowingCluster
          cluster_kwargs: {fail_in: run, label: \(label)}
        hangs-in-scale:
          cluster_class: FaultyPlugin.HangingCluster
          cluster_kwargs: {hang_in: scale}
          timeouts: {start: 2, scale: 2, stop: 5}
        hangs-in-close:
          cluster_class: FaultyPlugin.HangingCluster
          cluster_kwargs: {hang_in: run}
          timeouts: {start: 5, scale: 2, stop: 2}
      """)
    let state = try TemporaryDirectory.make()
    return try CommandRunner.shoal(
      ["up", cluster, "--config", config],
      environment: ["XDG_STATE_HOME": state, "SHOAL_PLUGIN_PATH": BuildProducts.directory],
      timeout: 90)
  }

  /// Pids of processes whose command line mentions `label`; waits a little for
  /// stragglers to exit, kills what remains.
  func leftovers(_ label: String) async throws -> [Int32] {
    let deadline = ContinuousClock.now + .seconds(3)
    var pids = Self.pids(mentioning: label)
    while !pids.isEmpty && ContinuousClock.now < deadline {
      try await Task.sleep(for: .milliseconds(100))
      pids = Self.pids(mentioning: label)
    }
    for pid in pids { kill(pid, SIGKILL) }
    return pids
  }

  static func pids(mentioning text: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { pid in
      guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
        let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        !stat.contains(") Z")
      else { return false }
      return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).contains(text)
    }
  }

  @Test(arguments: ["throws-in-scale", "throws-in-run"])
  func pluginThatThrowsDuringStartIsReportedAndLeavesNothingRunning(_ cluster: String) async throws
  {
    let label = "faulty\(UInt32.random(in: 0...UInt32.max))"
    let output = try up(cluster, label: label)
    #expect(output.status != 0 && output.status < 128, "exit \(output.status)")
    let expected =
      cluster == "throws-in-scale" ? "cannot start worker 2, as asked" : "failed in run, as asked"
    #expect(output.stderr.contains("error: ThrowingCluster \(expected)"), "\(output.stderr)")
    #expect(try await leftovers(label).isEmpty, "workers of the failed cluster are still running")
  }

  @Test func pluginThatHangsInScaleIsReportedAfterTheYamlTimeout() throws {
    let output = try up("hangs-in-scale", label: "unused")
    #expect(output.status != 0 && output.status < 128, "exit \(output.status): \(output.stderr)")
    #expect(output.stderr.contains("did not finish within 2"), "\(output.stderr)")
  }

  @Test func pluginThatHangsWhileClosingIsReportedAfterTheYamlTimeout() throws {
    // HangingCluster(hang_in: run) starts no workers, so `up` cannot become ready and
    // closes; its `run` then ignores cancellation and never returns.
    let output = try up("hangs-in-close", label: "unused")
    #expect(output.status != 0 && output.status < 128, "exit \(output.status): \(output.stderr)")
    #expect(
      output.stderr.contains("did not return from run(context:) within 2"), "\(output.stderr)")
  }
}
