import Foundation
import Logging
import ShoalClient
import ShoalCore
import ShoalPluginHost

extension Executor {
  /// Connects to a cluster of `clusters.yaml` by name, as Dask's
  /// `Client(LocalCluster())` does, and as `shoal run --cluster NAME` does:
  ///
  /// - an `address:` cluster is connected to (its `token_file:`, else `$SHOAL_TOKEN`,
  ///   else the default token file);
  /// - a detached cluster of that name that is up (`shoal up NAME --detach`) is joined;
  /// - any other is started as a **temporary** cluster in this process (its workers
  ///   are `shoal worker` processes: `ClusterOptions.workerExecutable`, by default
  ///   `$SHOAL_WORKER_EXECUTABLE`, `shoal` next to this executable, or on `PATH`), and
  ///   closed by `close()` (its workers retired and stopped).
  ///
  ///     let executor = try await Executor.connect(cluster: "burst", config: configURL)
  ///     let results = try await executor.map(specs)
  ///     await executor.close()       // closes the temporary cluster too
  ///
  /// - Parameters:
  ///   - name: the cluster; nil is the configuration's `default`.
  ///   - config: the file; nil searches as the CLI does (`$SHOAL_CONFIG`,
  ///     `./clusters.yaml`, `~/.config/shoal/clusters.yaml`), and with none found
  ///     uses a local cluster of the machine's size.
  ///   - pluginPath: folders searched for plugins before the others.
  ///   - options: how a temporary cluster runs (worker executable, state folder).
  ///   - timeout: how long to wait for the scheduler to answer.
  public static func connect(
    cluster name: String? = nil, config: URL? = nil, pluginPath: [String] = [],
    options: ClusterOptions = ClusterOptions(), timeout: Duration = .seconds(10)
  ) async throws -> Executor {
    let environment = ProcessInfo.processInfo.environment
    let shoalConfig: ShoalConfig?
    if let config {
      shoalConfig = try ShoalConfig.load(file: config.path, environment: environment)
    } else {
      do {
        shoalConfig = try ShoalConfig.discover(
          explicit: nil, environment: environment,
          currentDirectory: FileManager.default.currentDirectoryPath)
      } catch let error as ShoalError
        where error.code == .configNotFound && (environment["SHOAL_CONFIG"] ?? "").isEmpty
      {
        shoalConfig = nil
      }
    }
    let spec: ClusterSpec
    if let shoalConfig {
      spec = try shoalConfig.cluster(named: name)
    } else if let name, name != ClusterTarget.defaultLocalName {
      throw ShoalError(
        .configNotFound, "no clusters.yaml found, so there is no cluster `\(name)`",
        hint: "pass config:, set SHOAL_CONFIG, or write one with `shoal init`")
    } else {
      spec = ClusterSpec(name: ClusterTarget.defaultLocalName)
    }
    if let address = spec.address {
      let token =
        try spec.tokenFile.map { try TokenFile.read($0) }
        ?? TokenFile.resolve(tokenFile: nil, environment: environment)
      let tls = try ClusterTarget.existingTLS(
        address: address, explicit: nil, security: spec.security,
        what: "cluster `\(spec.name)` (\(address))")
      return try await connect(address: address, token: token, tls: tls, timeout: timeout)
    }
    if let joined = try ClusterTarget.detached(spec.name, stateFolder: options.stateFolder) {
      return try await connect(
        address: joined.address, token: joined.token, tls: joined.tls, timeout: timeout)
    }
    // Warnings of the cluster (a backend lowering the maximum, a worker restarted) go to
    // stderr, never into the app's stdout.
    var logger = Logger(label: "shoal.cluster") { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = .warning
    var runOptions = options
    runOptions.recorded = false
    runOptions.configFile = shoalConfig?.file
    let loader =
      shoalConfig?.loader(commandLinePluginPath: pluginPath)
      ?? PluginLoader(searchPath: .standard(commandLine: pluginPath, environment: environment))
    let runtime = try ClusterRuntime(
      spec: spec, loader: loader, options: runOptions, logger: logger)
    // Unstructured on purpose: the cluster lives as long as the executor, past this call.
    let running = Task { try? await runtime.run() }
    let executor: Executor
    do {
      let endpoint = try await runtime.ready()
      executor = try await connect(
        address: endpoint.address, token: endpoint.token, tls: endpoint.tls, timeout: timeout)
    } catch {
      runtime.close()
      await running.value
      throw error
    }
    executor.onClose(
      OwnedCluster(
        close: { runtime.close() },
        wait: {
          await running.value
          try? FileManager.default.removeItem(atPath: runtime.stateDirectory)
        }))
    return executor
  }
}
