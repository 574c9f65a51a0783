import ShoalCore
import ShoalWire

extension ConfigParser {
  static let groupKeys = [
    "cluster_class", "cluster_kwargs", "adapt_kwargs", "resources", "priority", "idle_timeout",
  ]

  /// A hint with a small `groups:` example.
  static let groupsExample =
    "for example:\n    groups:\n      local: {adapt_kwargs: {maximum: 2}}\n"
    + "      gpus: {cluster_class: SSHBackend.SSHCluster, resources: {gpu: 1}, priority: 1}"

  /// `groups:` of cluster `name`: every group checked, every problem reported.
  func parseGroups(_ node: Kwargs, cluster: String) throws -> [WorkerGroupSpec] {
    guard case .map(let entries) = node.value else {
      throw node.error(
        "expected a mapping of group names to group settings, found \(node.kindDescription)",
        code: .typeMismatch, hint: Self.groupsExample)
    }
    guard !entries.isEmpty else {
      throw node.error(
        "`groups` is empty; declare at least one worker group", code: .invalidConfig,
        hint: Self.groupsExample)
    }
    var collector = ErrorCollector()
    let groups = try entries.compactMap { entry in
      try collector.attempt {
        try parseGroup(
          name: entry.key, nameLocation: entry.keyLocation, node: entry.value, cluster: cluster)
      }
    }
    try ConfigErrors.throwIfAny(collector.errors)
    return groups
  }

  private func parseGroup(
    name: String, nameLocation: SourceLocation?, node: Kwargs, cluster: String
  ) throws -> WorkerGroupSpec {
    var collector = ErrorCollector()
    let node = try settingsMap(
      kind: "group", keys: Self.groupKeys, name: name, nameLocation: nameLocation,
      nameKeyPath: node.path, node: node, collector: &collector)
    let settings = try backendSettings(of: node, collector: &collector)
    let resources =
      try collector.attempt { try node["resources"].map(parseResources) } ?? nil
    let priority =
      try collector.attempt { try node["priority"].map { try $0.decode(Int.self) } } ?? nil
    if let priority, !(0...1_000_000).contains(priority), let priorityNode = node["priority"] {
      collector.errors.append(
        priorityNode.error(
          "priority must be from 0 to 1000000, found \(priority)", code: .invalidValue,
          hint: "lower numbers fill first; the default is 0"))
    }
    let idleTimeout =
      try collector.attempt {
        try node["idle_timeout"].map { try $0.decode(DurationValue.self).duration }
      } ?? nil
    try ConfigErrors.throwIfAny(collector.errors)
    // A group always scales adaptively; without `adapt_kwargs`, from 0 up to what its
    // backend can hold.
    var backend = ClusterSpec(
      name: cluster, clusterClass: settings.clusterClass, clusterKwargs: settings.kwargs,
      adapt: settings.adapt ?? AdaptSettings(), adaptKwargs: settings.adaptKwargs,
      location: nameLocation ?? node.location, clusterClassLocation: settings.classLocation)
    backend.keyPath = node.path
    return WorkerGroupSpec(
      name: name, backend: backend, resources: resources ?? ResourceSet(),
      priority: priority ?? 0, idleTimeout: idleTimeout, location: nameLocation)
  }

  /// `resources: {cpu: 4, memory: 16G, gpu: 1}`, each amount located when wrong.
  func parseResources(_ node: Kwargs) throws -> ResourceSet {
    guard case .map(let entries) = node.value else {
      throw node.error(
        "expected a mapping of resource names to amounts, found \(node.kindDescription)",
        code: .typeMismatch, hint: "for example `resources: {gpu: 1, memory: 16G}`")
    }
    var set = ResourceSet()
    var collector = ErrorCollector()
    for entry in entries {
      _ = try collector.attempt {
        let text = try entry.value.decode(String.self)
        do {
          let one = try ResourceSet(parsing: "\(entry.key)=\(text)")
          for item in one.entries { set.set(item.name, milli: item.milli) }
        } catch let error as ResourceError {
          throw ShoalError(
            .invalidValue, error.message, location: entry.value.location ?? entry.keyLocation,
            keyPath: Kwargs.join(node.path, entry.key),
            hint: "amounts are numbers (1, 0.5) or sizes (16G, 512M)")
        }
      }
    }
    if set.entries.count > ResourceSet.maxCount {
      collector.errors.append(
        node.error(
          "\(set.entries.count) resources; at most \(ResourceSet.maxCount) may be named",
          code: .invalidValue))
    }
    try ConfigErrors.throwIfAny(collector.errors)
    return set
  }
}
