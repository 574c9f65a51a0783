import ArgumentParser
import Shoal
import ShoalCore

/// `shoal clusters show NAME`: one cluster, resolved.
struct ClustersShowCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Show one cluster with defaults filled in and the library its class comes from.",
    discussion: """
      Loads the cluster's plugin and makes the backend (starting nothing), so the \
      output shows what `shoal up NAME` would use. Without NAME, the default cluster.

      Examples:
        shoal clusters show
        shoal clusters show burst --json
      """)

  @OptionGroup var options: ConfigOptions
  @Argument(help: "The cluster's name (default: the config's `default`).") var name: String?
  @Flag(help: "Print JSON.") var json = false

  func run() async throws {
    try withErrorReporting {
      let config = try options.loadConfig()
      let spec = try config.cluster(named: name)
      let check = ShoalConfig.checkBackend(spec, loader: options.loader(config: config))
      let details = ClusterDetails(check, isDefault: spec.name == config.defaultCluster)
      if json {
        try JSONOutput.print(details)
      } else {
        print(Self.render(details), terminator: "")
      }
      if let error = check.error {
        if !json { ErrorReporting.report(error) }
        throw ExitCode.failure
      }
    }
  }

  static func render(_ details: ClusterDetails) -> String {
    var rows: [[String]] = [["cluster:", details.name + (details.isDefault ? " (default)" : "")]]
    func add(_ label: String, _ value: String?) {
      if let value { rows.append([label + ":", value]) }
    }
    add("declared at", details.declaredAt)
    add("mode", details.mode)
    add("address", details.address)
    add("cluster_class", details.clusterClass)
    if let resolved = details.resolvedClass, resolved != details.clusterClass {
      add("resolves to", resolved)
    }
    add("library", details.library.map { "\($0) (\(details.kind ?? "class"))" })
    add("token_file", details.tokenFile)
    if let kwargs = details.clusterKwargs {
      let given = kwargs.description != "{}"
      add(
        "cluster_kwargs",
        given ? kwargs.description : "none given (the backend's defaults apply)")
    }
    add("initial workers", details.adapt == nil ? details.initialWorkers.map(String.init) : nil)
    if let adapt = details.adapt {
      add(
        "adapt_kwargs",
        "minimum \(adapt.minimum), maximum \(adapt.maximum.map(String.init) ?? "none"), "
          + "interval \(Seconds.format(adapt.interval)), wait_count \(adapt.waitCount), "
          + "target_duration \(Seconds.format(adapt.targetDuration))")
      if let declared = details.declaredAdapt, let note = details.adaptNote {
        add(
          "declared",
          "minimum \(declared.minimum), maximum \(declared.maximum.map(String.init) ?? "none")"
            + " (\(note))")
      }
    } else if details.address == nil {
      add("adapt_kwargs", "none (fixed size)")
    }
    if let timeouts = details.timeouts {
      add(
        "timeouts",
        "start \(Seconds.format(timeouts.start)), scale \(Seconds.format(timeouts.scale)), "
          + "stop \(Seconds.format(timeouts.stop))")
    }
    add("security", details.security)
    add("protected by", details.protection)
    return Table.render(rows, header: false)
  }
}
