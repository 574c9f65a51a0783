import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import ShoalTLS
import ShoalWire
import Synchronization

/// The scheduler: a TCP server that accepts workers, clients and control peers,
/// queues each client's tasks in order, takes turns between clients (round-robin),
/// assigns tasks to free worker slots and returns each result to the client that
/// submitted it. All of its state lives on one event loop.
///
/// Run it as a `Service` (in a `ServiceGroup`, which turns SIGTERM into a graceful
/// shutdown), then read its address:
///
///     let scheduler = Scheduler(configuration: .init(token: token), logger: logger)
///     async let done: Void = scheduler.run()
///     print("address:", try await scheduler.listeningAddress())
public final class Scheduler: Service, Sendable {
  /// The configuration it was made with.
  public let configuration: SchedulerConfiguration
  private let logger: Logger
  private let loop: any EventLoop
  private let core: NIOLoopBoundBox<SchedulerCore>
  private let address: EventLoopPromise<String>
  private let controlRequests: AsyncStream<PendingControlRequest>
  private let controlContinuation: AsyncStream<PendingControlRequest>.Continuation
  private let controlHandler = Mutex<(any ControlHandler)?>(nil)

  /// A scheduler; nothing happens until `run()`.
  public init(configuration: SchedulerConfiguration, logger: Logger) {
    self.configuration = configuration
    self.logger = logger
    loop = MultiThreadedEventLoopGroup.singleton.next()
    let (stream, continuation) = AsyncStream.makeStream(of: PendingControlRequest.self)
    controlRequests = stream
    controlContinuation = continuation
    let core = SchedulerCore(
      configuration: configuration, logger: logger, loop: loop, controlRequests: continuation)
    // Made here, touched only on `loop` from now on.
    self.core = NIOLoopBoundBox.makeBoxSendingValue(core, eventLoop: loop)
    address = loop.makePromise(of: String.self)
  }

