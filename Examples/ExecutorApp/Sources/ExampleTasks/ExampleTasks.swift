import ShoalCore

/// Squares a number.
public struct Square: TaskFunction {
  public init() {}
  public func run(_ input: Int) async throws -> Int { input * input }
}

/// Counts the words of a text.
public struct WordCount: TaskFunction {
  public init() {}
  public func run(_ input: String) async throws -> [String: Int] {
    input.split(whereSeparator: \.isWhitespace).reduce(into: [:]) {
      $0[String($1), default: 0] += 1
    }
  }
}

/// Fails on purpose for negative input: a thrown error is the task's result.
public struct CheckedRoot: TaskFunction {
  public init() {}
  public func run(_ input: Double) async throws -> Double {
    guard input >= 0 else { throw RootError(value: input) }
    return input.squareRoot()
  }
}

/// The error `CheckedRoot` throws.
public struct RootError: Error, CustomStringConvertible {
  public var value: Double
  public var description: String { "no real square root of \(value)" }
}

/// The library's one export: its tasks, which workers look up by name.
@_cdecl("shoal_plugin_table")
public func shoalPluginTable(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
  PluginABI.table(host) {
    $0.export(task: Square.self)
    $0.export(task: WordCount.self)
    $0.export(task: CheckedRoot.self)
  }
}
