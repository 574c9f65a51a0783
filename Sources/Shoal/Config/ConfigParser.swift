import ShoalClient
import ShoalCore

/// Checks a `clusters.yaml` document and builds a `ShoalConfig` from it.
///
/// Everything that can be checked without loading a plugin is checked here, and
/// every error carries the position of the node it is about.
struct ConfigParser {
  /// The file name used in positions.
  var file: String
  /// The absolute path of the file, or "" for text.
  var absolutePath: String
  /// Relative `plugin_path` entries are resolved against this folder.
  var baseDirectory: String
  /// Variables for `${VAR}` expansion.
  var environment: [String: String]

  static let topLevelKeys = ["version", "default", "plugin_path", "security", "clusters"]
  static let clusterKeys = [
    "cluster_class", "cluster_kwargs", "adapt_kwargs", "address", "timeouts", "token_file",
    "dashboard", "groups", "security",
  ]

  /// A minimal valid file, shown in hints.
  static let example = "a minimal file is:\n    version: 1\n    clusters:\n      local: {}"

  func parse(_ text: String) throws -> ShoalConfig {
    let reader = YAMLReader(file: file, expansion: Expansion(environment: environment))
    guard let root = try reader.read(text), !root.isNull else {
      throw ShoalError(
        .invalidConfig, "the file is empty; expected a mapping with `version` and `clusters`",
        location: SourceLocation(file: file, line: 1, column: 1), hint: Self.example)
    }
    guard root.isMap else {
      throw root.error(
        "expected a mapping at the top level (`version`, `clusters`, ...), found "
          + root.kindDescription, code: .invalidConfig, hint: Self.example)
    }
    // Independent parts are checked one after another and every problem is reported,
    // not only the first (`ConfigErrors`).
    var collector = ErrorCollector()
    let version = try collector.attempt { try parseVersion(root["version"]) } ?? 1
    _ = try collector.attempt {
      try Self.checkKeys(of: root, accepted: Self.topLevelKeys, allowExtensions: true)
    }
    let pluginPath = try collector.attempt { try parsePluginPath(root["plugin_path"]) } ?? []
    let security =
      (try collector.attempt { try root["security"].map(parseSecurity) }).flatMap { $0 } ?? .auto
    guard let clustersNode = root["clusters"] else {
      throw ConfigErrors.combine(
        collector.errors
          + [root.error("missing required key `clusters`", code: .missingKey, hint: Self.example)])
    }
    let clusters = (try collector.attempt { try parseClusters(clustersNode) } ?? []).map {
      cluster in
      var cluster = cluster
      if cluster.security.location == nil { cluster.security = security }
      return cluster
    }
    var declared: [String] = []
    if case .map(let entries) = clustersNode.value { declared = entries.map(\.key) }
    let defaultCluster = try collector.attempt {
      try parseDefault(root["default"], clusters: clusters, declared: declared)
    }
    try ConfigErrors.throwIfAny(collector.errors)
    return ShoalConfig(
      file: file, absolutePath: absolutePath, version: version,
      defaultCluster: defaultCluster ?? nil,
      pluginPath: pluginPath, clusters: clusters, environment: environment)
  }

  /// Throws for the first key of `node` not in `accepted`, suggesting the closest one.
  /// With `allowExtensions`, keys starting with `x-` are ignored (a place for anchors).
  static func checkKeys(
    of node: Kwargs, accepted: [String], allowExtensions: Bool = false
  ) throws {
    guard case .map(let entries) = node.value else { return }
    for entry in entries where !accepted.contains(entry.key) {
      if allowExtensions && entry.key.hasPrefix("x-") { continue }
      throw ShoalError(
        .unknownKey,
        "unknown key `\(entry.key)`" + Suggestion.didYouMean(entry.key, in: accepted),
        location: entry.keyLocation ?? entry.value.location ?? node.location,
        keyPath: node.path,
        hint: "accepted keys: " + accepted.map { "`\($0)`" }.joined(separator: ", "))
    }
  }

  private func parseSecurity(_ node: Kwargs) throws -> ClusterSecurity {
    try ClusterSecurity.parse(node, baseDirectory: baseDirectory, home: environment["HOME"])
  }

