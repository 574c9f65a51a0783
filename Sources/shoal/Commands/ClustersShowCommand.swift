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
    if let groups = details.groups {
      add("groups", "\(groups.count), filled in priority order (lower first)")
    }
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
      add("adapt_kwargs", describe(adapt))
      add("declared", declared(details.declaredAdapt, note: details.adaptNote))
    } else if details.address == nil && details.groups == nil {
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
    for group in details.groups ?? [] { rows += groupRows(group) }
    return Table.render(rows, header: false)
  }

  /// One group of a cluster with `groups:`: a `group NAME:` line, then its settings
  /// indented.
  static func groupRows(_ group: ClusterDetails.Group) -> [[String]] {
    var rows: [[String]] = [
      ["group \(group.name):", group.declaredAt.map { "declared at \($0)" } ?? ""]
    ]
    func add(_ label: String, _ value: String?) {
      if let value { rows.append(["  " + label + ":", value]) }
    }
    add("cluster_class", group.clusterClass)
    if let resolved = group.resolvedClass, resolved != group.clusterClass {
      add("resolves to", resolved)
    }
    add("library", group.library.map { "\($0) (\(group.kind ?? "class"))" })
    let given = group.clusterKwargs.description != "{}"
    add(
      "cluster_kwargs",
      given ? group.clusterKwargs.description : "none given (the backend's defaults apply)")
    add("adapt_kwargs", describe(group.adapt))
    add("declared", declared(group.declaredAdapt, note: group.adaptNote))
    add(
      "resources",
      group.resources.isEmpty
        ? "none besides slots (cpu = the worker's slots)"
        : group.resources.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
          .joined(separator: ","))
    add("priority", String(group.priority))
    add(
      "idle_timeout",
      group.idleTimeout.map(Seconds.format) ?? "none (idle workers retire by wait_count alone)")
    return rows
  }

  /// `minimum 0, maximum 4, interval 1s, wait_count 3, target_duration 5s`.
  static func describe(_ adapt: ClusterDetails.Adapt) -> String {
    "minimum \(adapt.minimum), maximum \(adapt.maximum.map(String.init) ?? "none"), "
      + "interval \(Seconds.format(adapt.interval)), wait_count \(adapt.waitCount), "
      + "target_duration \(Seconds.format(adapt.targetDuration))"
  }

  /// The declared bounds and why the backend changed them; nil when it did not.
  static func declared(_ adapt: ClusterDetails.Adapt?, note: String?) -> String? {
    guard let adapt, let note else { return nil }
    return "minimum \(adapt.minimum), maximum \(adapt.maximum.map(String.init) ?? "none") (\(note))"
  }
}
