import SSHSupport
import ShoalCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The validated settings of an SSH cluster: `Options` checked value by value, each
/// problem reported with its YAML position and key path.
struct Configuration: Sendable {
  var hosts: [Host]
  var connect: ConnectSettings
  var nthreads: Int
  var taskLibraries: [String]
  var giveUpAfter: Duration
  var scheduler: SchedulerSettings
  /// The remote folder `upload` copies into; nil when not uploading.
  var uploadDirectory: String?
  var initialWorkers: Int

  /// The number of workers the pool holds: the sum of its slots.
  var capacity: Int { hosts.reduce(0) { $0 + $1.slots } }

  /// The accepted `strict_host_key_checking` values.
  static let hostKeyPolicies = ["yes", "accept-new", "no"]
  /// `-o` options Shoal manages itself.
  static let managedOptions = ["controlmaster", "controlpath", "controlpersist", "batchmode"]

  /// Decodes and checks `kwargs`; throws `ShoalError` naming the offending node.
  init(kwargs: Kwargs, environment: [String: String] = PluginSearchPath.environment()) throws {
    let options = try kwargs.decode(Options.self)
    let home = environment["HOME"] ?? "/"
    let connectNode = kwargs["connect_options"]
    let connect = options.connect_options

    guard !options.hosts.isEmpty else {
      throw (kwargs["hosts"] ?? kwargs).error(
        "`hosts` is empty; an SSH cluster needs at least one host",
        hint: "list the machines to run workers on, e.g. `hosts: [node1, node2]`")
    }

    var settings = ConnectSettings()
    if let file = options.ssh_config {
      let path = Configuration.expand(file, home: home)
      guard Configuration.isReadableFile(path) else {
        throw (kwargs["ssh_config"] ?? kwargs).error(
          "ssh config file `\(path)` does not exist or is not a readable file",
          hint: "fix the path, or remove `ssh_config` to use ~/.ssh/config")
      }
      settings.configFile = path
    }
    settings.knownHostsFile = connect?.known_hosts_file.map { Configuration.expand($0, home: home) }
    if let policy = connect?.strict_host_key_checking {
      guard Configuration.hostKeyPolicies.contains(policy) else {
        throw (connectNode?["strict_host_key_checking"] ?? kwargs).error(
          "unknown strict_host_key_checking value `\(policy)`"
            + Suggestion.didYouMean(policy, in: Configuration.hostKeyPolicies),
          hint: "use `yes` (known hosts only), `accept-new` (trust a new host on first use) or `no`"
        )
      }
      settings.strictHostKeyChecking = policy
    }
    for (index, option) in (connect?.ssh_options ?? []).enumerated() {
      let node = connectNode?["ssh_options"].flatMap { Configuration.item($0, index) } ?? kwargs
      let key =
        option.split(whereSeparator: { $0 == "=" || $0 == " " }).first.map(String.init) ?? ""
      guard !key.isEmpty, key.count < option.count else {
        throw node.error(
          "`\(option)` is not an ssh option",
          hint: "write options as `Key=Value`, e.g. `Compression=yes`")
      }
      if Configuration.managedOptions.contains(key.lowercased()) {
        throw node.error(
          "`\(key)` is managed by Shoal (one multiplexed master connection per host)",
          hint: "remove it from ssh_options")
      }
    }
    settings.sshOptions = connect?.ssh_options ?? []
    if let timeout = connect?.connect_timeout?.duration {
      guard timeout >= .seconds(1) else {
        throw (connectNode?["connect_timeout"] ?? kwargs).error(
          "connect_timeout must be at least 1 second")
      }
      settings.connectTimeout = timeout
    }
    self.connect = settings

    let worker = options.worker_options
    nthreads = worker?.nthreads ?? 1
    guard KwargsRange.slots.contains(nthreads) else {
      throw (kwargs["worker_options"]?["nthreads"] ?? kwargs).error(
        "nthreads must be \(KwargsRange.describe(KwargsRange.slots)), found \(nthreads)")
    }
    taskLibraries = worker?.task_libraries ?? []
    giveUpAfter = worker?.give_up_after?.duration ?? .seconds(15)
    guard giveUpAfter >= .seconds(1) else {
      throw (kwargs["worker_options"]?["give_up_after"] ?? kwargs).error(
        "give_up_after must be at least 1 second")
    }
    scheduler = try SchedulerSettings(options.scheduler_options, node: kwargs["scheduler_options"])
    if let listen = scheduler.listenHost, SchedulerSettings.isWildcard(listen),
      scheduler.advertisedHost == nil
    {
      throw (kwargs["scheduler_options"]?["host"] ?? kwargs).error(
        "the scheduler listens on every address (`\(listen)`), so the workers need to be told which one to dial",
        hint:
          "add `address: HOST` to scheduler_options, with an address of this machine the hosts reach"
      )
    }

    if let upload = options.upload, upload.enabled {
      if let node = kwargs["remote_shoal"] {
        throw node.error(
          "`remote_shoal` and `upload` are both set",
          hint: "`upload` puts shoal in its own folder on each host; remove one of them")
      }
      uploadDirectory = upload.directory ?? ".cache/shoal"
    }

    let hostsNode = kwargs["hosts"]
    var hosts: [Host] = []
    for (index, entry) in options.hosts.enumerated() {
      let node = entry.node ?? hostsNode.flatMap { Configuration.item($0, index) }
      hosts.append(
        try Configuration.host(
          entry, index: index, node: node, connect: connect, connectNode: connectNode,
          globalShoal: options.remote_shoal, globalShoalNode: kwargs["remote_shoal"],
          uploading: uploadDirectory != nil, home: home))
    }
    var seen: [String: Int] = [:]
    for host in hosts {
      if let first = seen[host.description] {
        throw (host.node ?? kwargs).error(
          "host `\(host)` is listed twice (entries \(first) and \(host.index))",
          hint: "list each host once and give it `slots: N` to run N workers there")
      }
      seen[host.description] = host.index
    }
    self.hosts = hosts

    let capacity = hosts.reduce(0) { $0 + $1.slots }
    initialWorkers = options.n_workers ?? capacity
    if let count = options.n_workers, count < 0 || count > capacity {
      throw (kwargs["n_workers"] ?? kwargs).error(
        "n_workers must be between 0 and the pool's capacity (\(capacity) slots), found \(count)",
        hint: "add hosts or `slots`, or lower n_workers")
    }
  }