  /// Serves until cancelled or gracefully shut down, then closes every connection.
  public func run() async throws {
    let core = self.core
    let maxFrameSize = configuration.maxFrameSize
    MemoryRelease.configure()
    let server: any Channel
    let tls: ServerTLSContext
    do {
      tls = try configuration.tls.makeServerContext()
    } catch {
      let failure = SchedulerError(.tlsSetup, "cannot serve TLS: \(error)")
      address.fail(failure)
      throw failure
    }
    do {
      server = try await ServerBootstrap(group: loop)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .serverChannelInitializer { channel in
          // `bind(host:port:)` adds no accept backoff of its own (see ConnectionGuard.swift).
          channel.eventLoop.makeCompletedFuture {
            let handlers = channel.pipeline.syncOperations
            try handlers.addHandler(
              AcceptBackoffHandler(backoffProvider: AcceptFailureHandler.backoff))
            try handlers.addHandler(AcceptFailureHandler(core: core))
          }
        }
        .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
        .childChannelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            let handlers = channel.pipeline.syncOperations
            try tls.addHandler(to: handlers)
            try handlers.addHandler(
              ByteToMessageHandler(SchedulerFrameDecoder(maxFrameSize: maxFrameSize)))
            try handlers.addHandler(MessageToByteHandler(SchedulerFrameEncoder()))
            try handlers.addHandler(PeerHandler(core: core.value))
          }
        }
        .bind(host: configuration.host, port: configuration.port).get()
    } catch {
      let failure = SchedulerError(
        .cannotListen,
        "cannot listen on \(configuration.host):\(configuration.port): \(SocketErrorText.describe(error))"
      )
      address.fail(failure)
      throw failure
    }
    let port = server.localAddress?.port ?? configuration.port
    let listening = "tcp://\(Self.hostForURL(configuration.host)):\(port)"
    logger.info(
      "scheduler listening",
      metadata: ["address": "\(listening)", "transport": "\(configuration.tls)"])

    let interval = TimeAmount.nanoseconds(Int64(configuration.heartbeatInterval.seconds * 1e9))
    try await loop.submit {
      let value = core.value
      value.heartbeatTask = value.loop.scheduleRepeatedTask(
        initialDelay: interval, delay: interval
      ) { _ in core.value.checkHeartbeats() }
    }.get()
    address.succeed(listening)

    let requests = controlRequests
    let continuation = controlContinuation
    await withTaskCancellationOrGracefulShutdownHandler {
      await withDiscardingTaskGroup { group in
        for await pending in requests {
          group.addTask { await self.answer(pending) }
        }
      }
    } onCancelOrGracefulShutdown: {
      continuation.finish()
    }

    logger.info("scheduler shutting down")
    try? await loop.submit { core.value.shutdown() }.get()
    try? await server.close()
  }

  private func answer(_ pending: PendingControlRequest) async {
    let request = pending.request
    guard let handler = controlHandler.withLock({ $0 }) else {
      pending.respond(
        ControlResponse(
          id: request.id,
          error: "this scheduler has no cluster process behind it to run `\(request.command)`"
            + " (it answers only `status`)"))
      return
    }
    do {
      let fields = try await handler.handle(command: request.command, arguments: request.arguments)
      pending.respond(ControlResponse(id: request.id, fields: fields))
    } catch {
      pending.respond(ControlResponse(id: request.id, error: "\(error)"))
    }
  }

  /// `tcp://HOST:PORT`, once it listens; throws when it could not bind.
  public func listeningAddress() async throws -> String {
    try await address.futureResult.get()
  }

  /// Its current load. Throws `SchedulerStopped` once the scheduler's event loop is
  /// gone (an empty load would read as "no workers, nothing queued").
  public func load() async throws -> SchedulerLoad {
    let core = self.core
    do {
      return try await loop.submit { core.value.load() }.get()
    } catch {
      throw SchedulerStopped(reason: "\(error)")
    }
  }

  /// Retires the named workers: they get no new tasks, their running tasks finish,
  /// then they are told to exit. Returns once that happened, with the names retired
  /// (unknown names are left out; a worker that disconnects meanwhile counts as retired,
  /// its tasks having been requeued). Never loses a task.
  public func retire(workers names: [String]) async -> [String] {
    let core = self.core
    guard let futures = try? await loop.submit({ core.value.retire(names) }).get() else {
      return []
    }
    var retired: [String] = []
    for future in futures {
      if let name = (try? await future.get()) ?? nil { retired.append(name) }
    }
    return retired
  }

  /// Names of `count` workers best closed on scale-down: idle ones first, then those
  /// with the fewest tasks.
  public func workersToClose(_ count: Int) async -> [String] {
    let core = self.core
    return (try? await loop.submit { core.value.workersToClose(count) }.get()) ?? []
  }

  /// Declares the worker shapes the cluster may start (each group's resources, by
  /// group name): a task whose request none of them, and no connected worker, covers
  /// is rejected at once with the reason. Nil (the default) refuses nothing.
  public func setWorkerShapes(_ shapes: [String: ResourceSet]?) async {
    let core = self.core
    try? await loop.submit { core.value.workerShapes = shapes }.get()
  }

  /// Sets (or clears) the handler for control commands other than `status`.
  public func setControlHandler(_ handler: (any ControlHandler)?) async {
    controlHandler.withLock { $0 = handler }
  }

  static func hostForURL(_ host: String) -> String {
    host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
  }
}

/// The scheduler module's error: a scheduler that could not start.
public struct SchedulerError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What kind of failure (a struct, so that codes can be added).
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    /// The stable name of the code.
    public let name: String
    private init(_ name: String) { self.name = name }
    public var description: String { name }
    /// The host and port could not be bound (in use, no such interface, no permission).
    public static let cannotListen = Code("cannot_listen")
    /// The TLS certificate, key or CA could not be used.
    public static let tlsSetup = Code("tls_setup")
  }

  /// What kind of failure.
  public var code: Code
  /// What went wrong.
  public var message: String

  init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { message }

  public static func == (lhs: SchedulerError, rhs: SchedulerError) -> Bool { lhs.code == rhs.code }
}
