internal import CShoalPlugin
import ShoalCore
import Synchronization

/// The core's end of the plugin ABI's replies: every call into a plugin carries a
/// fresh id as its `reply_context`, and the one C reply function delivers the bytes
/// to whoever waits for that id. A reply with an unknown id (a second reply, or one
/// after the core gave up on the call) is dropped: a plugin is untrusted.
enum PluginCalls {
  /// What a plugin replied.
  struct Reply: Sendable {
    var status: Int32
    var bytes: [UInt8]
    var succeeded: Bool { status == Int32(SHOAL_STATUS_OK) }
  }

  private struct Pending: Sendable {
    var next: UInt = 1
    var waiting: [UInt: @Sendable (Reply) -> Void] = [:]
  }
  private static let pending = Mutex(Pending())

  /// The C function every call passes as its reply.
  static let replyFunction: shoal_reply_fn = { context, status, bytes, length in
    let id = UInt(bitPattern: context)
    let copied: [UInt8] =
      (bytes != nil && length > 0) ? Array(UnsafeBufferPointer(start: bytes, count: length)) : []
    let deliver = PluginCalls.pending.withLock { $0.waiting.removeValue(forKey: id) }
    deliver?(Reply(status: status, bytes: copied))
  }

  /// Registers `deliver` and returns the context to pass with the call.
  static func register(_ deliver: @escaping @Sendable (Reply) -> Void) -> UnsafeMutableRawPointer? {
    let id = pending.withLock { state in
      let id = state.next
      state.next += 1
      state.waiting[id] = deliver
      return id
    }
    return UnsafeMutableRawPointer(bitPattern: id)
  }

  /// Forgets a call the core no longer waits for.
  static func forget(_ context: UnsafeMutableRawPointer?) {
    _ = pending.withLock { $0.waiting.removeValue(forKey: UInt(bitPattern: context)) }
  }

  /// A call that must reply before it returns (`create`, `adapt`, `describe`).
  static func synchronous(
    _ what: String, _ call: (shoal_reply_fn, UnsafeMutableRawPointer?) -> Void
  ) throws -> Reply {
    let box = Mutex<Reply?>(nil)
    let context = register { reply in box.withLock { $0 = reply } }
    call(replyFunction, context)
    guard let reply = box.withLock({ $0 }) else {
      forget(context)
      throw ShoalError(
        .backendFailed,
        "\(what) returned without replying; the plugin ABI requires a reply before"
          + " a synchronous call returns (docs/plugin-abi.md)")
    }
    return reply
  }

  /// A call that replies later. Cancelling the caller calls `cancel` (when given)
  /// and, unless `awaitReplyAfterCancel`, stops waiting at once.
  static func asynchronous(
    awaitReplyAfterCancel: Bool = false, cancel: (@Sendable () -> Void)? = nil,
    _ call: @Sendable (shoal_reply_fn, UnsafeMutableRawPointer?) -> Void
  ) async throws -> Reply {
    let state = Mutex<
      (continuation: CheckedContinuation<Reply, any Error>?, reply: Reply?, context: UInt)
    >((nil, nil, 0))
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation {
        (continuation: CheckedContinuation<Reply, any Error>) in
        state.withLock { $0.continuation = continuation }
        let context = register { reply in
          let waiting = state.withLock { state -> CheckedContinuation<Reply, any Error>? in
            defer { state.continuation = nil }
            return state.continuation
          }
          waiting?.resume(returning: reply)
        }
        state.withLock { $0.context = UInt(bitPattern: context) }
        if Task.isCancelled && !awaitReplyAfterCancel {
          forget(context)
          state.withLock { $0.continuation = nil }
          continuation.resume(throwing: CancellationError())
          return
        }
        call(replyFunction, context)
        if Task.isCancelled { cancel?() }
      }
    } onCancel: {
      cancel?()
      guard !awaitReplyAfterCancel else { return }
      let (waiting, context) = state.withLock { state in
        defer { state.continuation = nil }
        return (state.continuation, state.context)
      }
      forget(UnsafeMutableRawPointer(bitPattern: context))
      waiting?.resume(throwing: CancellationError())
    }
  }
}

/// The log sinks the core hands to plugins. A plugin gets an id as its log context,
/// never a pointer: a plugin that logs after the core stopped listening (a `run`
/// that was abandoned, a worker supervisor still winding down) is dropped, not a
/// dangling pointer.
enum PluginLogSinks {
  private struct Registry: Sendable {
    var next: UInt = 1
    var sinks: [UInt: EventLog] = [:]
  }
  private static let registry = Mutex(Registry())

  /// Registers `log`; pass the returned context with `logFunction`.
  static func register(_ log: EventLog) -> UnsafeMutableRawPointer? {
    let id = registry.withLock { registry in
      let id = registry.next
      registry.next += 1
      registry.sinks[id] = log
      return id
    }
    return UnsafeMutableRawPointer(bitPattern: id)
  }

  /// Stops delivering messages of `context`.
  static func unregister(_ context: UnsafeMutableRawPointer?) {
    _ = registry.withLock { $0.sinks.removeValue(forKey: UInt(bitPattern: context)) }
  }

  /// The C function every log context is passed with.
  static let logFunction: shoal_log_fn = { context, level, message, length in
    guard let log = PluginLogSinks.registry.withLock({ $0.sinks[UInt(bitPattern: context)] })
    else { return }
    let text =
      (message != nil && length > 0)
      ? String(
        decoding: UnsafeBufferPointer(start: message, count: min(length, 1 << 20)), as: UTF8.self)
      : ""
    switch level {
    case Int32(SHOAL_LOG_DEBUG): log.debug(text)
    case Int32(SHOAL_LOG_INFO): log.info(text)
    case Int32(SHOAL_LOG_WARNING): log.warning(text)
    default: log.error(text)
    }
  }
}
