internal import CShoalPlugin
import ShoalCore
import Synchronization

/// A backend that lives in a plugin library, seen by the core as a `ClusterBackend`:
/// every call goes through the plugin's C table, with JSON in and out.
///
/// Calls that the ABI makes synchronous (`create`, `adapt`, `describe`) must reply
/// before they return; the others are awaited and bounded by the cluster's
/// `timeouts:` where the core calls them (a plugin that never replies is abandoned).
final class PluginBackend: ClusterBackend, SchedulerBindingProvider, LeftoverCleaning,
  @unchecked Sendable
{
  private let entry: UnsafePointer<shoal_cluster_class>
  private let minor: UInt32
  private let handle: OpaquePointer
  private let label: String
  private let description: ABIPayload.Description
  /// The cluster_kwargs the backend was made from: errors of any call that name a key
  /// path come back at that node's position.
  private let kwargs: Kwargs
  /// The log context `run` was given; delivered to until this backend is released.
  private let runLog = Mutex<UInt>(0)
  /// Whether a `run` has not replied yet: the handle is then never released (the ABI
  /// promises the plugin that `release` comes after `run` replied).
  private let runOutstanding = Mutex(false)

  init(kwargs: Kwargs) throws {
    throw ShoalError(.invalidState, "a plugin backend is made by the plugin loader")
  }

  /// Makes the backend from `kwargs` through the class's `create`; errors come back
  /// at the positions of the user's YAML.
  init(class pluginClass: PluginClass, kwargs: Kwargs, label: String) throws {
    entry = pluginClass.entry
    minor = pluginClass.minor
    self.label = label
    self.kwargs = kwargs
    let json = kwargs.abiJSON.bytes
    let entry = self.entry
    var created: OpaquePointer? = nil
    let reply = try PluginCalls.synchronous("\(label): create") { reply, context in
      created = json.withUnsafeBufferPointer { buffer in
        entry.pointee.create?(
          entry.pointee.class_context, buffer.baseAddress, buffer.count, reply, context)
      }
    }
    guard reply.succeeded, let created else {
      if let created { entry.pointee.release?(created) }
      throw reply.succeeded
        ? ShoalError(.backendFailed, "\(label): create replied OK but returned no backend")
        : ABIError.decode(reply.bytes, kwargs: kwargs, plugin: pluginClass.library)
    }
    handle = created
    do {
      let described = try PluginCalls.synchronous("\(label): describe") { reply, context in
        entry.pointee.describe?(created, reply, context)
      }
      guard described.succeeded else {
        throw ABIError.decode(described.bytes, kwargs: kwargs, plugin: pluginClass.library)
      }
      description = try ABIPayload.description(described.bytes)
    } catch let error as ABIPayload.Malformed {
      entry.pointee.release?(created)
      throw ShoalError(.backendFailed, "\(label): \(error)")
    } catch {
      entry.pointee.release?(created)
      throw error
    }
  }

  deinit {
    if !runOutstanding.withLock({ $0 }) { entry.pointee.release?(handle) }
    PluginLogSinks.unregister(UnsafeMutableRawPointer(bitPattern: runLog.withLock { $0 }))
  }

  var initialWorkers: Int { description.initialWorkers }

  var schedulerBinding: SchedulerBinding? { description.schedulerBinding }

  func adapt(_ requested: AdaptSettings) throws -> AdaptSettings {
    let settings = ABIPayload.encode(requested)
    let (entry, handle) = (self.entry, self.handle)
    let reply = try PluginCalls.synchronous("\(label): adapt") { reply, context in
      settings.withUnsafeBufferPointer { buffer in
        entry.pointee.adapt?(handle, buffer.baseAddress, buffer.count, reply, context)
      }
    }
    // About adapt_kwargs, not cluster_kwargs: the caller places it.
    guard reply.succeeded else { throw ABIError.decode(reply.bytes, plugin: label) }
    do {
      return try ABIPayload.adaptSettings(reply.bytes)
    } catch {
      throw ShoalError(.backendFailed, "\(label): adapt replied with bad settings: \(error)")
    }
  }

  func run(context: ClusterContext) async throws {
    let log = PluginLogSinks.register(context.log)
    let previous = runLog.withLock { old in
      defer { old = UInt(bitPattern: log) }
      return old
    }
    PluginLogSinks.unregister(UnsafeMutableRawPointer(bitPattern: previous))
    let json = ABIPayload.encode(context)
    let pointers = Pointers(entry: entry, handle: handle, log: log)
    runOutstanding.withLock { $0 = true }
    let reply = try await PluginCalls.asynchronous(
      awaitReplyAfterCancel: true, cancel: { pointers.entry.pointee.cancel_run?(pointers.handle) }
    ) { reply, replyContext in
      json.withUnsafeBufferPointer { buffer in
        pointers.entry.pointee.run?(
          pointers.handle, buffer.baseAddress, buffer.count, PluginLogSinks.logFunction,
          pointers.log, reply, replyContext)
      }
    }
    runOutstanding.withLock { $0 = false }
    guard reply.succeeded else { throw try failure(reply) }
  }

  func scale(to count: Int) async throws {
    let pointers = Pointers(entry: entry, handle: handle, log: nil)
    let reply = try await PluginCalls.asynchronous { reply, context in
      pointers.entry.pointee.scale?(pointers.handle, Int64(count), reply, context)
    }
    guard reply.succeeded else { throw try failure(reply) }
  }

  func stop(workers names: [String]) async throws {
    let json = ABIPayload.encode(names: names)
    let pointers = Pointers(entry: entry, handle: handle, log: nil)
    let reply = try await PluginCalls.asynchronous { reply, context in
      json.withUnsafeBufferPointer { buffer in
        pointers.entry.pointee.stop_workers?(
          pointers.handle, buffer.baseAddress, buffer.count, reply, context)
      }
    }
    guard reply.succeeded else { throw try failure(reply) }
  }

  /// The plugin's worker states; a failed or malformed reply is reported as one
  /// `failed` entry that names the problem, so that it is seen (`shoal ps`, logs).
  func workers() async -> [WorkerStatus] {
    let pointers = Pointers(entry: entry, handle: handle, log: nil)
    do {
      let reply = try await PluginCalls.asynchronous { reply, context in
        pointers.entry.pointee.workers?(pointers.handle, reply, context)
      }
      guard reply.succeeded else { throw try failure(reply) }
      return try ABIPayload.workerStatuses(reply.bytes)
    } catch is CancellationError {
      return []
    } catch {
      return [WorkerStatus(name: "(\(label))", state: .failed("workers() failed: \(error)"))]
    }
  }

  func removeLeftovers(clusterName: String, log: EventLog) async throws -> [String] {
    guard minor >= 1, description.removesLeftovers, entry.pointee.remove_leftovers != nil else {
      return []
    }
    let sink = PluginLogSinks.register(log)
    defer { PluginLogSinks.unregister(sink) }
    let name = Array(clusterName.utf8)
    let pointers = Pointers(entry: entry, handle: handle, log: sink)
    let reply = try await PluginCalls.asynchronous { reply, context in
      name.withUnsafeBufferPointer { buffer in
        pointers.entry.pointee.remove_leftovers?(
          pointers.handle, buffer.baseAddress, buffer.count, PluginLogSinks.logFunction,
          pointers.log, reply, context)
      }
    }
    guard reply.succeeded else { throw try failure(reply) }
    do {
      return try ABIPayload.names(reply.bytes)
    } catch {
      throw ShoalError(.backendFailed, "\(label): remove_leftovers replied badly: \(error)")
    }
  }

  private func failure(_ reply: PluginCalls.Reply) throws -> ShoalError {
    ABIError.decode(reply.bytes, kwargs: kwargs, plugin: label)
  }

  /// The C pointers a call needs, carried into `@Sendable` closures.
  private struct Pointers: @unchecked Sendable {
    let entry: UnsafePointer<shoal_cluster_class>
    let handle: OpaquePointer
    let log: UnsafeMutableRawPointer?
  }
}
