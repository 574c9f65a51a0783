import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import ShoalTLS
import ShoalWire

/// A worker: connects to a scheduler, runs the tasks it is assigned on `slots` slots,
/// and sends their results back.
///
/// - The connection is re-established with exponential backoff when the scheduler
///   restarts or the network drops; the worker registers again, and tasks that were
///   running when the connection dropped are cancelled (the scheduler has requeued
///   them).
/// - `run()` returns when the scheduler retires the worker, and after a graceful
///   shutdown (SIGTERM through a `ServiceGroup`): the worker announces that it is
///   draining, takes no new tasks, gives back the ones it had not started, lets the
///   running ones finish within `drainGrace`, then cancels and gives back the rest.
/// - It throws `WorkerError.refused` when the scheduler refuses it for good (wrong
///   token, other protocol version) and `WorkerError.gaveUp` after `giveUpAfter`
///   without reaching the scheduler.
public final class Worker: Service {
  /// How the worker connects and behaves.
  public let configuration: WorkerConfiguration
  /// Runs the tasks.
  public let runner: TaskRunner
  private let logger: Logger
  private let eventLoopGroup: any EventLoopGroup
  private let shutdown = OneShot()

  /// A worker; nothing happens until `run()`.
  public init(
    configuration: WorkerConfiguration, runner: TaskRunner, logger: Logger,
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
  ) {
    self.configuration = configuration
    self.runner = runner
    self.logger = logger
    self.eventLoopGroup = eventLoopGroup
  }

  /// Connects, serves, reconnects, until retired, drained, refused or given up.
  public func run() async throws {
    let threads = TaskThreads(count: configuration.slots)
    do {
      try await withGracefulShutdownHandler {
        try await serve(threads: threads)
      } onGracefulShutdown: {
        self.shutdown.fire()
      }
    } catch {
      await threads.shutdown()
      throw error
    }
    await threads.shutdown()
  }

  private func serve(threads: TaskThreads) async throws {
    let tls: ClientTLSContext
    do {
      tls = try configuration.tls.makeClientContext()
    } catch {
      throw WorkerError(.tls, "cannot use the worker's TLS credentials: \(error)")
    }
    let clock = ContinuousClock()
    var backoff = configuration.backoff
    var lastContact = clock.now
    var failures = 0
    // A reconnecting worker refused for its own name waits for the scheduler to notice
    // that the old connection is dead; a new worker with a taken name stops at once.
    var everWelcomed = false
    while !shutdown.isFired && !Task.isCancelled {
      let outcome: WorkerSession.Outcome
      do {
        let channel = try await connect(tls: tls)
        outcome = try await WorkerSession(
          configuration: configuration, runner: runner, shutdown: shutdown, threads: threads,
          logger: logger
        ).run(channel)
      } catch {
        outcome = .disconnected(
          reason: "cannot reach the scheduler: \(ConnectionFailure.describe(error))",
          welcomed: false)
      }
      switch outcome {
      case .retired:
        logger.info("exiting: retired by the scheduler")
        return
      case .drained:
        logger.info("exiting: drained")
        return
      case .refused(let refusal)
      where refusal.reason == "replaced" || (refusal.reason == "name_in_use" && !everWelcomed):
        throw WorkerError(
          .refused,
          "another worker connected to \(configuration.address) with the name `\(configuration.name)`;"
            + " worker names must be unique in a cluster (--name)")
      case .refused(let refusal) where Worker.finalRefusals.contains(refusal.reason):
        throw WorkerError(
          .refused,
          "the scheduler at \(configuration.address) refused this worker: \(refusal.message)")
      case .refused(let refusal):
        failures += 1
        logger.warning(
          "the scheduler refused the connection; retrying", metadata: ["reason": "\(refusal)"])
      case .disconnected(let reason, let welcomed):
        if welcomed {
          everWelcomed = true
          lastContact = clock.now
          backoff.reset()
          failures = 0
          logger.warning("lost the scheduler; reconnecting", metadata: ["reason": "\(reason)"])
        } else {
          failures += 1
          // The first failure and then every tenth, so a long outage does not flood the log.
          if failures == 1 || failures % 10 == 0 {
            logger.warning(
              "\(reason)",
              metadata: [
                "scheduler": "\(configuration.address)", "attempts": "\(failures)",
                "gives up after": "\(configuration.giveUpAfter.map { "\($0)" } ?? "never")",
              ])
          }
        }
      }
      if shutdown.isFired || Task.isCancelled { return }
      var delay = backoff.nextDelay()
      if let limit = configuration.giveUpAfter {
        let waited = lastContact.duration(to: clock.now)
        if waited >= limit {
          throw WorkerError(
            .gaveUp,
            "giving up: no scheduler at \(configuration.address) for \(Worker.seconds(waited)) s"
              + " (--give-up-after \(Worker.seconds(limit)))")
        }
        delay = min(delay, limit - waited)
      }
      await sleep(delay)
    }
  }

  /// Refusals that retrying cannot fix.
  static let finalRefusals: Set<String> = ["authentication", "version", "role"]

  /// Connects, and under TLS waits for the handshake (the scheduler proved itself)
  /// before the session sends its hello.
  private func connect(tls: ClientTLSContext) async throws -> NIOAsyncChannel<Message, Message> {
    let maxFrameSize = configuration.maxFrameSize
    let timeout = configuration.connectTimeout.components
    let milliseconds = timeout.seconds * 1000 + timeout.attoseconds / 1_000_000_000_000_000
    let (channel, verified) = try await ClientBootstrap(group: eventLoopGroup)
      .connectTimeout(.milliseconds(milliseconds))
      .channelOption(.tcpOption(.tcp_nodelay), value: 1)
      .connect(host: configuration.host, port: configuration.port) { channel in
        channel.eventLoop.makeCompletedFuture {
          let handlers = channel.pipeline.syncOperations
          let verified = try tls.addHandlers(to: handlers, eventLoop: channel.eventLoop)
          try handlers.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameSize: maxFrameSize)))
          try handlers.addHandler(MessageToByteHandler(MessageEncoder()))
          return (
            try NIOAsyncChannel<Message, Message>(wrappingChannelSynchronously: channel), verified
          )
        }
      }
    do {
      try await verified.get()
    } catch {
      try? await channel.channel.close()
      throw error
    }
    return channel
  }

  /// Sleeps for `delay`, or less when a graceful shutdown comes first.
  private func sleep(_ delay: Duration) async {
    let shutdown = self.shutdown
    await withTaskGroup(of: Void.self) { group in
      group.addTask { try? await Task.sleep(for: delay) }
      group.addTask { await shutdown.wait() }
      await group.next()
      group.cancelAll()
    }
  }

  static func seconds(_ duration: Duration) -> String {
    let parts = duration.components
    let value = Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    return value == value.rounded() ? "\(Int(value))" : "\((value * 10).rounded() / 10)"
  }
}
