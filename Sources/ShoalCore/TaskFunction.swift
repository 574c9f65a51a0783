import Foundation

/// A typed Swift task: code in a task library that workers load by module name and
/// clients call by name, with `Codable` input and output checked on both ends.
///
///     public struct Square: TaskFunction {
///       public init() {}
///       public func run(_ input: Int) async throws -> Int { input * input }
///     }
///     // in the library's entry point: $0.export(task: Square.self)
///
/// A thrown error is the task's result (a failed task), not a lost one.
public protocol TaskFunction: Sendable {
  /// The input, sent from the client as JSON.
  associatedtype Input: Codable & Sendable
  /// The output, sent back as JSON.
  associatedtype Output: Codable & Sendable
  /// The name clients call it by; by default the type's name.
  static var name: String { get }
  /// Makes an instance; one per call.
  init()
  /// Runs the task.
  func run(_ input: Input) async throws -> Output
}

extension TaskFunction {
  /// The type's own name (`Square`).
  public static var name: String { PluginExports.typeName(Self.self) }
  /// The module that defines the task, which is the task library to load (`MyTasks`).
  public static var library: String {
    String(String(reflecting: Self.self).split(separator: ".").first ?? "")
  }
  /// The input type's name, compared on both ends before a call runs.
  public static var inputTypeName: String { String(reflecting: Input.self) }
  /// The output type's name, compared on both ends before a call runs.
  public static var outputTypeName: String { String(reflecting: Output.self) }
}

/// A task with its types erased: bytes in, bytes out, as workers run it.
public struct AnyTask: Sendable {
  /// The task's name.
  public let name: String
  /// `String(reflecting: Input.self)`.
  public let inputType: String
  /// `String(reflecting: Output.self)`.
  public let outputType: String
  private let call: @Sendable ([UInt8]) async throws -> [UInt8]

  /// Erases `type`.
  public init<T: TaskFunction>(_ type: T.Type) {
    name = T.name
    inputType = T.inputTypeName
    outputType = T.outputTypeName
    call = { bytes in
      let input: T.Input
      if let scalar = JSONInt.decode(T.Input.self, from: bytes) {
        input = scalar
      } else {
        do {
          input = try JSONDecoder().decode(T.Input.self, from: Data(bytes))
        } catch {
          throw ShoalError(
            .typeMismatch,
            "task `\(T.name)`: input does not decode as \(T.inputTypeName): \(error)")
        }
      }
      let output = try await T().run(input)
      if let scalar = JSONInt.encode(output) { return scalar }
      return Array(try JSONEncoder().encode(output))
    }
  }

  /// Decodes `input`, runs the task, encodes its output.
  public func run(_ input: [UInt8]) async throws -> [UInt8] { try await call(input) }
}

/// A fast path for the commonest task input and output, a plain `Int`: the same bytes
/// Foundation's `JSONEncoder` writes and the same value its `JSONDecoder` reads, without
/// their per-call setup (most of a short task's cost on the worker). Anything but an
/// `Int` in canonical form (optional `-`, digits, no leading zero, at most 18 digits) is
/// left to Foundation.
private enum JSONInt {
  static func decode<Value>(_ type: Value.Type, from bytes: [UInt8]) -> Value? {
    guard type == Int.self else { return nil }
    let negative = bytes.first == UInt8(ascii: "-")
    let digits = bytes.dropFirst(negative ? 1 : 0)
    guard (1...18).contains(digits.count),
      digits.first != UInt8(ascii: "0") || digits.count == 1 && !negative
    else { return nil }
    var value = 0
    for byte in digits {
      guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
      value = value * 10 + Int(byte - UInt8(ascii: "0"))
    }
    return (negative ? -value : value) as? Value
  }

  static func encode<Value>(_ value: Value) -> [UInt8]? {
    guard Value.self == Int.self, let int = value as? Int else { return nil }
    return Array(String(int).utf8)
  }
}
