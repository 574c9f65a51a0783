import Synchronization

/// Process-wide values shared by the core and every plugin.
///
/// There is exactly one ShoalCore per process (it is a shared library that the
/// executable and every plugin link), so a value a plugin stores here is the value
/// the core reads. Plugins can use it to share one resource between instances.
public enum SharedValues {
  private static let storage = Mutex<[String: any Sendable]>([:])

  /// Stores `value` under `key`.
  public static func set(_ key: String, _ value: any Sendable) {
    storage.withLock { $0[key] = value }
  }

  /// The value stored under `key`.
  public static func get(_ key: String) -> (any Sendable)? { storage.withLock { $0[key] } }
}
