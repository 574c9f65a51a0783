/// Where a cluster's scheduler listens.
///
/// The core's scheduler listens on 127.0.0.1 at a free port, which is all that local
/// workers need. A backend whose workers run on other machines (SSH hosts) needs it
/// where those machines can reach it: it adopts `SchedulerBindingProvider`, and the
/// core binds there instead.
public struct SchedulerBinding: Sendable, Hashable, CustomStringConvertible {
  /// The address to bind (`0.0.0.0`, `::`, or one of this machine's addresses).
  public var host: String
  /// The port to bind; 0 is any free port.
  public var port: Int

  /// A binding.
  public init(host: String, port: Int = 0) {
    self.host = host
    self.port = port
  }

  /// `host:port`.
  public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A backend that needs the scheduler to listen somewhere other than 127.0.0.1.
///
/// The core asks after `init(kwargs:)` and `adapt(_:)`, before it starts the
/// scheduler; `nil` keeps the default. `ClusterContext.schedulerAddress` then carries
/// the bound address, and the backend tells its workers the address to dial.
public protocol SchedulerBindingProvider: ClusterBackend {
  /// Where the scheduler should listen; nil for the default.
  var schedulerBinding: SchedulerBinding? { get }
}
