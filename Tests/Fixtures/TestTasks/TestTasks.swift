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

/// Computes for the given milliseconds without ever suspending (a CPU-bound task).
public struct Spin: TaskFunction {
  public init() {}
  public func run(_ input: Int) async throws -> Int {
    let clock = ContinuousClock()
    let end = clock.now + .milliseconds(input)
    var turns = 0
    while clock.now < end { turns &+= 1 }
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

@_cdecl("shoal_plugin_table")
public func shoalPluginTable(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
  PluginABI.table(host) { plugin in
    plugin.export(task: Square.self)
    plugin.export(task: Fail.self)
    plugin.export(task: SleepMillis.self)
    plugin.export(task: Spin.self)
    plugin.export(task: Describe.self)
  }
}
