import ShoalCore

/// Swift tasks for the worker's integration tests, loaded as `libTestTasks.so`.

/// Squares its input.
public struct Square: TaskFunction {
  public init() {}
  public func run(_ input: Int) async throws -> Int { input * input }
}

/// Always throws, with the input in the message.
public struct Fail: TaskFunction {
  public struct Failure: Error, CustomStringConvertible {
    public var description: String
  }
  public init() {}
  public func run(_ input: String) async throws -> Int {
    throw Failure(description: "Fail was asked to fail: \(input)")
  }
}

/// Sleeps for the given milliseconds and returns them.
public struct SleepMillis: TaskFunction {
  public init() {}
  public func run(_ input: Int) async throws -> Int {
    try await Task.sleep(for: .milliseconds(input))
    return input
  }
}

/// A record in, a record out: checks that structured Codable types travel.
public struct Describe: TaskFunction {
  public struct Point: Codable, Sendable {
    public var x: Int
    public var y: Int
  }
  public init() {}
  public func run(_ input: Point) async throws -> String { "(\(input.x), \(input.y))" }
}

@_cdecl("shoal_plugin_entry")
public func shoalPluginEntry(_ exports: UnsafeMutableRawPointer?) -> Int32 {
  PluginABI.entry(exports) { plugin in
    plugin.export(task: Square.self)
    plugin.export(task: Fail.self)
    plugin.export(task: SleepMillis.self)
    plugin.export(task: Describe.self)
  }
}
