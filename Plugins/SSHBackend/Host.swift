import SSHSupport
import ShoalCore

/// One host of the pool, with every setting resolved (host entry over
/// `connect_options` over the user's `~/.ssh/config`).
struct Host: Sendable, Hashable, CustomStringConvertible {
  /// The host's position in `hosts`, used for short control-socket names.
  var index: Int
  /// The destination as given: a name, an address, an alias from `~/.ssh/config`.
  var name: String
  /// How many workers it may run at once.
  var slots: Int
  /// The login user; nil leaves it to `~/.ssh/config`.
  var user: String?
  /// The port; nil leaves it to `~/.ssh/config`.
  var port: Int?
  /// The private key; nil leaves it to the agent and `~/.ssh/config`.
  var identityFile: String?
  /// The `shoal` binary there; nil means "the same path as the local one".
  var remoteShoal: String?
  /// Where `remote_shoal` was set, for errors about it.
  var remoteShoalNode: Kwargs?
  /// Variables set for the workers there.
  var environment: [String: String]
  /// The host entry's node, for errors about the host.
  var node: Kwargs?

  /// `user@name:port` as far as known, for messages and `shoal ps`.
  var description: String {
    (user.map { "\($0)@" } ?? "") + name + (port.map { ":\($0)" } ?? "")
  }

  static func == (a: Host, b: Host) -> Bool { a.index == b.index }
  func hash(into hasher: inout Hasher) { hasher.combine(index) }
}

/// The settings shared by every `ssh` command of a cluster.
struct ConnectSettings: Sendable, Hashable {
  /// The ssh client configuration file (`-F`), when not ssh's own `~/.ssh/config`.
  var configFile: String?
  /// `UserKnownHostsFile`, when set.
  var knownHostsFile: String?
  /// `StrictHostKeyChecking` (`yes`, `accept-new`, `no`), when set.
  var strictHostKeyChecking: String?
  /// Extra `-o` values, passed first so that they win over Shoal's defaults.
  var sshOptions: [String] = []
  /// `ConnectTimeout`.
  var connectTimeout: Duration = .seconds(10)
  /// How long an idle master connection stays after its last session ends.
  var controlPersist: Duration = .seconds(30)
}
