import ShoalCore
import ShoalPluginHost

/// The Swift tasks every worker has, in library `Builtin`, registered through the
/// same `AnyTask` path as tasks from user libraries (for benchmarks and tests).
///
/// | call | input | output |
/// | --- | --- | --- |
/// | `Builtin.noop` | `Swift.Int` (ignored) | `Swift.Int` (0) |
/// | `Builtin.sleep` | `Swift.Int`, milliseconds | `Swift.Int`, the same milliseconds |
/// | `Builtin.echo` | `Swift.String` | `Swift.String`, the input |
public enum Builtin {
  /// The library name clients call the built-in tasks by.
  public static let library = "Builtin"

  /// Does nothing and returns 0.
  public struct Noop: TaskFunction {
    public static var name: String { "noop" }
    public init() {}
    public func run(_ input: Int) async throws -> Int { 0 }
  }

  /// Sleeps for the given number of milliseconds (cancellable), then returns it.
  public struct Sleep: TaskFunction {
    public static var name: String { "sleep" }
    public init() {}
    public func run(_ input: Int) async throws -> Int {
      guard input >= 0 else {
        throw ShoalError(
          .invalidValue, "Builtin.sleep: milliseconds must be 0 or more, found \(input)")
      }
      try await Task.sleep(for: .milliseconds(input))
      return input
    }
  }

  /// Returns its input.
  public struct Echo: TaskFunction {
    public static var name: String { "echo" }
    public init() {}
    public func run(_ input: String) async throws -> String { input }
  }

  /// The tasks of library `Builtin`, by name.
  public static func exports() -> [String: TaskEntry] {
    let tasks = [
      TaskEntry(AnyTask(Noop.self)), TaskEntry(AnyTask(Sleep.self)), TaskEntry(AnyTask(Echo.self)),
    ]
    return Dictionary(uniqueKeysWithValues: tasks.map { ($0.name, $0) })
  }
}
