import Foundation
import ShoalTestSupport

/// Real SSH hosts for tests: each one a network namespace with its own veth link,
/// address and `sshd` (own config, host key, `authorized_keys`, pid file), reached
/// with a client key made for the test. Installs nothing: without `sshd`, `ip` or
/// root, `SSHHosts.unavailableReason` says why and the suites are skipped (or fail,
/// under `CI=true` or `SHOAL_REQUIRE_INTEGRATION=1`: ShoalTestSupport's `Integration`).
///
///     root namespace                     namespace shoal-test-XXXX-0
///     10.N.M.1/30  (veth sXXXXh0) <----> (veth sXXXXn0)  10.N.M.2/30, sshd :22
///     10.N.M.5/30  (veth sXXXXh1) <----> (veth sXXXXn1)  10.N.M.6/30, sshd :22
///
/// (`hide(_:behind:port:)` moves a host's sshd to a link only another host reaches.)
///
/// Each namespace's default route points at its link's root side, so every host
/// reaches the scheduler at `schedulerHost` (the first link's root-side address).
/// `close()` kills every sshd by pid, deletes the namespaces and links and the
/// folder, also after a failed test.
final class SSHHosts: @unchecked Sendable {
  /// One test host.
  struct Machine {
    /// Its namespace.
    var namespace: String
    /// The root-side veth name.
    var link: String
    /// Its address (namespace side).
    var address: String
    /// The root side of its link.
    var gateway: String
    /// Its sshd's pid, while it runs.
    var sshd: Int32?
    /// The address its sshd listens on: `address` unless it was hidden behind another host.
    var sshAddress: String
    /// The port its sshd listens on.
    var sshPort: Int = 22
  }

  /// The test folder: keys, sshd configs, logs.
  let directory: String
  /// The client's private key (in every host's authorized_keys).
  let clientKey: String
  /// A private key no host accepts.
  let wrongKey: String
  /// The known_hosts file the tests use.
  let knownHosts: String
  /// The hosts.
  private(set) var machines: [Machine] = []
  private let tag: String
  /// The `10.N.M` prefix of every address here.
  private var subnet = ""
  /// Routes added to the root namespace, deleted by `close()`.
  private var rootRoutes: [String] = []

