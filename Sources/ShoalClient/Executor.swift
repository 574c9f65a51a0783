import Foundation
import NIOCore
import ShoalCore
import ShoalWire
import Synchronization

/// Runs tasks on a cluster: the client side of the scheduler protocol.
///
///     let executor = try await Executor.connect(address: "tcp://127.0.0.1:8786", token: token)
///     let results = try await executor.map((1...100).map { .shell("echo", ["\($0)"]) })
///     let square = try executor.submit(Square.self, 7)
///     print(try await square.value)       // 49
///     await executor.close()
///
/// Submissions are batched: everything submitted while the connection's event loop is
/// busy goes out together, in frames of about 1 MiB, so a map of 100k tasks is a
/// handful of frames, not 100k.
public final class Executor: Sendable {
  private let connection: SchedulerConnection
  private let state: Mutex<State>
  /// A temporary cluster this executor started (`connect(cluster:)`), closed with it.
  private let owned = Mutex<OwnedCluster?>(nil)

  private struct State {
    var nextID: UInt64 = 1
    var pending: [UInt64: TaskHandle] = [:]
    /// The output handlers of pending tasks submitted with `submit(_:onOutput:)`.
    var outputHandlers: [UInt64: OutputHandler] = [:]
    var outTasks: [TaskEnvelope] = []
    var outCancels: [UInt64] = []
    /// Tasks with retries left (`TaskSpec.retries`): their spec and how many are left.
    var retrying: [UInt64: (spec: TaskSpec, left: Int, attempts: Int)] = [:]
    var flushScheduled = false
    var failure: ShoalError?
  }

  private init(connection: SchedulerConnection) {
    self.connection = connection
    self.state = Mutex(State())
  }

  deinit {
    failAll(ShoalError(.connectionFailed, "the executor was released"))
    connection.channel.close(promise: nil)
    owned.withLock { $0 }?.close()
  }

  /// Makes `cluster` close when this executor closes (`Executor.connect(cluster:)` in
  /// the `Shoal` module).
  package func onClose(_ cluster: OwnedCluster) {
    owned.withLock { $0 = cluster }
  }

  /// Connects to the scheduler at `address` (`tcp://HOST:PORT`). A malformed address
  /// throws at once; no scheduler answering throws within `timeout`. `tls` is the
  /// client's certificate under mutual TLS (`.off`: plain TCP, loopback only):
  ///
  ///     let tls = try TLSSettings.files(
  ///       TLSFiles(caFile: "ca.pem", certFile: "client.pem", keyFile: "client-key.pem"))
  ///     let executor = try await Executor.connect(address: address, token: token, tls: tls)
  public static func connect(
    address: String, token: String, tls: TLSSettings = .off, timeout: Duration = .seconds(10),
    name: String = ""
  ) async throws -> Executor {
    let box = ExecutorBox()
    let connection = try await SchedulerConnection.open(
      address: address, token: token, tls: tls, role: .client, name: name, timeout: timeout,
      onMessage: { message in box.executor?.received(message) },
      onClose: { error in box.executor?.failAll(error) })
    let executor = Executor(connection: connection)
    box.executor = executor
    if !connection.channel.isActive {
      executor.failAll(
        ShoalError(.connectionFailed, "the scheduler at \(address) closed the connection"))
    }
    return executor
  }

  /// The scheduler's address.
  public var address: String { connection.address.description }

  /// The connection's event loop as a Task executor. Results arrive on that loop; a
  /// loop over `completions(of:)` run with this preference
  /// (`withTaskExecutorPreference(executor.connectionExecutor) { ... }`) takes each one
  /// without a thread hop. The loop's body must not block: it holds the connection.
  public var connectionExecutor: EventLoopExecutor { connection.executor }

  /// The name the scheduler knows this client by.
  public var name: String { connection.welcome.name }

  // MARK: Submitting

  /// Submits one task.
  @discardableResult
  public func submit(_ spec: TaskSpec) -> TaskHandle {
    submit([spec])[0]
  }

  /// Called with each piece of a task's stdout or stderr as the task produces it.
  public typealias OutputHandler = @Sendable (TaskOutput.Stream, [UInt8]) -> Void

  /// Submits one task and streams its output: the worker sends each piece of stdout
  /// and stderr as the program writes it, and `onOutput` sees them in order, before the
  /// result is there. The result still carries the output (cut at 1 MiB). Only shell
  /// tasks produce output; `onOutput` runs on the connection's event loop, so it must
  /// not block for long.
  @discardableResult
  public func submit(_ spec: TaskSpec, onOutput: @escaping OutputHandler) -> TaskHandle {
    var spec = spec
    spec.streamsOutput = true
    return submit([spec], onOutput: onOutput)[0]
  }

