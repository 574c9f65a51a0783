internal import CShoalPlugin
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The C table of one plugin (plugin side): its classes and tasks as C structs whose
/// function pointers call into the exported Swift types. Built once, never freed.
struct PluginTable: @unchecked Sendable {
  /// The `shoal_plugin` struct.
  let pointer: UnsafeRawPointer
  /// The exports behind it.
  let exports: PluginExports

  /// The table of this plugin, once made.
  static let shared = Mutex<PluginTable?>(nil)

  init(exports: PluginExports) {
    self.exports = exports
    let classNames = exports.classNames + exports.factoryNames
    let classes = UnsafeMutablePointer<UnsafePointer<shoal_cluster_class>?>.allocate(
      capacity: max(1, classNames.count))
    for (index, name) in classNames.enumerated() {
      let entry = UnsafeMutablePointer<shoal_cluster_class>.allocate(capacity: 1)
      entry.initialize(
        to: BackendBridge.classStruct(
          name: strdup(name),
          isFactory: exports.factory(name) != nil && exports.backendClass(name) == nil,
          context: BackendBridge.ClassContext(name: name, exports: exports)))
      classes[index] = UnsafePointer(entry)
    }
    let taskNames = exports.taskNames
    let tasks = UnsafeMutablePointer<UnsafePointer<shoal_task>?>.allocate(
      capacity: max(1, taskNames.count))
    for (index, name) in taskNames.enumerated() {
      guard let task = exports.task(name) else { continue }
      let entry = UnsafeMutablePointer<shoal_task>.allocate(capacity: 1)
      entry.initialize(to: TaskBridge.taskStruct(task))
      tasks[index] = UnsafePointer(entry)
    }
    let plugin = UnsafeMutablePointer<shoal_plugin>.allocate(capacity: 1)
    plugin.initialize(
      to: shoal_plugin(
        abi_major: PluginABI.major, abi_minor: PluginABI.minor,
        module: UnsafePointer(strdup(exports.module)),
        sdk: UnsafePointer(strdup("ShoalCore \(PluginABI.sdkVersion) (Swift)")),
        class_count: classNames.count, classes: UnsafePointer(classes),
        task_count: taskNames.count, tasks: UnsafePointer(tasks)))
    pointer = UnsafeRawPointer(plugin)
  }
}

/// A reply callback and its context, called exactly once (plugin side).
struct ReplyTarget: @unchecked Sendable {
  let function: shoal_reply_fn?
  let context: UnsafeMutableRawPointer?

  func succeed(_ bytes: [UInt8] = []) { send(Int32(SHOAL_STATUS_OK), bytes) }
  func fail(_ error: any Error) { send(Int32(SHOAL_STATUS_ERROR), ABIError.encode(error)) }

  private func send(_ status: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { buffer in
      function?(context, status, buffer.baseAddress, buffer.count)
    }
  }
}

/// A log callback and its context, as an `EventLog` (plugin side).
struct LogTarget: @unchecked Sendable {
  let function: shoal_log_fn?
  let context: UnsafeMutableRawPointer?

  var eventLog: EventLog {
    EventLog { level, message in
      var text = message
      text.withUTF8 { buffer in
        self.function?(self.context, Int32(level.rawValue), buffer.baseAddress, buffer.count)
      }
    }
  }
}

/// The bytes at `pointer` (an empty array for NULL).
func bytes(_ pointer: UnsafePointer<UInt8>?, _ length: Int) -> [UInt8] {
  guard let pointer, length > 0 else { return [] }
  return Array(UnsafeBufferPointer(start: pointer, count: length))
}
