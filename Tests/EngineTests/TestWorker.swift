import NIOCore
import NIOPosix
import ShoalWire
import Synchronization

/// A minimal worker written against the wire protocol, for scheduler tests.
///
/// Shell specs it understands: `echo ARGS...` (output: the arguments and a newline),
/// `sleep MS` (answers after MS milliseconds), `fail` (exit 1). With `hang` it takes
/// tasks and never answers (a worker about to die).
final class TestWorker: Sendable {
  let channel: any Channel
  let name: String
  private let log: SharedLog

  private init(channel: any Channel, name: String, log: SharedLog) {
    self.channel = channel
    self.name = name
    self.log = log
  }

  /// Every message received after the welcome, heartbeats left out.
  var received: [Message] { log.messages.withLock { $0 } }

  static func connect(
    port: Int, token: String, name: String, slots: UInt32 = 1, hang: Bool = false,
    sendDrainAndHandBack: Bool = false, heartbeats: Bool = true,
    resources: ResourceSet = ResourceSet()
  ) async throws -> TestWorker {
    let loop = MultiThreadedEventLoopGroup.singleton.next()
    let welcome = loop.makePromise(of: Welcome.self)
    let log = SharedLog()
    let channel = try await ClientBootstrap(group: loop)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
          try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(MessageEncoder()))
          try channel.pipeline.syncOperations.addHandler(
            WorkerHandler(
              name: name, hang: hang, drainOnAssign: sendDrainAndHandBack, welcome: welcome,
              log: log))
        }
      }
      .connect(host: "127.0.0.1", port: port).get()
    try await channel.writeAndFlush(
      Message.hello(
        Hello(role: .worker, name: name, slots: slots, token: token, resources: resources)))
    let accepted = try await welcome.futureResult.get()
    let interval = TimeAmount.milliseconds(Int64(accepted.heartbeatIntervalMilliseconds))
    guard heartbeats else { return TestWorker(channel: channel, name: accepted.name, log: log) }
    let heartbeat = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
      channel.writeAndFlush(Message.heartbeat, promise: nil)
    }
    channel.closeFuture.whenComplete { _ in heartbeat.cancel() }
    return TestWorker(channel: channel, name: accepted.name, log: log)
  }

  /// Drops the connection at once, like a killed process.
  func kill() async { try? await channel.close() }
}

/// Messages a test worker received.
final class SharedLog: Sendable {
  let messages = Mutex<[Message]>([])
  func append(_ message: Message) { messages.withLock { $0.append(message) } }
}

private final class WorkerHandler: ChannelInboundHandler {
  typealias InboundIn = Message
  typealias OutboundOut = Message

  let name: String
  let hang: Bool
  let drainOnAssign: Bool
  let welcome: EventLoopPromise<Welcome>
  let log: SharedLog
  var sleeping: [UInt64: Scheduled<Void>] = [:]

  init(
    name: String, hang: Bool, drainOnAssign: Bool, welcome: EventLoopPromise<Welcome>,
    log: SharedLog
  ) {
    self.name = name
    self.hang = hang
    self.drainOnAssign = drainOnAssign
    self.welcome = welcome
    self.log = log
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let message = unwrapInboundIn(data)
    switch message {
    case .welcome(let accepted):
      welcome.succeed(accepted)
      return
    case .heartbeat:
      return
    default:
      log.append(message)
    }
    switch message {
    case .assign(let tasks) where drainOnAssign:
      context.write(wrapOutboundOut(.drain), promise: nil)
      context.writeAndFlush(wrapOutboundOut(.handBack(tasks.map(\.id))), promise: nil)
    case .assign(let tasks) where !hang:
      var results: [ResultEnvelope] = []
      for task in tasks {
        guard case .shell(let shell) = task.spec.kind else {
          results.append(
            ResultEnvelope(id: task.id, result: Self.runSwift(task.spec, worker: name)))
          continue
        }
        switch shell.command {
        case "echo":
          results.append(
            ResultEnvelope(
              id: task.id,
              result: TaskResult(
                status: .succeeded, exitCode: 0,
                output: Array((shell.arguments.joined(separator: " ") + "\n").utf8),
                worker: name)))
        case "sleep":
          let milliseconds = Int64(shell.arguments.first ?? "0") ?? 0
          let id = task.id
          let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
          let worker = name
          sleeping[id] = context.eventLoop.assumeIsolated().scheduleTask(
            in: .milliseconds(milliseconds)
          ) {
            self.sleeping[id] = nil
            bound.value.writeAndFlush(
              NIOAny(
                Message.results([
                  ResultEnvelope(
                    id: id,
                    result: TaskResult(
                      status: .succeeded, exitCode: 0, worker: worker,
                      duration: Double(milliseconds) / 1000))
                ])), promise: nil)
          }
        default:
          results.append(
            ResultEnvelope(
              id: task.id,
              result: TaskResult(status: .failed, exitCode: 1, message: "exit 1", worker: name)))
        }
      }
      if !results.isEmpty {
        context.writeAndFlush(wrapOutboundOut(.results(results)), promise: nil)
      }
    case .cancel(let ids):
      var results: [ResultEnvelope] = []
      for id in ids {
        if let scheduled = sleeping.removeValue(forKey: id) {
          scheduled.cancel()
          results.append(ResultEnvelope(id: id, result: TaskResult(status: .cancelled)))
        }
      }
      if !results.isEmpty {
        context.writeAndFlush(wrapOutboundOut(.results(results)), promise: nil)
      }
    case .retire:
      context.close(promise: nil)
    default:
      break
    }
  }

  /// `Twice`: Int in, twice that out; checks the type names like a real worker.
  static func runSwift(_ spec: TaskSpec, worker: String) -> TaskResult {
    guard case .swift(let call) = spec.kind, call.name == "Twice" else {
      return TaskResult(status: .rejected, message: "unknown task", worker: worker)
    }
    guard call.inputType == "Swift.Int", call.outputType == "Swift.Int" else {
      return TaskResult(status: .rejected, message: "type mismatch", worker: worker)
    }
    guard let input = Int(String(decoding: call.input, as: UTF8.self)) else {
      return TaskResult(status: .rejected, message: "input does not decode", worker: worker)
    }
    guard input >= 0 else {
      return TaskResult(status: .failed, message: "negative input", worker: worker)
    }
    return TaskResult(status: .succeeded, output: Array("\(input * 2)".utf8), worker: worker)
  }

  func channelInactive(context: ChannelHandlerContext) {
    welcome.fail(ChannelError.ioOnClosedChannel)
    for scheduled in sleeping.values { scheduled.cancel() }
  }
}
