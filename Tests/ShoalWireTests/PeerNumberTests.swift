import NIOCore
import ShoalWire
import Testing

/// Every number that arrives from a peer is checked when it is decoded, by both
/// decoders (the worker's and client's `FrameDecoder`, the scheduler's
/// `SchedulerFrameDecoder`): a bad one is a `malformed` error, never a trap later.
@Suite struct PeerNumberTests {
  /// Decodes `message` with both decoders; returns their errors (nil when decoded).
  func errors(_ message: Message) -> (worker: WireError?, scheduler: WireError?) {
    var buffer = ByteBuffer()
    MessageEncoder.encode(message, into: &buffer)
    var copy = buffer
    var frames = FrameDecoder(firstFrameLimit: WireProtocol.defaultMaxFrameSize)
    var scheduler = SchedulerFrameDecoder(firstFrameLimit: WireProtocol.defaultMaxFrameSize)
    var workerError: WireError?
    var schedulerError: WireError?
    do { _ = try frames.decodeMessage(from: &buffer) } catch { workerError = error as? WireError }
    do { _ = try scheduler.decodeInbound(from: &copy) } catch {
      schedulerError = error as? WireError
    }
    return (workerError, schedulerError)
  }

  func results(duration: Double) -> Message {
    .results([ResultEnvelope(id: 1, result: TaskResult(status: .succeeded, duration: duration))])
  }

  @Test(arguments: [Double.nan, .infinity, -.infinity, -1, -1e-300, 1e300, 1e10])
  func refusesABadResultDuration(_ duration: Double) {
    let (worker, scheduler) = errors(results(duration: duration))
    #expect(worker?.code == .malformed)
    #expect(scheduler?.code == .malformed)
    #expect(scheduler?.message.contains("`duration`") == true, "\(String(describing: scheduler))")
  }

  @Test(arguments: [0, 1e-300, 5e-324, 0.25, 3600, 1e9])
  func acceptsAGoodResultDuration(_ duration: Double) {
    let (worker, scheduler) = errors(results(duration: duration))
    #expect(worker == nil)
    #expect(scheduler == nil)
  }

  @Test func refusesATimeoutOverTheLimit() {
    let over = TaskSpec(.shell(ShellTask(command: "true")), timeout: .seconds(2_000_000_000))
    let (worker, scheduler) = errors(.submit([TaskEnvelope(id: 1, spec: over)]))
    #expect(worker?.code == .malformed)
    #expect(scheduler?.code == .malformed)
    let fine = TaskSpec(.shell(ShellTask(command: "true")), timeout: .seconds(1_000_000_000))
    #expect(errors(.submit([TaskEnvelope(id: 1, spec: fine)])).scheduler == nil)
  }

  @Test func refusesTooManySlots() {
    let hello = Hello(role: .worker, name: "w", slots: WireProtocol.maxSlots + 1, token: "t")
    let (worker, scheduler) = errors(.hello(hello))
    #expect(worker?.code == .malformed)
    #expect(scheduler?.message.contains("slots") == true)
    let most = Hello(role: .worker, name: "w", slots: WireProtocol.maxSlots, token: "t")
    #expect(errors(.hello(most)).scheduler == nil)
  }

  @Test func refusesAWelcomeWithZeroHeartbeatsOrATinyFrameLimit() {
    func welcome(interval: UInt32 = 1000, timeout: UInt32 = 10_000, frame: UInt32 = 1 << 26)
      -> Message
    {
      .welcome(
        Welcome(
          name: "w", heartbeatIntervalMilliseconds: interval,
          heartbeatTimeoutMilliseconds: timeout, maxFrameSize: frame))
    }
    #expect(errors(welcome(interval: 0)).worker?.code == .malformed)
    #expect(errors(welcome(timeout: 0)).worker?.code == .malformed)
    #expect(errors(welcome(frame: 10)).worker?.code == .malformed)
    #expect(errors(welcome()).worker == nil)
  }
}
