import ShoalCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// `cluster_kwargs` of `ContainerBackend.ContainerCluster`, decoded and checked.
///
///     cluster_kwargs:
///       runtime: podman              # podman or docker; default: the first on PATH
///       image: localhost/shoal-worker:latest   # default: the image `shoal image build` makes
///       n_workers: 2
///       worker_options: {nthreads: 2, task_libraries: [MyTasks]}
///       env: {LOG_LEVEL: debug}
///       volumes: ["/srv/data:/data:ro"]
///       network: host                # host (default), bridge, or a network's name
///       scheduler_listen: 0.0.0.0    # default: 127.0.0.1 on host, 0.0.0.0 on other networks
///       cpus: 1.5
///       memory: 512m
///       extra_args: ["--security-opt", "label=disable"]
///       name_prefix: shoal-boxes
///       pull: never                  # never (default), missing, always
public struct ContainerOptions: Sendable, Decodable {
  /// Which program runs containers (`podman` or `docker`), and where it is.
  public var runtime: ContainerRuntime
  /// The image workers run in; nil means the default image, built when missing.
  public var image: String?
  /// Workers to start with when the cluster is not adaptive.
  public var nWorkers: Int
  /// How each worker runs.
  public var workerOptions: WorkerOptions
  /// Extra environment inside every container.
  public var env: [String: String]
  /// Bind mounts and named volumes, `SOURCE:DESTINATION[:OPTIONS]`.
  public var volumes: [VolumeSpec]
  /// The container network: `host` (default), `bridge` or a network's name.
  public var network: String
  /// The host name containers on a non-host network use to reach the scheduler.
  public var schedulerHost: String?
  /// The address the scheduler listens on; nil: loopback on the host network, all
  /// interfaces (`0.0.0.0`) on any other, since containers there reach the host
  /// through the bridge's gateway, an address that exists only while a container
  /// uses the bridge.
  public var schedulerListen: String?
  /// CPU limit per container (`--cpus`).
  public var cpus: Double?
  /// Memory limit per container (`--memory`).
  public var memory: MemorySize?
  /// Further `run` arguments, placed before the image.
  public var extraArgs: [String]
  /// Prefix of container and worker names; default `shoal-CLUSTER`.
  public var namePrefix: String?
  /// When the image may be pulled.
  public var pull: PullPolicy
  /// Seconds a container gets to exit after `stop` before it is killed.
  public var stopGrace: Int
  /// Where `shoal` is inside the image.
  public var shoalPath: String

  /// The image `shoal image build` makes by default.
  public static let defaultImage = "localhost/shoal-worker:latest"
  /// Where `shoal image build` puts `shoal` inside the image.
  public static let defaultShoalPath = "/opt/shoal/shoal"

  /// How a worker inside a container runs.
  public struct WorkerOptions: Sendable, Decodable {
    /// Tasks each worker runs at once.
    public var nthreads: Int = 1
    /// Task libraries each worker loads (`--tasks MODULE`); they must be in the image.
    public var taskLibraries: [String] = []
    /// Seconds a worker keeps trying to reach a scheduler that went away before it
    /// exits, so that no container outlives its cluster for long.
    public var giveUpAfter: Int = 15

    enum CodingKeys: String, CodingKey {
      case nthreads
      case taskLibraries = "task_libraries"
      case giveUpAfter = "give_up_after"
    }

    /// Defaults: one thread, no task libraries, give up after 15 s.
    public init() {}

