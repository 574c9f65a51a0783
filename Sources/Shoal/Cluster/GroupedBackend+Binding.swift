import ShoalCore

extension GroupedBackend: SchedulerBindingProvider {
  /// Where the scheduler listens: the binding the groups' backends ask for (SSH
  /// groups, whose workers dial in from other machines), or nil when none asks.
  /// `binding(of:)` has checked at `ClusterRuntime` start that they agree.
  public var schedulerBinding: SchedulerBinding? {
    try? Self.binding(of: members, cluster: "")
  }

  /// The one binding the groups' backends ask for: nil when none asks; the port of
  /// any that names one. Throws when two groups ask for different hosts or ports:
  /// one scheduler listens on one address.
  static func binding(of members: [Member], cluster: String) throws -> SchedulerBinding? {
    var chosen: (group: Member, binding: SchedulerBinding)?
    for member in members {
      guard let binding = (member.backend as? any SchedulerBindingProvider)?.schedulerBinding
      else { continue }
      guard let first = chosen else {
        chosen = (member, binding)
        continue
      }
      let ports = Set([first.binding.port, binding.port].filter { $0 != 0 })
      guard first.binding.host == binding.host, ports.count <= 1 else {
        throw ShoalError(
          .invalidConfig,
          "groups `\(first.group.group.name)` and `\(member.group.name)` of `\(cluster)` need"
            + " the scheduler to listen on \(first.binding) and \(binding); one scheduler"
            + " listens on one address",
          location: member.group.location, keyPath: member.group.keyPath,
          hint: "give both groups the same scheduler_options (e.g. {host: 0.0.0.0, address:"
            + " THIS_MACHINE})")
      }
      chosen?.binding.port = ports.first ?? 0
    }
    return chosen?.binding
  }
}
