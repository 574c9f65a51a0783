/// The JSON documents of the plugin ABI (docs/plugin-abi.md), both directions.
public enum ABIPayload {
  /// Why a document from the other side is not what the ABI says.
  public struct Malformed: Error, Sendable, CustomStringConvertible {
    /// What was wrong.
    public var message: String
    /// Makes one.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
  }

  static func parse(_ bytes: [UInt8], _ what: String) throws(Malformed) -> JSONValue {
    do {
      return try JSONValue(parsing: bytes)
    } catch {
      throw Malformed("\(what) is not JSON (\(error))")
    }
  }

  // MARK: - Adapt settings

  /// `{"minimum", "maximum", "interval", "wait_count", "target_duration"}`; durations in seconds.
  public static func encode(_ settings: AdaptSettings) -> [UInt8] {
    JSONValue.object([
      ("minimum", .number(String(settings.minimum))),
      ("maximum", settings.maximum.map { .number(String($0)) } ?? .null),
      ("interval", .number(String(settings.interval.seconds))),
      ("wait_count", .number(String(settings.waitCount))),
      ("target_duration", .number(String(settings.targetDuration.seconds))),
    ]).bytes
  }

  /// The settings in `bytes`.
  public static func adaptSettings(_ bytes: [UInt8]) throws(Malformed) -> AdaptSettings {
    let json = try parse(bytes, "the adapt settings")
    guard let minimum = json["minimum"]?.int, minimum >= 0,
      let interval = json["interval"]?.double, interval.isFinite, interval > 0, interval < 1e9,
      let waitCount = json["wait_count"]?.int, waitCount >= 1,
      let target = json["target_duration"]?.double, target.isFinite, target > 0, target < 1e9
    else {
      throw Malformed(
        "the adapt settings need minimum ≥ 0, interval > 0, wait_count ≥ 1, target_duration > 0:"
          + " \(String(decoding: bytes.prefix(200), as: UTF8.self))")
    }
    var maximum: Int? = nil
    if let value = json["maximum"], value != .null {
      guard let bound = value.int, bound >= minimum else {
        throw Malformed("the adapt settings' maximum must be null or an integer ≥ minimum")
      }
      maximum = bound
    }
    return AdaptSettings(
      minimum: minimum, maximum: maximum, interval: .seconds(interval), waitCount: waitCount,
      targetDuration: .seconds(target))
  }

  // MARK: - Cluster context

  /// The context of `run`, without its log (which travels as a callback).
  /// `worker_resources` is optional: present only when the worker group has any.
  public static func encode(_ context: ClusterContext) -> [UInt8] {
    var fields: [(key: String, value: JSONValue)] = [
      ("cluster_name", .string(context.clusterName)), ("cluster_id", .string(context.clusterID)),
      ("scheduler_address", .string(context.schedulerAddress)), ("token", .string(context.token)),
      ("worker_executable", .string(context.workerExecutable)),
      ("state_directory", .string(context.stateDirectory)),
    ]
    if let tokenFile = context.tokenFile { fields.append(("token_file", .string(tokenFile))) }
    if let resources = context.workerResources {
      fields.append(("worker_resources", .string(resources)))
    }
    return JSONValue.object(fields).bytes
  }

  /// The context in `bytes`, with `log`.
  public static func clusterContext(_ bytes: [UInt8], log: EventLog) throws(Malformed)
    -> ClusterContext
  {
    let json = try parse(bytes, "the cluster context")
    func field(_ name: String) throws(Malformed) -> String {
      guard let value = json[name]?.string else {
        throw Malformed("the cluster context has no `\(name)`")
      }
      return value
    }
    var context = ClusterContext(
      clusterName: try field("cluster_name"), clusterID: try field("cluster_id"),
      schedulerAddress: try field("scheduler_address"), token: try field("token"),
      workerExecutable: try field("worker_executable"),
      stateDirectory: try field("state_directory"), tokenFile: json["token_file"]?.string,
      log: log)
    context.workerResources = json["worker_resources"]?.string
    return context
  }

  // MARK: - Description

  /// What `describe` replies: the backend's fixed facts.
  public struct Description: Sendable, Equatable {
    /// `initialWorkers`.
    public var initialWorkers: Int
    /// Where the scheduler must listen, when not the default.
    public var schedulerBinding: SchedulerBinding?
    /// Whether the backend can remove what dead runs left.
    public var removesLeftovers: Bool