    public init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      nthreads =
        try container.decodeIfPresent(Int.self, forKey: .nthreads, in: KwargsRange.slots) ?? 1
      taskLibraries = try container.decodeIfPresent([String].self, forKey: .taskLibraries) ?? []
      giveUpAfter =
        try container.decodeIfPresent(Int.self, forKey: .giveUpAfter, in: KwargsRange.seconds)
        ?? 15
      if nthreads < 1 {
        throw DecodingError.dataCorruptedError(
          forKey: .nthreads, in: container,
          debugDescription: "nthreads must be 1 or more, found \(nthreads)")
      }
      if giveUpAfter < 1 {
        throw DecodingError.dataCorruptedError(
          forKey: .giveUpAfter, in: container,
          debugDescription: "give_up_after must be 1 second or more, found \(giveUpAfter)")
      }
    }
  }

  /// When the image may be pulled from a registry.
  public struct PullPolicy: Sendable, Hashable, Decodable, CustomStringConvertible {
    /// `never`, `missing` or `always`.
    public let name: String
    /// Only images already in the runtime's local storage are used (the default).
    public static let never = PullPolicy(name: "never")
    /// Pulled when not in local storage.
    public static let missing = PullPolicy(name: "missing")
    /// Pulled at every cluster start.
    public static let always = PullPolicy(name: "always")
    static let all = [never, missing, always]

    private init(name: String) { self.name = name }

    public init(from decoder: any Decoder) throws {
      let text = try decoder.singleValueContainer().decode(String.self)
      guard let policy = PullPolicy.all.first(where: { $0.name == text }) else {
        throw DecodingError.dataCorrupted(
          .init(
            codingPath: decoder.codingPath,
            debugDescription: "pull must be never, missing or always, found \"\(text)\""
              + Suggestion.didYouMean(text, in: PullPolicy.all.map(\.name))))
      }
      self = policy
    }

    public var description: String { name }
  }

  enum CodingKeys: String, CodingKey {
    case runtime, image, env, volumes, network, cpus, memory, pull
    case nWorkers = "n_workers"
    case workerOptions = "worker_options"
    case schedulerHost = "scheduler_host"
    case schedulerListen = "scheduler_listen"
    case extraArgs = "extra_args"
    case namePrefix = "name_prefix"
    case stopGrace = "stop_grace"
    case shoalPath = "shoal_path"
  }

  /// Decodes and checks the kwargs; looks the runtime up on `PATH` (`environment`).
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    func fail(_ key: CodingKeys, _ message: String) -> DecodingError {
      .dataCorruptedError(forKey: key, in: container, debugDescription: message)
    }
    let runtimeName = try container.decodeIfPresent(String.self, forKey: .runtime)
    do {
      runtime = try ContainerRuntime.find(runtimeName)
    } catch let error as ShoalError {
      let node = decoder.kwargsNode?[CodingKeys.runtime.rawValue] ?? decoder.kwargsNode
      throw ShoalError(
        error.code, error.message, location: node?.location, keyPath: node?.path,
        hint: error.hint)
    }
    image = try container.decodeIfPresent(String.self, forKey: .image)
    if let image, image.isEmpty || image.contains(where: { $0 == " " }) {
      throw fail(.image, "image must be an image name such as localhost/shoal-worker:latest")
    }
    nWorkers =
      try container.decodeIfPresent(Int.self, forKey: .nWorkers, in: KwargsRange.workers) ?? 0
    if nWorkers < 0 { throw fail(.nWorkers, "n_workers must be 0 or more, found \(nWorkers)") }
    workerOptions =
      try container.decodeIfPresent(WorkerOptions.self, forKey: .workerOptions) ?? WorkerOptions()
    env = try container.decodeIfPresent([String: String].self, forKey: .env) ?? [:]
    if env[WorkerLaunch.tokenVariable] != nil {
      throw fail(
        .env,
        "env must not set \(WorkerLaunch.tokenVariable): the cluster passes its own token to workers"
      )
    }
    volumes = try container.decodeIfPresent([VolumeSpec].self, forKey: .volumes) ?? []
    network = try container.decodeIfPresent(String.self, forKey: .network) ?? "host"
    if network == "none" {
      throw fail(.network, "network none leaves workers no way to reach the scheduler")
    }
    if network.isEmpty { throw fail(.network, "network must be host, bridge or a network's name") }
    schedulerHost = try container.decodeIfPresent(String.self, forKey: .schedulerHost)
    schedulerListen = try container.decodeIfPresent(String.self, forKey: .schedulerListen)
    if let listen = schedulerListen, !ContainerOptions.isNumericAddress(listen) {
      throw fail(
        .schedulerListen,
        "scheduler_listen must be an IP address of this machine (such as 0.0.0.0, 10.88.0.1 or ::), found \"\(listen)\""
      )
    }
    cpus = try container.decodeIfPresent(Double.self, forKey: .cpus)
    if let cpus {
      let online = HostSystem.onlineCPUs
      if !(cpus > 0) || !cpus.isFinite {
        throw fail(.cpus, "cpus must be a number greater than 0, such as 0.5 or 2")
      }
      if online > 0 && cpus > Double(online) {
        throw fail(.cpus, "cpus is \(cpus) but this machine has \(online) CPUs")
      }
    }
    memory = try container.decodeIfPresent(MemorySize.self, forKey: .memory)
    extraArgs = try container.decodeIfPresent([String].self, forKey: .extraArgs) ?? []
    namePrefix = try container.decodeIfPresent(String.self, forKey: .namePrefix)
    if let namePrefix, !ContainerOptions.isValidName(namePrefix) {
      throw fail(
        .namePrefix,
        "name_prefix must start with a letter or digit and hold only letters, digits, `_`, `.` and `-`, found \"\(namePrefix)\""
      )
    }
    pull = try container.decodeIfPresent(PullPolicy.self, forKey: .pull) ?? .never
    stopGrace =
      try container.decodeIfPresent(Int.self, forKey: .stopGrace, in: KwargsRange.seconds) ?? 10
    if stopGrace < 0 { throw fail(.stopGrace, "stop_grace must be 0 or more seconds") }
    shoalPath =
      try container.decodeIfPresent(String.self, forKey: .shoalPath)
      ?? ContainerOptions.defaultShoalPath
    if !shoalPath.hasPrefix("/") {
      throw fail(.shoalPath, "shoal_path must be an absolute path inside the image")
    }
  }

  /// Whether `text` is a numeric IPv4 or IPv6 address (what a listening socket binds).
  public static func isNumericAddress(_ text: String) -> Bool {
    var v4 = in_addr()
    var v6 = in6_addr()
    return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
  }

  /// The scheduler's listening address this cluster needs, or nil for the core's
  /// default (loopback): `scheduler_listen`, else all interfaces off the host network.
  public var schedulerBinding: SchedulerBinding? {
    if let schedulerListen { return SchedulerBinding(host: schedulerListen) }
    return network == "host" ? nil : SchedulerBinding(host: "0.0.0.0")
  }

  /// Whether `name` is usable as a container name (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`).
  public static func isValidName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, first.isASCIIAlphanumeric else { return false }
    return name.unicodeScalars.allSatisfy {
      $0.isASCIIAlphanumeric || "_.-".unicodeScalars.contains($0)
    }
  }
}

extension Unicode.Scalar {
  var isASCIIAlphanumeric: Bool {
    ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self)
  }
}
