internal import CShoalPlugin
import Synchronization

/// The C functions of a cluster class (plugin side): each one finds the Swift backend
/// behind its handle and calls it; results and errors go back as JSON replies.
enum BackendBridge {
  /// What a class entry's `class_context` points at: the exported name.
  final class ClassContext: Sendable {
    let name: String
    let exports: PluginExports
    init(name: String, exports: PluginExports) {
      self.name = name
      self.exports = exports
    }
  }

  /// One backend instance behind a `shoal_backend *` handle.
  final class Handle: Sendable {
    let backend: any ClusterBackend
    private let running = Mutex<(task: Task<Void, Never>?, cancelled: Bool)>((nil, false))

    init(backend: any ClusterBackend) { self.backend = backend }

    func startRun(context: ClusterContext, reply: ReplyTarget) {
      let backend = self.backend
      running.withLock { state in
        guard !state.cancelled else {
          reply.fail(CancellationError())
          return
        }
        state.task = Task {
          do {
            try await backend.run(context: context)
            reply.succeed()
          } catch {
            reply.fail(error)
          }
        }
      }
    }

    func cancelRun() {
      running.withLock { state in
        state.cancelled = true
        state.task?.cancel()
      }
    }
  }

  static func handle(_ pointer: OpaquePointer?) -> Handle? {
    guard let pointer else { return nil }
    return Unmanaged<Handle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
  }

  /// Runs `body` on a new task and replies with its bytes or its error.
  static func async(_ reply: ReplyTarget, _ body: @escaping @Sendable () async throws -> [UInt8]) {
    Task {
      do {
        reply.succeed(try await body())
      } catch {
        reply.fail(error)
      }
    }
  }

  static func missingHandle() -> ShoalError {
    ShoalError(.invalidState, "the core passed no backend handle")
  }

  /// The C struct of one exported class or factory.
  static func classStruct(
    name: UnsafeMutablePointer<CChar>?, isFactory: Bool, context: ClassContext
  ) -> shoal_cluster_class {
    shoal_cluster_class(
      name: UnsafePointer(name), is_factory: isFactory ? 1 : 0,
      class_context: Unmanaged.passRetained(context).toOpaque(),
      create: { classContext, kwargs, length, reply, replyContext in
        let reply = ReplyTarget(function: reply, context: replyContext)
        guard let classContext else {
          reply.fail(ShoalError(.invalidState, "the core passed no class context"))
          return nil
        }
        let context = Unmanaged<ClassContext>.fromOpaque(classContext).takeUnretainedValue()
        do {
          let json = try JSONValue(parsing: bytes(kwargs, length))
          let node = Kwargs(abiJSON: json)
          let backend = try context.exports.make(context.name, kwargs: node)
          reply.succeed()
          return OpaquePointer(Unmanaged.passRetained(Handle(backend: backend)).toOpaque())
        } catch let error as JSONValue.ParseError {
          reply.fail(ShoalError(.invalidConfig, "cluster_kwargs are not JSON: \(error)"))
          return nil
        } catch {
          reply.fail(error)
          return nil
        }
      },
      adapt: { backend, settings, length, reply, replyContext in
        let reply = ReplyTarget(function: reply, context: replyContext)
        guard let handle = BackendBridge.handle(backend) else {
          return reply.fail(BackendBridge.missingHandle())
        }
        do {
          let requested = try ABIPayload.adaptSettings(bytes(settings, length))
          reply.succeed(ABIPayload.encode(try handle.backend.adapt(requested)))
        } catch {
          reply.fail(error)
        }
      },
      describe: { backend, reply, replyContext in
        let reply = ReplyTarget(function: reply, context: replyContext)
        guard let handle = BackendBridge.handle(backend) else {
          return reply.fail(BackendBridge.missingHandle())
        }
        reply.succeed(
          ABIPayload.encode(
            ABIPayload.Description(
              initialWorkers: handle.backend.initialWorkers,
              schedulerBinding: (handle.backend as? any SchedulerBindingProvider)?.schedulerBinding,
              removesLeftovers: handle.backend is any LeftoverCleaning)))
      },
      run: { backend, context, length, log, logContext, reply, replyContext in
        let reply = ReplyTarget(function: reply, context: replyContext)
        guard let handle = BackendBridge.handle(backend) else {
          return reply.fail(BackendBridge.missingHandle())
        }
        do {
          let log = LogTarget(function: log, context: logContext).eventLog
          handle.startRun(
            context: try ABIPayload.clusterContext(bytes(context, length), log: log), reply: reply)
        } catch {
          reply.fail(error)
        }
      },
      cancel_run: { backend in BackendBridge.handle(backend)?.cancelRun() },
      scale: { backend, count, reply, replyContext in
        let reply = ReplyTarget(function: reply, context: replyContext)
        guard let handle = BackendBridge.handle(backend) else {
          return reply.fail(BackendBridge.missingHandle())
        }
        BackendBridge.async(reply) {
          try await handle.backend.scale(to: Int(count))
          return []
        }
      },
      stop_workers: { backend, names, length, reply, replyContext in
        let reply = ReplyTarget(function: reply, context: replyContext)
        guard let handle = BackendBridge.handle(backend) else {
          return reply.fail(BackendBridge.missingHandle())
        }
        let list = bytes(names, length)
        BackendBridge.async(reply) {
          try await handle.backend.stop(workers: try ABIPayload.names(list))
          return []
        }
      },
      workers: { backend, reply, replyContext in
        let reply = ReplyTarget(function: reply, context: replyContext)
        guard let handle = BackendBridge.handle(backend) else {
          return reply.fail(BackendBridge.missingHandle())
        }
        BackendBridge.async(reply) { ABIPayload.encode(await handle.backend.workers()) }
      },
      release: { backend in
        guard let backend else { return }
        Unmanaged<Handle>.fromOpaque(UnsafeRawPointer(backend)).release()
      },
      remove_leftovers: { backend, name, length, log, logContext, reply, replyContext in
        let reply = ReplyTarget(function: reply, context: replyContext)
        guard let handle = BackendBridge.handle(backend) else {
          return reply.fail(BackendBridge.missingHandle())
        }
        let clusterName = String(decoding: bytes(name, length), as: UTF8.self)
        let log = LogTarget(function: log, context: logContext).eventLog
        BackendBridge.async(reply) {
          guard let cleaner = handle.backend as? any LeftoverCleaning else {
            return ABIPayload.encode(names: [])
          }
          return ABIPayload.encode(
            names: try await cleaner.removeLeftovers(clusterName: clusterName, log: log))
        }
      })
  }
}

extension PluginExports {
  /// Makes the backend exported as `name` from `kwargs`, inside a kwargs audit (a key
  /// the backend never read is an error).
  func make(_ name: String, kwargs: Kwargs) throws -> any ClusterBackend {
    let label = "\(module).\(name)"
    if let type = backendClass(name) {
      return try KwargsAudit.make(kwargs, backend: label) { try type.init(kwargs: $0) }
    }
    if let factory = factory(name) {
      return try KwargsAudit.make(kwargs, backend: label, factory)
    }
    throw ShoalError(.notExported, "\(module) exports no class or factory `\(name)`")
  }
}