    /// Makes one.
    public init(initialWorkers: Int, schedulerBinding: SchedulerBinding?, removesLeftovers: Bool) {
      self.initialWorkers = initialWorkers
      self.schedulerBinding = schedulerBinding
      self.removesLeftovers = removesLeftovers
    }
  }

  /// The description as JSON.
  public static func encode(_ description: Description) -> [UInt8] {
    JSONValue.object([
      ("initial_workers", .number(String(description.initialWorkers))),
      (
        "scheduler_binding",
        description.schedulerBinding.map {
          .object([("host", .string($0.host)), ("port", .number(String($0.port)))])
        } ?? .null
      ),
      ("removes_leftovers", .bool(description.removesLeftovers)),
    ]).bytes
  }

  /// The description in `bytes`.
  public static func description(_ bytes: [UInt8]) throws(Malformed) -> Description {
    let json = try parse(bytes, "the backend description")
    guard let initial = json["initial_workers"]?.int, (0...1_000_000).contains(initial) else {
      throw Malformed("the backend description needs initial_workers between 0 and 1000000")
    }
    var binding: SchedulerBinding? = nil
    if let value = json["scheduler_binding"], value != .null {
      guard let host = value["host"]?.string, !host.isEmpty,
        let port = value["port"]?.int, (0...65535).contains(port)
      else { throw Malformed("scheduler_binding needs a host and a port between 0 and 65535") }
      binding = SchedulerBinding(host: host, port: port)
    }
    return Description(
      initialWorkers: initial, schedulerBinding: binding,
      removesLeftovers: json["removes_leftovers"] == .bool(true))
  }

  // MARK: - Worker states

  /// The states as JSON.
  public static func encode(_ statuses: [WorkerStatus]) -> [UInt8] {
    JSONValue.array(
      statuses.map { status in
        var members: [(key: String, value: JSONValue)] = [("name", .string(status.name))]
        switch status.state.kind {
        case .exited(let code):
          members += [("state", .string("exited")), ("exit_status", .number(String(code)))]
        case .failed(let reason):
          members += [("state", .string("failed")), ("reason", .string(reason))]
        case .other(let name): members.append(("state", .string(name)))
        }
        members.append(("location", status.location.map { .string($0) } ?? .null))
        members.append(("restarts", .number(String(status.restarts))))
        return .object(members)
      }
    ).bytes
  }

  /// The states in `bytes`.
  public static func workerStatuses(_ bytes: [UInt8]) throws(Malformed) -> [WorkerStatus] {
    guard case .array(let items) = try parse(bytes, "the worker list") else {
      throw Malformed("the worker list is not a JSON array")
    }
    var result: [WorkerStatus] = []
    for item in items {
      guard let name = item["name"]?.string, !name.isEmpty, let state = item["state"]?.string
      else { throw Malformed("a worker entry needs a name and a state") }
      let parsed: WorkerStatus.State
      switch state {
      case "launching": parsed = .launching
      case "running": parsed = .running
      case "stopping": parsed = .stopping
      case "exited":
        guard let code = item["exit_status"]?.int, let status = Int32(exactly: code) else {
          throw Malformed("worker \(name) exited without an integer exit_status")
        }
        parsed = .exited(status)
      case "failed": parsed = .failed(item["reason"]?.string ?? "failed")
      default: throw Malformed("worker \(name) has an unknown state `\(state)`")
      }
      let restarts = item["restarts"]?.int ?? 0
      result.append(
        WorkerStatus(
          name: name, state: parsed, location: item["location"]?.string,
          restarts: max(0, restarts)))
    }
    return result
  }

  // MARK: - Names

  /// A JSON array of strings.
  public static func encode(names: [String]) -> [UInt8] {
    JSONValue.array(names.map { .string($0) }).bytes
  }

  /// The strings of a JSON array.
  public static func names(_ bytes: [UInt8]) throws(Malformed) -> [String] {
    guard case .array(let items) = try parse(bytes, "the name list") else {
      throw Malformed("the name list is not a JSON array")
    }
    var names: [String] = []
    for item in items {
      guard let name = item.string else { throw Malformed("the name list holds a non-string") }
      names.append(name)
    }
    return names
  }
}
