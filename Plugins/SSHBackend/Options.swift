import SSHSupport
import ShoalCore

/// `cluster_kwargs` of an `SSHBackend.SSHCluster`, exactly as the user writes them.
///
///     cluster_kwargs:
///       hosts: [node1, {host: node2, slots: 4, user: shoal}]
///       connect_options: {user: shoal, identity_file: ~/.ssh/id_ed25519}
///       worker_options: {nthreads: 2}
///       scheduler_options: {host: 0.0.0.0, address: tcp://head.example:0}
///       upload: true
///       ssh_config: ~/cluster/ssh_config   # instead of ~/.ssh/config
///
/// Decoding checks types, unknown keys ("did you mean ...?") and the shape of each
/// value; `SSHConfiguration` then checks what needs the file system (identity files).
struct Options: Decodable {
  /// The host pool.
  var hosts: [HostEntry]
  /// How to connect to every host (a host entry's own keys win).
  var connect_options: ConnectOptions?
  /// How each worker runs.
  var worker_options: WorkerOptions?
  /// Where the scheduler listens and the address workers use to reach it.
  var scheduler_options: SchedulerOptions?
  /// The `shoal` binary on the hosts (a host entry's own `remote_shoal` wins).
  var remote_shoal: String?
  /// Copy `shoal` and the task libraries to the hosts before starting.
  var upload: UploadOptions?
  /// Workers to start when the cluster is not adaptive; default: one per slot.
  var n_workers: Int?
  /// An ssh client configuration file used instead of `~/.ssh/config` (`ssh -F`).
  var ssh_config: String?
}

/// One entry of `hosts`: a plain name (`node1`, `shoal@node1`, an alias from
/// `~/.ssh/config`) or a mapping with per-host settings.
struct HostEntry: Decodable {
  var host: String
  var slots: Int?
  var user: String?
  var port: Int?
  var identity_file: String?
  var remote_shoal: String?
  var env: [String: String]?
  /// The entry's node, for errors about it.
  var node: Kwargs?

  enum CodingKeys: String, CodingKey {
    case host, slots, user, port, identity_file, remote_shoal, env
  }

  init(from decoder: any Decoder) throws {
    node = decoder.kwargsNode
    if let node, !node.isMap {
      host = try decoder.singleValueContainer().decode(String.self)
      guard !host.isEmpty else {
        throw node.error("a host name must not be empty")
      }
      return
    }
    let container = try decoder.container(keyedBy: CodingKeys.self)
    host = try container.decode(String.self, forKey: .host)
    slots = try container.decodeIfPresent(Int.self, forKey: .slots, in: KwargsRange.slots)
    user = try container.decodeIfPresent(String.self, forKey: .user)
    port = try container.decodeIfPresent(Int.self, forKey: .port)
    identity_file = try container.decodeIfPresent(String.self, forKey: .identity_file)
    remote_shoal = try container.decodeIfPresent(String.self, forKey: .remote_shoal)
    env = try container.decodeIfPresent([String: String].self, forKey: .env)
  }
}

/// `connect_options`: how `ssh` connects. Anything not set here comes from the
/// user's `~/.ssh/config` (and its agent, `ProxyJump`, ...).
struct ConnectOptions: Decodable {
  var user: String?
  var port: Int?
  var identity_file: String?
  var known_hosts_file: String?
  var strict_host_key_checking: String?
  var ssh_options: [String]?
  var connect_timeout: DurationValue?
}

/// `worker_options`: how each remote `shoal worker` runs.
struct WorkerOptions: Decodable {
  /// Tasks a worker runs at once (`--nthreads`); default 1.
  var nthreads: Int?
  /// Task libraries the workers load (`--tasks MODULE`); uploaded with `upload`.
  var task_libraries: [String]?
  /// A worker exits after this long without reaching the scheduler; default 15 s.
  var give_up_after: DurationValue?
}

/// `scheduler_options`: where the scheduler listens, and how workers reach it.
struct SchedulerOptions: Decodable {
  /// The address the scheduler binds (`0.0.0.0`, or one of this machine's addresses).
  var host: String?
  /// The port the scheduler binds; default 0 (any free port).
  var port: Int?
  /// The address workers connect to: `tcp://HOST:PORT`, `HOST:PORT` or `HOST`
  /// (then the scheduler's port).
  var address: String?
}

/// `upload`: `true`, `false`, or `{directory: PATH}` (relative to the remote home).
struct UploadOptions: Decodable {
  var enabled: Bool
  var directory: String?

  enum CodingKeys: String, CodingKey { case directory }

  init(from decoder: any Decoder) throws {
    if let node = decoder.kwargsNode, !node.isMap {
      enabled = try decoder.singleValueContainer().decode(Bool.self)
      return
    }
    let container = try decoder.container(keyedBy: CodingKeys.self)
    enabled = true
    directory = try container.decodeIfPresent(String.self, forKey: .directory)
  }
}

extension SchedulerSettings {
  /// The settings `scheduler_options` describe, checked.
  init(_ options: SchedulerOptions?, node: Kwargs?) throws {
    self.init()
    guard let options else { return }
    let fallback = node ?? Kwargs.empty()
    if let host = options.host {
      guard !host.isEmpty else { throw (node?["host"] ?? fallback).error("host must not be empty") }
      listenHost = host
    }
    if let port = options.port {
      guard (0...65535).contains(port) else {
        throw (node?["port"] ?? fallback).error("port must be between 0 and 65535, found \(port)")
      }
      listenPort = port
    }
    if let address = options.address {
      guard let (host, port) = SchedulerSettings.parse(address) else {
        throw (node?["address"] ?? fallback).error(
          "`\(address)` is not a scheduler address",
          hint: "write `tcp://HOST:PORT`, `HOST:PORT` or `HOST` (then the scheduler's own port)")
      }
      advertisedHost = host
      advertisedPort = port
    }
  }
}
