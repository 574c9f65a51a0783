import ArgumentParser
import Foundation
import Logging
import Shoal
import ShoalCore

/// Where `shoal run` and `shoal map` send their work: `--address` (an existing
/// scheduler), `--cluster NAME` (a cluster from clusters.yaml: joined when a detached
/// cluster of that name is up, else started for this one command and closed after),
/// or, with neither, the config's `default` cluster (a local cluster when there is
/// no clusters.yaml).
struct TargetOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "A cluster from clusters.yaml (default: its `default`).",
      discussion:
        "Joins the detached cluster of that name when one is up (`shoal up NAME --detach`); otherwise starts it for this command and closes it after.",
      valueName: "name"))
  var cluster: String?

  @Option(
    help: ArgumentHelp(
      "The address of a running scheduler (tcp://HOST:PORT), instead of a cluster.",
      valueName: "address"))
  var address: String?

  @Option(
    name: .customLong("token-file"),
    help: ArgumentHelp(
      "The file holding the scheduler's token (with --address). Default: $SHOAL_TOKEN, then the `shoal scheduler` default token file.",
      valueName: "file"))
  var tokenFile: String?

  @OptionGroup var config: ConfigOptions

  func validate() throws {
    if let cluster, let address {
      throw ValidationError("give either --cluster \(cluster) or --address \(address), not both")
    }
  }

  /// Runs `body` against the target; a temporary cluster is closed after it, also
  /// when it throws.
  func withTarget<T: Sendable>(_ body: @Sendable (ClusterTarget) async throws -> T) async throws
    -> T
  {
    let environment = config.environment
    let tokenFile = self.tokenFile
    let shoalConfig = address == nil ? try config.loadConfigIfPresent() : nil
    let logger = ClusterLogging.make(label: "shoal.cluster", fallback: .warning)
    return try await ClusterTarget.with(
      cluster: cluster, address: address,
      token: { try TokenFile.resolve(tokenFile: tokenFile, environment: environment) },
      config: shoalConfig, loader: config.loader(config: shoalConfig),
      options: Shoal.ClusterOptions(configFile: shoalConfig?.file), logger: logger, body)
  }
}
