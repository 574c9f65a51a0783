import Synchronization

/// Checks that a backend read every key of its `cluster_kwargs` while it was made.
///
/// A backend that declares options but never decodes them (or decodes only some)
/// would silently ignore what the user wrote, typos included: YAML itself has no
/// schema. So the core makes every backend inside an audit: reading a key through
/// `kwargs.decode(T.self)`, `kwargs["key"]` or `kwargs.keys` marks it as read, and
/// any top-level key that nothing read is reported at its position, as the user's
/// error and the plugin author's bug at once:
///
///     clusters.yaml:5:20: clusters.mine.cluster_kwargs: MyBackend.MyCluster never read `n_workers` ...
public enum KwargsAudit {
  /// The key paths read during the current audit.
  final class ReadLog: Sendable {
    private let paths = Mutex<Set<String>>([])
    func record(_ path: String) { _ = paths.withLock { $0.insert(path) } }
    func contains(_ path: String) -> Bool { paths.withLock { $0.contains(path) } }
  }

  @TaskLocal static var current: ReadLog?

  /// Notes that the key at `path` was read, when an audit is running.
  static func record(_ path: String) { current?.record(path) }

  /// Runs `make` (which builds a backend from `kwargs`), then fails with
  /// `ShoalError.Code.kwargsIgnored` when `make` succeeded without reading one of the
  /// top-level keys of `kwargs`. `backend` names the class or factory for the message.
  public static func make<Value>(
    _ kwargs: Kwargs, backend: String, _ make: (Kwargs) throws -> Value
  ) throws -> Value {
    let log = ReadLog()
    let value = try $current.withValue(log) { try make(kwargs) }
    guard case .map(let entries) = kwargs.value else {
      if kwargs.isNull || log.contains(kwargs.path) { return value }
      throw ShoalError(
        .kwargsIgnored,
        "\(backend) never read its cluster_kwargs (\(kwargs.kindDescription)): the backend does"
          + " not validate them, so they would be silently ignored",
        location: kwargs.location, keyPath: kwargs.path,
        hint: "cluster_kwargs is a mapping of the backend's options")
    }
    for entry in entries where !log.contains(Kwargs.join(kwargs.path, entry.key)) {
      throw ShoalError(
        .kwargsIgnored,
        "\(backend) never read `\(entry.key)`: the backend does not validate its cluster_kwargs,"
          + " so this setting would be silently ignored",
        location: entry.keyLocation ?? entry.value.location ?? kwargs.location,
        keyPath: kwargs.path,
        hint:
          "remove the key if it is a mistake; the backend's author should decode every key in"
          + " init(kwargs:) with `try kwargs.decode(Options.self)`, which also rejects unknown keys"
      )
    }
    return value
  }
}
