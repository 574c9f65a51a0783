import Synchronization

/// What one plugin library exports: backend classes, factory functions and Swift
/// tasks, each by name. A plugin fills it in its entry point; the core reads it.
public final class PluginExports: Sendable {
  /// A factory function: makes a backend from `cluster_kwargs`.
  public typealias Factory = @Sendable (Kwargs) throws -> any ClusterBackend

  private struct Contents {
    var classes: [String: any ClusterBackend.Type] = [:]
    var factories: [String: Factory] = [:]
    var tasks: [String: AnyTask] = [:]
  }
  private let contents = Mutex(Contents())

  /// The module the exports belong to (`LocalBackend`).
  public let module: String

  /// An empty set of exports for `module`.
  public init(module: String) { self.module = module }

  /// Exports a backend class under its type name, or under `name`.
  public func export(_ type: any ClusterBackend.Type, as name: String? = nil) {
    let name = name ?? PluginExports.typeName(type)
    contents.withLock { $0.classes[name] = type }
  }

  /// Exports a factory function under `name` (`cluster_class: Module.name`).
  public func export(factory name: String, _ make: @escaping Factory) {
    contents.withLock { $0.factories[name] = make }
  }

  /// Exports a Swift task under its `name`.
  public func export<T: TaskFunction>(task type: T.Type) {
    let task = AnyTask(type)
    contents.withLock { $0.tasks[task.name] = task }
  }

  /// The exported class names, sorted.
  public var classNames: [String] { contents.withLock { $0.classes.keys.sorted() } }
  /// The exported factory names, sorted.
  public var factoryNames: [String] { contents.withLock { $0.factories.keys.sorted() } }
  /// The exported task names, sorted.
  public var taskNames: [String] { contents.withLock { $0.tasks.keys.sorted() } }

  /// The backend class exported as `name`.
  public func backendClass(_ name: String) -> (any ClusterBackend.Type)? {
    contents.withLock { $0.classes[name] }
  }

  /// The factory exported as `name`.
  public func factory(_ name: String) -> Factory? { contents.withLock { $0.factories[name] } }

  /// The task exported as `name`.
  public func task(_ name: String) -> AnyTask? { contents.withLock { $0.tasks[name] } }

  /// Every exported name: classes, factories and tasks.
  public var allNames: [String] { classNames + factoryNames + taskNames }

  /// `LocalCluster` for `LocalBackend.LocalCluster`.
  static func typeName(_ type: Any.Type) -> String {
    let full = String(reflecting: type)
    return full.split(separator: ".").last.map(String.init) ?? full
  }
}