  /// Submits many tasks at once (one lock, one flush, a few frames).
  public func submit(_ specs: [TaskSpec]) -> [TaskHandle] {
    submit(specs, onOutput: nil)
  }

  private func submit(_ specs: [TaskSpec], onOutput: OutputHandler?) -> [TaskHandle] {
    let limit = Int(connection.welcome.maxFrameSize) - 64
    var rejected: [(TaskHandle, TaskResult)] = []
    var failed: ShoalError?
    let (handles, flush) = state.withLock { state -> ([TaskHandle], Bool) in
      var handles: [TaskHandle] = []
      handles.reserveCapacity(specs.count)
      state.outTasks.reserveCapacity(state.outTasks.count + specs.count)
      for spec in specs {
        let handle = TaskHandle(id: state.nextID)
        state.nextID += 1
        handles.append(handle)
        if let failure = state.failure {
          failed = failure
          continue
        }
        if spec.estimatedWireSize > limit {
          rejected.append(
            (
              handle,
              TaskResult(
                status: .rejected,
                message: "the task is about \(spec.estimatedWireSize) bytes; the scheduler "
                  + "accepts frames up to \(limit + 64) bytes")
            ))
          continue
        }
        state.pending[handle.id] = handle
        if spec.retries > 0 { state.retrying[handle.id] = (spec, spec.retries, 1) }
        if let onOutput { state.outputHandlers[handle.id] = onOutput }
        state.outTasks.append(TaskEnvelope(id: handle.id, spec: spec))
      }
      return (handles, Self.needsFlush(&state))
    }
    if let failed {
      for handle in handles where !handle.isFinished { handle.complete(.failure(failed)) }
    }
    for (handle, result) in rejected { handle.complete(.success(result)) }
    if flush { scheduleFlush() }
    return handles
  }

  /// Submits a call of the typed Swift task `T` (its library must be loaded by the
  /// workers: `shoal worker --tasks MODULE`). The input travels as JSON with the type
  /// names, which the worker checks against its own.
  /// `retries`: how many more times to run it when it fails or times out.
  /// `resources`: what it needs of a worker (`try ResourceSet(parsing: "gpu=1")`): it
  /// runs only on a worker whose free resources cover it.
  public func submit<T: TaskFunction>(
    _ type: T.Type, _ input: T.Input, timeout: Duration? = nil, retries: Int = 0,
    resources: ResourceSet = ResourceSet()
  ) throws -> TypedTaskHandle<T> {
    var spec = try Self.call(type, input, timeout: timeout)
    spec.retries = retries
    spec.resources = resources
    return TypedTaskHandle(handle: submit(spec))
  }

  static func call<T: TaskFunction>(_ type: T.Type, _ input: T.Input, timeout: Duration?) throws
    -> TaskSpec
  {
    let bytes: Data
    do {
      bytes = try JSONEncoder().encode(input)
    } catch {
      throw ShoalError(
        .typeMismatch, "task `\(T.name)`: the input does not encode as JSON: \(error)")
    }
    return TaskSpec(
      .swift(
        SwiftTaskCall(
          library: T.library, name: T.name, inputType: T.inputTypeName,
          outputType: T.outputTypeName, input: Array(bytes))), timeout: timeout)
  }

  // MARK: Collecting

  /// Runs `specs` and returns their results in the same order.
  public func map(_ specs: [TaskSpec]) async throws -> [TaskResult] {
    try await gather(submit(specs))
  }

  /// Runs `T` on every input and returns the outputs in order; throws `TaskError` for
  /// the first task that did not succeed.
  public func map<T: TaskFunction>(
    _ type: T.Type, _ inputs: [T.Input], timeout: Duration? = nil,
    resources: ResourceSet = ResourceSet()
  ) async throws -> [T.Output] {
    let specs = try inputs.map { input -> TaskSpec in
      var spec = try Self.call(type, input, timeout: timeout)
      spec.resources = resources
      return spec
    }
    return try await gather(submit(specs)).map { try TypedTaskHandle<T>.decode($0) }
  }

  /// The results of `handles`, in order.
  public func gather(_ handles: [TaskHandle]) async throws -> [TaskResult] {
    var results: [TaskResult] = []
    results.reserveCapacity(handles.count)
    for handle in handles { results.append(try await handle.result) }
    return results
  }

  /// The tasks of `handles` as they finish, in completion order. The sequence throws
  /// when the connection is lost before all are done.
  public func completions(of handles: [TaskHandle]) -> AsyncThrowingStream<Completion, any Error> {
    let (stream, continuation) = AsyncThrowingStream.makeStream(
      of: Completion.self, bufferingPolicy: .unbounded)
    let remaining = Mutex(handles.count)
    if handles.isEmpty { continuation.finish() }
    for (index, handle) in handles.enumerated() {
      handle.onCompletion { outcome in
        switch outcome {
        case .success(let result):
          continuation.yield(Completion(index: index, handle: handle, result: result))
          let left = remaining.withLock { count -> Int in
            count -= 1
            return count
          }
          if left == 0 { continuation.finish() }
        case .failure(let error):
          continuation.finish(throwing: error)
        }
      }
    }
    return stream
  }