  /// Why real SSH hosts cannot be made here, or nil when they can.
  static let unavailableReason: String? = {
    if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") {
      return "sshd is missing: install openssh-server (Scripts/test does)"
    }
    for tool in ["/usr/bin/ssh", "/usr/bin/ssh-keygen"]
    where !FileManager.default.isExecutableFile(atPath: tool) {
      return "\(tool) is missing: install openssh-client"
    }
    if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
      && !FileManager.default.isExecutableFile(atPath: "/sbin/ip")
    {
      return "`ip` is missing: install iproute2"
    }
    if getuid() != 0 { return "network namespaces need root" }
    return nil
  }()

  /// Whether the SSH suites can run.
  static var available: Bool { unavailableReason == nil }

  /// `count` hosts, each with a running sshd (unless `withSSHD` is false for it), in
  /// network namespaces named `PREFIX-TAG-N`.
  init(count: Int, withoutSSHD: Set<Int> = [], prefix: String = "shoal-test") throws {
    tag = String(UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(4))
    directory = try TemporaryDirectory.make("shoal-ssh")
    clientKey = directory + "/client"
    wrongKey = directory + "/wrong"
    knownHosts = directory + "/known_hosts"
    do {
      try FileManager.default.createDirectory(
        atPath: "/run/sshd", withIntermediateDirectories: true)
      try SSHHosts.sh("ssh-keygen -q -t ed25519 -N '' -f \(clientKey) -C shoal-test")
      try SSHHosts.sh("ssh-keygen -q -t ed25519 -N '' -f \(wrongKey) -C shoal-wrong")
      try SSHHosts.sh("ssh-keygen -q -t ed25519 -N '' -f \(directory)/hostkey -C shoal-host")
      try FileManager.default.copyItem(
        atPath: clientKey + ".pub", toPath: directory + "/authorized_keys")
      subnet = try SSHHosts.freeSubnet()
      for index in 0..<count {
        let machine = Machine(
          namespace: "\(prefix)-\(tag)-\(index)", link: "s\(tag)h\(index)",
          address: "\(subnet).\(4 * index + 2)", gateway: "\(subnet).\(4 * index + 1)",
          sshAddress: "\(subnet).\(4 * index + 2)")
        machines.append(machine)
        try SSHHosts.sh(
          """
          ip netns add \(machine.namespace)
          ip link add \(machine.link) type veth peer name s\(tag)n\(index)
          ip link set s\(tag)n\(index) netns \(machine.namespace)
          ip addr add \(machine.gateway)/30 dev \(machine.link)
          ip link set \(machine.link) up
          ip netns exec \(machine.namespace) ip addr add \(machine.address)/30 dev s\(tag)n\(index)
          ip netns exec \(machine.namespace) ip link set s\(tag)n\(index) up
          ip netns exec \(machine.namespace) ip link set lo up
          ip netns exec \(machine.namespace) ip route add default via \(machine.gateway)
          """)
        if !withoutSSHD.contains(index) { try startSSHD(index) }
      }
    } catch {
      close()
      throw error
    }
  }

  /// The address the scheduler listens on and workers dial: reachable from every host.
  var schedulerHost: String { machines[0].gateway }

  /// Starts (or restarts) host `index`'s sshd and waits until it accepts connections.
  func startSSHD(_ index: Int) throws {
    let machine = machines[index]
    let config = "\(directory)/sshd-\(index).conf"
    try """
    ListenAddress \(machine.sshAddress)
    Port \(machine.sshPort)
    HostKey \(directory)/hostkey
    AuthorizedKeysFile \(directory)/authorized_keys
    PidFile \(directory)/sshd-\(index).pid
    PasswordAuthentication no
    KbdInteractiveAuthentication no
    PubkeyAuthentication yes
    PermitRootLogin prohibit-password
    StrictModes no
    UsePAM no
    LogLevel VERBOSE
    """.write(toFile: config, atomically: true, encoding: .utf8)
    // Started through a shell that exits at once: a long-lived Foundation `Process`
    // child blocks Foundation's reaper thread on Linux. Killed by pid in `close()`.
    let pid = try SSHHosts.sh(
      "ip netns exec \(machine.namespace) /usr/sbin/sshd -D -f \(config) -E \(directory)/sshd-\(index).log"
        + " </dev/null >/dev/null 2>&1 & echo $!")
    guard let sshd = Int32(pid.trimmingCharacters(in: .whitespacesAndNewlines)) else {
      throw HarnessError("could not start sshd in \(machine.namespace): \(pid)")
    }
    machines[index].sshd = sshd
    let deadline = Date().addingTimeInterval(20)
    while Date() < deadline {
      let listening = try? SSHHosts.sh(
        "ip netns exec \(machine.namespace) ss -Htln 'sport = :\(machine.sshPort)'")
      if listening?.contains("\(machine.sshAddress):\(machine.sshPort)") == true {
        return
      }
      if kill(sshd, 0) != 0 {
        throw HarnessError("sshd in \(machine.namespace) exited: \(log(index))")
      }
      usleep(20_000)
    }
    throw HarnessError("sshd in \(machine.namespace) did not listen within 20 s: \(log(index))")
  }

  /// Hides host `index` behind host `jump`: a veth pair of their own links the two
  /// namespaces, host `index`'s sshd is restarted listening only on its end of it (on
  /// `port`), and the root namespace gets an `unreachable` route for that link, so
  /// only `jump` can reach that sshd. Host `index` keeps its own link to the root
  /// namespace, so its workers still reach the scheduler. Returns the sshd's address.
  ///
  ///     root ----- jump ----- index   (sshd on index's end of the jump link only)
  ///       \___________________/      (index's own link: worker -> scheduler)
  @discardableResult
  func hide(_ index: Int, behind jump: Int, port: Int) throws -> String {
    let base = 128 + 4 * index
    let (jumpSide, hostSide) = ("\(subnet).\(base + 1)", "\(subnet).\(base + 2)")
    let (jumpLink, hostLink) = ("s\(tag)j\(index)", "s\(tag)k\(index)")
    let (jumpSpace, hostSpace) = (machines[jump].namespace, machines[index].namespace)
    let route = "unreachable \(subnet).\(base)/30"
    try SSHHosts.sh("ip route add \(route)")
    rootRoutes.append(route)
    try SSHHosts.sh(
      """
      ip link add \(jumpLink) type veth peer name \(hostLink)
      ip link set \(jumpLink) netns \(jumpSpace)
      ip link set \(hostLink) netns \(hostSpace)
      ip netns exec \(jumpSpace) ip addr add \(jumpSide)/30 dev \(jumpLink)
      ip netns exec \(jumpSpace) ip link set \(jumpLink) up
      ip netns exec \(hostSpace) ip addr add \(hostSide)/30 dev \(hostLink)
      ip netns exec \(hostSpace) ip link set \(hostLink) up
      """)
    if let pid = machines[index].sshd {
      kill(pid, SIGKILL)
      machines[index].sshd = nil
    }
    machines[index].sshAddress = hostSide
    machines[index].sshPort = port
    try startSSHD(index)
    return hostSide
  }

  /// Kills everything running in host `index`'s namespace (its sshd, the sessions,
  /// the workers): the host is gone.
  func killHost(_ index: Int) {
    let pids = (try? SSHHosts.sh("ip netns pids \(machines[index].namespace)")) ?? ""
    for pid in pids.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
    if let pid = machines[index].sshd { kill(pid, SIGKILL) }
    machines[index].sshd = nil
  }

  /// The pids running in host `index`'s namespace.
  func processes(on index: Int) -> [Int32] {
    ((try? SSHHosts.sh("ip netns pids \(machines[index].namespace)")) ?? "")
      .split(separator: "\n").compactMap { Int32($0) }
  }

  /// Host `index`'s sshd log.
  func log(_ index: Int) -> String {
    (try? String(contentsOfFile: "\(directory)/sshd-\(index).log", encoding: .utf8)) ?? ""
  }

  /// Kills every sshd and everything else in the namespaces, deletes the namespaces,
  /// the links and the folder.
  func close() {
    for index in machines.indices {
      killHost(index)
      _ = try? SSHHosts.sh(
        "ip link del \(machines[index].link) 2>/dev/null; ip netns del \(machines[index].namespace) 2>/dev/null; true"
      )
    }
    machines.removeAll()
    for route in rootRoutes { _ = try? SSHHosts.sh("ip route del \(route)") }
    rootRoutes.removeAll()
    try? FileManager.default.removeItem(atPath: directory)
  }

  /// `connect_options` for these hosts.
  func connectOptions(key: String? = nil) -> String {
    "{identity_file: \(key ?? clientKey), known_hosts_file: \(knownHosts), strict_host_key_checking: accept-new, connect_timeout: 5}"
  }

  /// A /24 prefix (`10.N.M`) that no route of this machine covers.
  static func freeSubnet() throws -> String {
    let routes = try sh("ip -4 route show table all; ip -4 addr")
    for _ in 0..<50 {
      let prefix = "10.\(Int.random(in: 200...250)).\(Int.random(in: 0...255))"
      if !routes.contains(prefix + ".") { return prefix }
    }
    throw HarnessError("no free 10.x.y.0/24 subnet found")
  }

  /// Runs `script` with `sh -e`; returns stdout; throws with stderr on failure.
  @discardableResult
  static func sh(_ script: String) throws -> String {
    let output = try CommandRunner.run("/bin/sh", ["-ec", script], timeout: 30)
    guard output.status == 0 else {
      throw HarnessError("`\(script)` failed (\(output.status)): \(output.stderr)")
    }
    return output.stdout
  }
}

/// A failure of the test harness itself.
struct HarnessError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
