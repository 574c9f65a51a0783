/// The one error type of ShoalCore and of everything built on it.
///
/// An error says what went wrong, where (a `file:line:col` and a key path when it
/// comes from configuration) and, when there is one, the fix. Equality is by code,
/// so callers and tests match on `code`, never on message text.
///
///     clusters.yaml:7:18: clusters.lab.cluster_kwargs.n_workers: expected an integer, found "four"
public struct ShoalError: Error, Sendable, CustomStringConvertible, Equatable {
  /// What kind of failure this is. A struct, not an enum, so that codes can be added
  /// without breaking plugins that switch on them.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    /// The stable, machine-readable name of the code (`unknown_key`).
    public let name: String
    /// A code with the given stable name.
    public init(_ name: String) { self.name = name }
    public var description: String { name }

    /// The configuration file is not valid YAML, or not the expected shape.
    public static let invalidConfig = Code("invalid_config")
    /// A value has the wrong type (`expected an integer`).
    public static let typeMismatch = Code("type_mismatch")
    /// A key that nothing accepts.
    public static let unknownKey = Code("unknown_key")
    /// A required key is missing.
    public static let missingKey = Code("missing_key")
    /// A key that the backend never read: it declares options but does not validate them.
    public static let kwargsIgnored = Code("kwargs_ignored")
    /// A value is of the right type but out of range or inconsistent.
    public static let invalidValue = Code("invalid_value")
    /// A cluster name that the configuration does not declare.
    public static let unknownCluster = Code("unknown_cluster")
    /// No configuration file was found.
    public static let configNotFound = Code("config_not_found")
    /// A `Module.Type` import path that is malformed.
    public static let invalidImportPath = Code("invalid_import_path")
    /// No `libModule.so` on the plugin search path.
    public static let pluginNotFound = Code("plugin_not_found")
    /// A library that has no Shoal entry point.
    public static let notAPlugin = Code("not_a_plugin")
    /// A plugin built against another plugin ABI version.
    public static let abiMismatch = Code("abi_mismatch")
    /// The library does not export the requested class, factory or task.
    public static let notExported = Code("not_exported")
    /// A backend failed while starting, scaling or stopping workers.
    public static let backendFailed = Code("backend_failed")
    /// An operation did not finish within its time limit.
    public static let timeout = Code("timeout")
    /// A peer could not be reached, or went away.
    public static let connectionFailed = Code("connection_failed")
    /// A peer broke the protocol or presented wrong credentials.
    public static let protocolViolation = Code("protocol_violation")
    /// An operation was cancelled.
    public static let cancelled = Code("cancelled")
    /// A task threw: the message is its error.
    public static let taskFailed = Code("task_failed")
    /// A cluster operation that does not fit the cluster's current state.
    public static let invalidState = Code("invalid_state")
  }

  /// What kind of failure this is.
  public var code: Code
  /// What went wrong, in one sentence.
  public var message: String
  /// The configuration node this error is about, when there is one.
  public var location: SourceLocation?
  /// The key path of that node (`clusters.lab.cluster_kwargs.hosts[1]`).
  public var keyPath: String?
  /// How to fix it, when there is a known fix.
  public var hint: String?

  /// An error with the given code and message.
  public init(
    _ code: Code, _ message: String, location: SourceLocation? = nil, keyPath: String? = nil,
    hint: String? = nil
  ) {
    self.code = code
    self.message = message
    self.location = location
    self.keyPath = keyPath
    self.hint = hint
  }

  /// `FILE:LINE:COL: key.path: message` followed by the hint on its own line.
  public var description: String {
    var text = ""
    if let location { text += "\(location): " }
    if let keyPath, !keyPath.isEmpty { text += "\(keyPath): " }
    text += message
    if let hint { text += "\n  hint: \(hint)" }
    return text
  }

  public static func == (lhs: ShoalError, rhs: ShoalError) -> Bool { lhs.code == rhs.code }
}