  // MARK: Cancelling and closing

  /// Cancels tasks: queued ones get a `.cancelled` result at once, running ones are
  /// stopped by their worker (a task that finished meanwhile keeps its result).
  public func cancel(_ handles: [TaskHandle]) {
    let flush = state.withLock { state -> Bool in
      for handle in handles where state.pending[handle.id] != nil {
        state.outCancels.append(handle.id)
      }
      return Self.needsFlush(&state)
    }
    if flush { scheduleFlush() }
  }

  /// Cancels one task.
  public func cancel(_ handle: TaskHandle) { cancel([handle]) }

  /// Closes the connection; tasks still pending fail with `connection_failed` (the
  /// scheduler drops this client's queued tasks and cancels its running ones). A
  /// temporary cluster that `connect(cluster:)` started is closed too (its workers
  /// retired and stopped) before this returns.
  public func close() async {
    failAll(ShoalError(.connectionFailed, "the executor was closed"))
    try? await connection.channel.close()
    if let cluster = owned.withLock({ value -> OwnedCluster? in
      defer { value = nil }
      return value
    }) {
      cluster.close()
      await cluster.wait()
    }
  }

  // MARK: On the event loop

  private static func needsFlush(_ state: inout State) -> Bool {
    guard !state.flushScheduled, !state.outTasks.isEmpty || !state.outCancels.isEmpty else {
      return false
    }
    state.flushScheduled = true
    return true
  }

  private func scheduleFlush() {
    connection.channel.eventLoop.execute { self.flush() }
  }

  private func flush() {
    let (tasks, cancels) = state.withLock { state in
      state.flushScheduled = false
      defer {
        state.outTasks = []
        state.outCancels = []
      }
      return (state.outTasks, state.outCancels)
    }
    let channel = connection.channel
    for batch in wireBatches(tasks, size: { $0.spec.estimatedWireSize + 8 }) {
      channel.write(Message.submit(batch), promise: nil)
    }
    if !cancels.isEmpty { channel.write(Message.cancel(cancels), promise: nil) }
    channel.flush()
  }

  fileprivate func received(_ message: Message) {
    if case .output(let output) = message {
      let handler = state.withLock { $0.outputHandlers[output.id] }
      handler?(output.stream, output.bytes)
      return
    }
    guard case .results(let results) = message else { return }
    var done: [(TaskHandle, TaskResult)] = []
    done.reserveCapacity(results.count)
    let flushRetries = state.withLock { state -> Bool in
      let streaming = !state.outputHandlers.isEmpty
      var resent = false
      for envelope in results {
        var result = envelope.result
        if !state.retrying.isEmpty, let retry = state.retrying[envelope.id] {
          // A failed or timed-out task with retries left runs again under the same id.
          let retriable = result.status == .failed || result.status == .timedOut
          if retriable && retry.left > 0 && state.pending[envelope.id] != nil {
            state.retrying[envelope.id] = (retry.spec, retry.left - 1, retry.attempts + 1)
            state.outTasks.append(TaskEnvelope(id: envelope.id, spec: retry.spec))
            resent = true
            continue
          }
          state.retrying.removeValue(forKey: envelope.id)
          if retry.attempts > 1 && result.status != .succeeded {
            result.message =
              (result.message.map { $0 + " " } ?? "") + "(\(retry.attempts) attempts)"
          }
        }
        if let handle = state.pending.removeValue(forKey: envelope.id) {
          done.append((handle, result))
          if streaming { state.outputHandlers.removeValue(forKey: envelope.id) }
        }
      }
      return resent && Self.needsFlush(&state)
    }
    if flushRetries { flush() }
    for (handle, result) in done { handle.complete(.success(result)) }
  }

  fileprivate func failAll(_ error: ShoalError) {
    let pending = state.withLock { state -> [TaskHandle] in
      if state.failure == nil { state.failure = error }
      defer {
        state.pending = [:]
        state.outputHandlers = [:]
        state.retrying = [:]
      }
      return Array(state.pending.values)
    }
    for handle in pending { handle.complete(.failure(error)) }
  }
}

/// Lets the connection's callbacks reach the executor made after it, without keeping
/// it alive: an executor that is released closes its connection.
private final class ExecutorBox: Sendable {
  private struct Reference: Sendable { weak var executor: Executor? }
  private let value = Mutex(Reference())
  var executor: Executor? {
    get { value.withLock { $0.executor } }
    set { value.withLock { $0.executor = newValue } }
  }
}
