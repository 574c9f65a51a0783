import ShoalCore

extension ConfigParser {
  /// The prologue shared by every named entry of clusters.yaml (a cluster under
  /// `clusters:`, a group under `groups:`): the name checked (thrown, located at the
  /// name), a null entry read as an empty mapping, any other non-mapping refused with
  /// the accepted `keys`, and each unknown key recorded in `collector` with a
  /// suggestion. Returns the entry as a mapping.
  ///
  /// - Parameters:
  ///   - kind: `cluster` or `group`, as the messages name the entry.
  ///   - nameKeyPath: the key path an invalid name is reported at.
  func settingsMap(
    kind: String, keys: [String], name: String, nameLocation: SourceLocation?,
    nameKeyPath: String, node: Kwargs, collector: inout ErrorCollector
  ) throws -> Kwargs {
    guard Self.isClusterName(name) else {
      throw ShoalError(
        .invalidValue, "\(kind) name `\(name)` may only contain letters, digits, `-` and `_`",
        location: nameLocation ?? node.location, keyPath: nameKeyPath)
    }
    var node = node
    if node.isNull { node = Kwargs(.map([]), location: node.location, path: node.path) }
    guard node.isMap else {
      throw node.error(
        "expected a mapping of \(kind) settings ("
          + keys.map { "`\($0)`" }.joined(separator: ", ")
          + "), found \(node.kindDescription)", code: .typeMismatch)
    }
    _ = try collector.attempt { [node] in try Self.checkKeys(of: node, accepted: keys) }
    return node
  }

  /// An entry's backend: `cluster_class` (default `ClusterSpec.defaultClusterClass`),
  /// `cluster_kwargs` (a mapping; null or absent is empty) and `adapt_kwargs` (null is
  /// empty; nil when absent). Problems are recorded in `collector`, in that order.
  func backendSettings(of node: Kwargs, collector: inout ErrorCollector) throws
    -> BackendSettings
  {
    var settings = BackendSettings(
      kwargs: node["cluster_kwargs"] ?? Kwargs.empty(path: Kwargs.join(node.path, "cluster_kwargs"))
    )
    if let classNode = node["cluster_class"] {
      settings.classLocation = classNode.location
      settings.clusterClass =
        try collector.attempt { try parseClusterClass(classNode) } ?? settings.clusterClass
    }
    let kwargs = settings.kwargs
    if kwargs.isNull {
      settings.kwargs = Kwargs(.map([]), location: kwargs.location, path: kwargs.path)
    } else if !kwargs.isMap {
      collector.errors.append(
        kwargs.error(
          "expected a mapping of backend options, found \(kwargs.kindDescription)",
          code: .typeMismatch))
    }
    if let raw = node["adapt_kwargs"] {
      let mapping = raw.isNull ? Kwargs(.map([]), location: raw.location, path: raw.path) : raw
      settings.adaptKwargs = mapping
      settings.adapt = try collector.attempt { try mapping.decode(AdaptSettings.self) }
    }
    return settings
  }

  /// `cluster_class`, `cluster_kwargs` and `adapt_kwargs` of an entry, read.
  struct BackendSettings {
    var clusterClass = ClusterSpec.defaultClusterClass
    var classLocation: SourceLocation?
    var kwargs: Kwargs
    var adaptKwargs: Kwargs?
    var adapt: AdaptSettings?
  }
}