  private func parseVersion(_ node: Kwargs?) throws -> Int {
    guard let node else { return 1 }
    let version = try node.decode(Int.self)
    guard ShoalConfig.supportedVersions.contains(version) else {
      throw node.error(
        "unsupported version \(version); this shoal reads version "
          + ShoalConfig.supportedVersions.map(String.init).joined(separator: ", "),
        code: .invalidConfig,
        hint: "write `version: 1`, or use a newer shoal for this file")
    }
    return version
  }

  private func parsePluginPath(_ node: Kwargs?) throws -> [String] {
    guard let node, !node.isNull else { return [] }
    let items: [Kwargs]
    switch node.value {
    case .list(let list): items = list
    case .scalar: items = [node]
    default:
      throw node.error(
        "expected a folder or a list of folders, found \(node.kindDescription)",
        code: .typeMismatch)
    }
    return try items.map { item in
      let path = try item.decode(String.self)
      guard !path.isEmpty else {
        throw item.error("plugin folder is empty", code: .invalidValue)
      }
      return path.hasPrefix("/") ? path : Self.join(baseDirectory, path)
    }
  }

  private func parseDefault(
    _ node: Kwargs?, clusters: [ClusterSpec], declared: [String]
  ) throws -> String? {
    guard let node, !node.isNull else { return clusters.count == 1 ? clusters[0].name : nil }
    let name = try node.decode(String.self)
    let names = declared
    guard names.contains(name) else {
      throw node.error(
        "`default` names cluster `\(name)`, which is not declared"
          + Suggestion.didYouMean(name, in: names),
        code: .unknownCluster, hint: "declared clusters: " + names.joined(separator: ", "))
    }
    return name
  }

  private func parseClusters(_ node: Kwargs) throws -> [ClusterSpec] {
    guard case .map(let entries) = node.value else {
      throw node.error(
        "expected a mapping of cluster names to cluster settings, found \(node.kindDescription)",
        code: .typeMismatch, hint: Self.example)
    }
    guard !entries.isEmpty else {
      throw node.error("no clusters declared", code: .invalidConfig, hint: Self.example)
    }
    var collector = ErrorCollector()
    let specs = try entries.compactMap { entry in
      try collector.attempt {
        try parseCluster(name: entry.key, nameLocation: entry.keyLocation, node: entry.value)
      }
    }
    try ConfigErrors.throwIfAny(collector.errors)
    return specs
  }

  private func parseCluster(
    name: String, nameLocation: SourceLocation?, node: Kwargs
  ) throws -> ClusterSpec {
    var collector = ErrorCollector()
    let node = try settingsMap(
      kind: "cluster", keys: Self.clusterKeys, name: name, nameLocation: nameLocation,
      nameKeyPath: "clusters", node: node, collector: &collector)
    let timeouts: ClusterTimeouts =
      (try collector.attempt { try node["timeouts"].map { try $0.decode(ClusterTimeouts.self) } })
      .flatMap { $0 } ?? ClusterTimeouts()

    if let addressNode = node["address"] {
      let address = try collector.attempt { try parseAddress(addressNode) }
      for key in ["cluster_class", "cluster_kwargs", "adapt_kwargs", "dashboard", "groups"]
      where node[key] != nil {
        let entryLocation = Self.keyLocation(of: key, in: node)
        try ConfigErrors.throwIfAny(
          collector.errors + [
            ShoalError(
              .invalidConfig,
              "`address` connects to an existing cluster and cannot be combined with `\(key)`",
              location: entryLocation, keyPath: node.path,
              hint: "remove `\(key)` to use the running cluster at \(address ?? "that address"),"
                + " or remove `address` to create a cluster")
          ])
      }
      let tokenFile = try collector.attempt { try parseTokenFile(node["token_file"]) } ?? nil
      let security = (try collector.attempt { try node["security"].map(parseSecurity) }).flatMap {
        $0
      }
      try ConfigErrors.throwIfAny(collector.errors)
      var spec = ClusterSpec(
        name: name, address: address, timeouts: timeouts, location: nameLocation)
      spec.tokenFile = tokenFile
      if let security { spec.security = security }
      return spec
    }
    if let tokenNode = node["token_file"] {
      _ = try collector.attempt {
        throw ShoalError(
          .invalidConfig,
          "`token_file` names the token of an existing cluster; it needs `address`",
          location: Self.keyLocation(of: "token_file", in: node) ?? tokenNode.location,
          keyPath: node.path,
          hint: "a cluster that Shoal starts makes its own token; remove `token_file`")
      }
    }

    if let groupsNode = node["groups"] {
      for key in ["cluster_class", "cluster_kwargs", "adapt_kwargs"] where node[key] != nil {
        collector.errors.append(
          ShoalError(
            .invalidConfig,
            "`groups` declares each group's backend; `\(key)` belongs inside a group",
            location: Self.keyLocation(of: key, in: node), keyPath: node.path,
            hint: "move `\(key)` under `groups: {NAME: {\(key): ...}}`"))
      }
      let groups = try collector.attempt { try parseGroups(groupsNode, cluster: name) }
      let dashboard =
        (try collector.attempt {
          try node["dashboard"].map { try DashboardSetting.parse(node: $0) }
        })
        .flatMap { $0 } ?? .standard
      try ConfigErrors.throwIfAny(collector.errors)
      let first = groups?.first
      var spec = ClusterSpec(
        name: name, clusterClass: first?.backend.clusterClass, adapt: AdaptSettings(),
        timeouts: timeouts, location: nameLocation)
      spec.groups = groups
      spec.dashboard = dashboard
      return spec
    }

    let backend = try backendSettings(of: node, collector: &collector)
    let dashboard =
      (try collector.attempt { try node["dashboard"].map { try DashboardSetting.parse(node: $0) } })
      .flatMap { $0 } ?? .standard
    let security = (try collector.attempt { try node["security"].map(parseSecurity) }).flatMap {
      $0
    }
    try ConfigErrors.throwIfAny(collector.errors)
    var spec = ClusterSpec(
      name: name, clusterClass: backend.clusterClass, clusterKwargs: backend.kwargs,
      adapt: backend.adapt, adaptKwargs: backend.adaptKwargs, timeouts: timeouts,
      location: nameLocation, clusterClassLocation: backend.classLocation)
    spec.dashboard = dashboard
    if let security { spec.security = security }
    return spec
  }

