internal import CShoalPlugin
import ShoalCore
import Synchronization

/// A task as a worker runs it: bytes in, bytes out, whether it lives in a plugin
/// library (called through the ABI) or in the worker itself (`Builtin`).
public struct TaskEntry: Sendable {
  /// The name clients call it by.
  public let name: String
  /// The input type's name, compared with the caller's.
  public let inputType: String
  /// The output type's name, compared with the caller's.
  public let outputType: String
  private let call: @Sendable ([UInt8]) async throws -> [UInt8]

  /// An in-process task.
  public init(_ task: AnyTask) {
    name = task.name
    inputType = task.inputType
    outputType = task.outputType
    call = { try await task.run($0) }
  }

  /// A task of a plugin's table.
  init(entry: UnsafePointer<shoal_task>, library: String) {
    name = String(cString: entry.pointee.name)
    inputType = String(cString: entry.pointee.input_type)
    outputType = String(cString: entry.pointee.output_type)
    let task = UnsafeTask(entry: entry)
    call = { input in try await task.run(input, library: library) }
  }

  /// Runs the task on `input`. A task that throws is reported as `TaskFailure`;
  /// cancelling the caller cancels the call.
  public func run(_ input: [UInt8]) async throws -> [UInt8] { try await call(input) }
}

/// What a task threw, as the plugin described it.
public struct TaskFailure: Error, Sendable, CustomStringConvertible {
  /// The error's text.
  public var message: String
  public var description: String { message }
}

/// A plugin's C task entry, callable from any task.
private struct UnsafeTask: @unchecked Sendable {
  let entry: UnsafePointer<shoal_task>

  struct CallHandle: @unchecked Sendable { var pointer: OpaquePointer? }

  func run(_ input: [UInt8], library: String) async throws -> [UInt8] {
    let task = self
    let handle = Mutex<CallHandle>(CallHandle(pointer: nil))
    defer {
      if let pointer = handle.withLock({ $0.pointer }) { task.entry.pointee.release?(pointer) }
    }
    let reply = try await PluginCalls.asynchronous(
      awaitReplyAfterCancel: true,
      cancel: {
        if let pointer = handle.withLock({ $0.pointer }) { task.entry.pointee.cancel?(pointer) }
      },
      { reply, context in
        let pointer = input.withUnsafeBufferPointer { buffer in
          task.entry.pointee.start?(
            task.entry.pointee.task_context, buffer.baseAddress, buffer.count, reply, context)
        }
        handle.withLock { $0.pointer = pointer }
      })
    if reply.succeeded { return reply.bytes }
    let error = ABIError.decode(reply.bytes, plugin: library)
    switch error.code {
    case .cancelled: throw CancellationError()
    case .typeMismatch: throw error
    default: throw TaskFailure(message: error.message)
    }
  }
}
