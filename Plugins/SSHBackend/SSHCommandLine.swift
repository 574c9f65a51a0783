/// The `ssh` arguments for one host: the user's `ssh_options` first (ssh keeps the
/// first value it sees, so they win), then Shoal's multiplexing and keep-alive
/// options, then the host's own settings. Nothing else is forced: `~/.ssh/config`
/// (or the `ssh_config` file, `-F`), the agent and `ProxyJump` apply as they would to
/// a plain `ssh HOST`.
struct SSHCommandLine: Sendable {
  /// The host.
  var host: Host
  /// The cluster's connection settings.
  var settings: ConnectSettings
  /// The master connection's socket.
  var controlPath: String

  /// The `ssh` executable (looked up on `$PATH`).
  static let executable = "ssh"

  /// Options every command of this host carries; `master` makes the command the
  /// master connection itself.
  func options(master: Bool = false) -> [String] {
    var options: [String] = []
    // `-F` replaces ~/.ssh/config; ssh passes it on to a `ProxyJump` host's ssh too.
    if let file = settings.configFile { options += ["-F", file] }
    for option in settings.sshOptions { options += ["-o", option] }
    options += [
      "-o", "BatchMode=yes",
      "-o", "ControlMaster=\(master ? "yes" : "auto")",
      "-o", "ControlPath=\(controlPath)",
      "-o", "ControlPersist=\(SSHCommandLine.seconds(settings.controlPersist))",
      "-o", "ConnectTimeout=\(SSHCommandLine.seconds(settings.connectTimeout))",
      "-o", "ServerAliveInterval=5",
      "-o", "ServerAliveCountMax=3",
      "-o", "LogLevel=ERROR",
    ]
    if let file = settings.knownHostsFile { options += ["-o", "UserKnownHostsFile=\(file)"] }
    if let policy = settings.strictHostKeyChecking {
      options += ["-o", "StrictHostKeyChecking=\(policy)"]
    }
    if let identity = host.identityFile {
      options += ["-i", identity, "-o", "IdentitiesOnly=yes"]
    }
    if let port = host.port { options += ["-p", String(port)] }
    if let user = host.user { options += ["-l", user] }
    return options
  }

  /// Starts the master connection in the background (`-f -N`): the command returns
  /// once the connection is authenticated, or fails with ssh's reason.
  var master: [String] { options(master: true) + ["-f", "-N", "--", host.name] }

  /// Asks whether the master connection is up.
  var check: [String] { options() + ["-O", "check", "--", host.name] }

  /// Ends the master connection.
  var exit: [String] { options() + ["-O", "exit", "--", host.name] }

  /// Runs `remoteCommand` over the master connection, without a terminal.
  func run(_ remoteCommand: String) -> [String] {
    options() + ["-T", "--", host.name, remoteCommand]
  }

  /// Whole seconds, at least 1.
  static func seconds(_ duration: Duration) -> String {
    String(max(1, duration.components.seconds + (duration.components.attoseconds > 0 ? 1 : 0)))
  }
}
