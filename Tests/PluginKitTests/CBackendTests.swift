import Foundation
import ShoalBackendTesting
import ShoalTestSupport
import Testing

/// Examples/CBackend: a backend plugin written in C against `shoal_plugin.h` alone,
/// compiled here with the system's C compiler, then held to the same conformance kit
/// as the Swift backends, and selected by name from clusters.yaml.
@Suite(.serialized) struct CBackendTests {
  static let folder: Result<String, any Error> = Result {
    try CPluginBuild.library(
      module: "CBackend",
      sources: [BuildProducts.repositoryRoot + "/Examples/CBackend/CCluster.c"],
      variant: "example")
  }

  @Test(arguments: BackendConformance.Check.allCases)
  func conformance(_ check: BackendConformance.Check) async throws {
    let kit = BackendConformance(
      clusterClass: "CBackend.CCluster", kwargs: ["n_workers": 1, "threads_per_worker": 1],
      pluginPath: [try Self.folder.get()])
    try await kit.run(check)
  }

  @Test func clustersYamlSelectsTheCBackendAndShoalMapRunsOnIt() throws {
    let folder = try Self.folder.get()
    let config = try TemporaryDirectory.write(
      """
      version: 1
      default: c
      clusters:
        c:
          cluster_class: CBackend.CCluster
          cluster_kwargs: {n_workers: 2, threads_per_worker: 1}
        typo:
          cluster_class: CBackend.CCluster
          cluster_kwargs: {n_worker: 2}
      """)
    let environment = ["SHOAL_PLUGIN_PATH": folder]
    let plugins = try CommandRunner.shoal(["plugins"], environment: environment)
    #expect(plugins.stdout.contains("CBackend  \(folder)/libCBackend.so"), "\(plugins.stdout)")
    #expect(plugins.stdout.contains("built with C"), "\(plugins.stdout)")
    let validate = try CommandRunner.shoal(
      ["validate", "--config", config], environment: environment)
    let text = validate.stdout + validate.stderr
    #expect(validate.status != 0)
    #expect(
      text.contains("\(config):9:22: clusters.typo.cluster_kwargs: unknown key `n_worker`"),
      "\(text)")

    let state = try TemporaryDirectory.make()
    let map = try CommandRunner.shoal(
      [
        "map", "--cluster", "c", "--config", config, "--inputs", "-", "--",
        "sh", "-c", "echo $(({} * {})) $(tr '\\0' ' ' < /proc/$PPID/cmdline)",
      ],
      environment: environment.merging(["XDG_STATE_HOME": state, "SHOAL_STATE_DIR": state]) { $1 },
      stdin: (1...6).map(String.init).joined(separator: "\n") + "\n", timeout: 120)
    #expect(map.status == 0, "\(map.stderr)")
    let lines = map.stdout.split(separator: "\n")
    #expect(lines.count == 6, "\(map.stdout)")
    for (index, line) in lines.enumerated() {
      #expect(line.hasPrefix("\((index + 1) * (index + 1)) "), "\(line)")
      // Each task ran in a worker that CCluster started (its names end in -cN).
      #expect(line.contains("--name c-c"), "\(line)")
    }
  }
}