  func parseClusterClass(_ node: Kwargs) throws -> String {
    let text = node.isNull ? "" : try node.decode(String.self)
    do {
      _ = try ImportPath(parsing: text)
    } catch var error as ShoalError {
      error.location = node.location
      error.keyPath = node.path
      throw error
    }
    return text
  }

  /// `tcp://HOST:PORT` or `HOST:PORT` (as on the command line), returned as `tcp://HOST:PORT`.
  private func parseAddress(_ node: Kwargs) throws -> String {
    let address = try node.decode(String.self)
    guard let parsed = try? SchedulerAddress(parsing: address),
      Self.isAddress(parsed.description)
    else {
      throw node.error(
        "expected a scheduler address `tcp://HOST:PORT` (or `HOST:PORT`), found \"\(address)\"",
        code: .invalidValue, hint: "for example `address: tcp://127.0.0.1:8786`")
    }
    return parsed.description
  }

  /// `token_file:` of an `address:` cluster: a path (`~` and `${VAR}` expanded),
  /// relative paths against the config's folder.
  private func parseTokenFile(_ node: Kwargs?) throws -> String? {
    guard let node, !node.isNull else { return nil }
    let path = try node.decode(String.self)
    guard !path.isEmpty else { throw node.error("token_file is empty", code: .invalidValue) }
    return path.hasPrefix("/") ? path : Self.join(baseDirectory, path)
  }

  /// Whether `text` is `tcp://HOST:PORT` with a port in 1...65535.
  static func isAddress(_ text: String) -> Bool {
    guard text.hasPrefix("tcp://") else { return false }
    let rest = text.dropFirst("tcp://".count)
    guard let colon = rest.lastIndex(of: ":") else { return false }
    let host = rest[..<colon]
    guard let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port),
      !host.isEmpty, !host.contains("/")
    else { return false }
    return true
  }

  static func isClusterName(_ name: String) -> Bool {
    !name.isEmpty
      && name.unicodeScalars.allSatisfy {
        $0 == "_" || $0 == "-" || ("a"..."z").contains($0) || ("A"..."Z").contains($0)
          || ("0"..."9").contains($0)
      }
  }

  static func keyLocation(of key: String, in node: Kwargs) -> SourceLocation? {
    guard case .map(let entries) = node.value,
      let entry = entries.first(where: { $0.key == key })
    else { return node.location }
    return entry.keyLocation ?? entry.value.location
  }

  static func join(_ directory: String, _ path: String) -> String {
    var relative = Substring(path)
    while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
    if relative.isEmpty || relative == "." { return directory }
    return directory.hasSuffix("/") ? directory + relative : directory + "/" + relative
  }
}