  /// Resolves one host entry over `connect_options` and checks its values.
  private static func host(
    _ entry: HostEntry, index: Int, node: Kwargs?, connect: ConnectOptions?, connectNode: Kwargs?,
    globalShoal: String?, globalShoalNode: Kwargs?, uploading: Bool, home: String
  ) throws -> Host {
    func at(_ key: String) -> Kwargs? { node?[key] ?? connectNode?[key] }
    let fallback = node ?? Kwargs.empty()
    guard !entry.host.hasPrefix("-") else {
      throw (node?["host"] ?? fallback).error(
        "host name `\(entry.host)` must not start with `-`",
        hint: "give ssh options in `connect_options.ssh_options`")
    }
    let slots = entry.slots ?? 1
    guard slots >= 1 else {
      throw (node?["slots"] ?? fallback).error(
        "slots must be 1 or more, found \(slots)",
        hint: "remove the host, or give it 1 slot or more")
    }
    let port = entry.port ?? connect?.port
    if let port, !(1...65535).contains(port) {
      throw (at("port") ?? fallback).error("port must be between 1 and 65535, found \(port)")
    }
    let identity = (entry.identity_file ?? connect?.identity_file).map { expand($0, home: home) }
    if let file = identity, access(file, R_OK) != 0 {
      throw (at("identity_file") ?? fallback).error(
        "identity file `\(file)` does not exist or is not readable",
        hint: "create the key with `ssh-keygen -t ed25519 -f \(file)`, or fix the path")
    }
    let remoteShoal = entry.remote_shoal ?? globalShoal
    let remoteShoalNode = node?["remote_shoal"] ?? globalShoalNode
    if uploading, entry.remote_shoal != nil {
      throw (node?["remote_shoal"] ?? fallback).error(
        "`remote_shoal` and `upload` are both set",
        hint: "`upload` puts shoal in its own folder on each host; remove one of them")
    }
    if let remoteShoal, remoteShoal.isEmpty {
      throw (remoteShoalNode ?? fallback).error("remote_shoal must not be empty")
    }
    for key in (entry.env ?? [:]).keys where !isVariableName(key) {
      throw (node?["env"]?[key] ?? fallback).error(
        "`\(key)` is not a valid environment variable name",
        hint: "use letters, digits and `_`, not starting with a digit")
    }
    return Host(
      index: index, name: entry.host, slots: slots, user: entry.user ?? connect?.user, port: port,
      identityFile: identity, remoteShoal: remoteShoal, remoteShoalNode: remoteShoalNode,
      environment: entry.env ?? [:], node: node)
  }

  /// `~/x` expanded against `home`.
  static func expand(_ path: String, home: String) -> String {
    if path == "~" { return home }
    if path.hasPrefix("~/") { return home + path.dropFirst(1) }
    return path
  }

  /// Whether `path` is a regular file this process can read.
  static func isReadableFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, R_OK) == 0
  }

  /// Whether `name` can be a shell variable.
  static func isVariableName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic,
      first.isASCII
    else { return false }
    return name.unicodeScalars.allSatisfy {
      $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0))
    }
  }

  /// The `index`th item of a list node.
  static func item(_ node: Kwargs, _ index: Int) -> Kwargs? {
    guard case .list(let items) = node.value, index < items.count else { return nil }
    return items[index]
  }
}
