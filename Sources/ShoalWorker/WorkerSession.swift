import Logging
import NIOCore
import ShoalWire

/// One connection to the scheduler: the hello, then assigned tasks run on the
/// worker's slots until the connection ends, the scheduler retires the worker, or a
/// graceful shutdown has drained it.
///
/// Everything that happens arrives as an `Event` on one stream and is handled in
/// order by `SessionState`; the children of one task group read frames, write
/// batched frames, tick the clock, and run the tasks. When the session ends, every
/// child is cancelled, which kills the tasks still running (the scheduler requeues
/// the tasks of a worker it loses).
struct WorkerSession {
  /// How a session ended.
  enum Outcome: Sendable {
    /// The scheduler retired the worker: exit 0.
    case retired
    /// A graceful shutdown finished: exit 0.
    case drained
    /// The scheduler refused the hello.
    case refused(Refusal)
    /// The connection ended; `welcomed` says whether the hello had been accepted.
    case disconnected(reason: String, welcomed: Bool)
  }

  /// What the session reacts to.
  enum Event: Sendable {
    case message(Message)
    case closed(String)
    case finished(UInt64, TaskResult)
    case tick
    case shutdown
  }

  let configuration: WorkerConfiguration
  let runner: TaskRunner
  let shutdown: OneShot
  let threads: TaskThreads
  let logger: Logger

  /// How often the session looks at the clock (heartbeats, timeouts, the drain deadline).
  static let tick: Duration = .milliseconds(100)

  /// Runs the session over `channel` until it ends; closes the channel.
  ///
  /// The session's own work (frames, its state, shell tasks and built-ins, results)
  /// runs on the connection's event loop: a shell command then costs two wake-ups, the
  /// watcher thread's when the program exits and this loop's when the watcher resumes
  /// the task. User Swift tasks run on `TaskThreads`; the one short wait here is
  /// `posix_spawn` until the program has started.
  func run(_ channel: NIOAsyncChannel<Message, Message>) async throws -> Outcome {
    let executor = EventLoopExecutor(channel.channel.eventLoop)
    return try await withTaskExecutorPreference(executor) {
      try await serve(channel, on: executor)
    }
  }

  private func serve(
    _ channel: NIOAsyncChannel<Message, Message>, on executor: EventLoopExecutor
  ) async throws -> Outcome {
    try await channel.executeThenClose { inbound, outbound in
      let (events, emit) = AsyncStream.makeStream(of: Event.self)
      let outbox = Outbox()
      let writerDone = OneShot()
      let shutdown = self.shutdown
      // A discarding group: a worker runs millions of tasks in one session, and a plain
      // task group keeps every finished child until `next()` (about 4 KB per task).
      return await withDiscardingTaskGroup { group in
        group.addTask {
          do {
            for try await message in inbound { emit.yield(.message(message)) }
            emit.yield(.closed("the scheduler closed the connection"))
          } catch {
            emit.yield(.closed("reading from the scheduler failed: \(error)"))
          }
        }
        group.addTask {
          do {
            try await outbox.drain(sleep: { await executor.sleep(for: $0) }) {
              try await outbound.write(contentsOf: $0)
            }
          } catch {
            emit.yield(.closed("writing to the scheduler failed: \(error)"))
          }
          writerDone.fire()
        }
        group.addTask {
          while !Task.isCancelled {
            try? await Task.sleep(for: WorkerSession.tick)
            emit.yield(.tick)
          }
        }
        group.addTask {
          await shutdown.wait()
          if shutdown.isFired { emit.yield(.shutdown) }
        }

        outbox.send(
          .hello(
            Hello(
              role: .worker, name: configuration.name, slots: UInt32(configuration.slots),
              token: configuration.token, resources: configuration.resources)))
        var state = SessionState(
          configuration: configuration, runner: runner, logger: logger, outbox: outbox,
          emit: emit, threads: threads, executor: executor, shuttingDown: shutdown.isFired)
        let outcome = await state.process(events)
        // Tasks still running have no session to report to (the scheduler re-runs them):
        // stop them now, not after the writer's last flush.
        state.cancelRunning()

        // Whatever is queued (the last results, a hand-back) goes out before the close.
        outbox.close()
        await withTaskGroup(of: Void.self) { wait in
          wait.addTask { await writerDone.wait() }
          wait.addTask { try? await Task.sleep(for: .seconds(5)) }
          await wait.next()
          wait.cancelAll()
        }
        group.cancelAll()
        await state.finishRunning()
        emit.finish()
        return outcome
      }
    }
  }
}
