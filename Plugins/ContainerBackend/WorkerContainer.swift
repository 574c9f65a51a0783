import ShoalCore

/// One worker's container: its names and labels, and the `run` command that starts it.
///
/// The command runs in the foreground (`podman run --rm ...`), so the process the
/// supervisor watches lives exactly as long as the container, and its stdout and
/// stderr (the worker's log) flow into the supervisor's log file. The worker's
/// secrets (token, certificate, key) reach it as a read-only bind mount of a 0600
/// file (`SecretFile`), read with `--token-file`: never on a command line, never in
/// the container's environment (which `podman inspect` shows). Without a secret file
/// the token goes as `-e SHOAL_TOKEN` without a value (the runtime copies it from its
/// own environment).
public struct WorkerContainer: Sendable, Hashable {
  /// The worker's name, also the container's name.
  public var name: String
  /// The image.
  public var image: String
  /// The labels that let a later `shoal` find the container.
  public var labels: [(key: String, value: String)] {
    [
      (ContainerLabels.cluster, clusterID), (ContainerLabels.clusterName, clusterName),
      (ContainerLabels.worker, name), (ContainerLabels.owner, owner),
    ]
  }
  /// The cluster run this container belongs to.
  public var clusterID: String
  /// The cluster's name in clusters.yaml.
  public var clusterName: String
  /// `PID:STARTTIME` of the `shoal` process that started it.
  public var owner: String
  /// The scheduler address as seen from inside the container.
  public var schedulerAddress: String
  /// The worker group's resources (`ClusterContext.workerResources`), passed to the
  /// worker as `--resources`.
  public var resources: String? = nil

  /// A container description.
  public init(
    name: String, image: String, clusterID: String, clusterName: String, owner: String,
    schedulerAddress: String
  ) {
    self.name = name
    self.image = image
    self.clusterID = clusterID
    self.clusterName = clusterName
    self.owner = owner
    self.schedulerAddress = schedulerAddress
  }

  /// The `shoal worker` command inside the container.
  public func workerLaunch(options: ContainerOptions, token: String) -> WorkerLaunch {
    var launch = WorkerLaunch(
      name: name, executable: options.shoalPath, schedulerAddress: schedulerAddress,
      nthreads: options.workerOptions.nthreads, taskLibraries: options.workerOptions.taskLibraries,
      extraArguments: ["--give-up-after", String(options.workerOptions.giveUpAfter)],
      environment: [WorkerLaunch.tokenVariable: token])
    launch.resources = resources
    return launch
  }

  /// The arguments after the runtime's executable: `run --rm --init --name ... IMAGE shoal worker ...`.
  public func runArguments(
    options: ContainerOptions, runtime: ContainerRuntime, secretFile: String? = nil
  ) -> [String] {
    var arguments = ["run", "--rm", "--init", "--name", name]
    if runtime.isPodman { arguments.append("--replace") }
    for (key, value) in labels { arguments += ["--label", "\(key)=\(value)"] }
    arguments += ["--network", options.network]
    if options.network != "host" && !runtime.isPodman {
      arguments += ["--add-host", "\(runtime.hostGatewayName):host-gateway"]
    }
    arguments += ["--pull", "never", "--stop-timeout", String(options.stopGrace)]
    if let secretFile {
      arguments += ["--volume", "\(secretFile):\(WorkerContainer.secretPath):ro"]
    } else {
      arguments += ["-e", WorkerLaunch.tokenVariable]
    }
    for key in options.env.keys.sorted() { arguments += ["-e", "\(key)=\(options.env[key]!)"] }
    for volume in options.volumes { arguments += ["--volume", volume.description] }
    if let cpus = options.cpus { arguments += ["--cpus", String(cpus)] }
    if let memory = options.memory { arguments += ["--memory", String(memory.bytes)] }
    arguments += options.extraArgs
    arguments.append(image)
    var launch = workerLaunch(options: options, token: "")
    if secretFile != nil { launch.extraArguments += ["--token-file", WorkerContainer.secretPath] }
    return arguments + launch.commandLine
  }

  /// Where the secret file is mounted inside the container.
  public static let secretPath = "/run/shoal-secret"

  /// The scheduler address workers on `network` use: unchanged on the host network;
  /// otherwise the host part becomes `host` (default: the runtime's name for the host).
  public static func schedulerAddress(
    _ address: String, options: ContainerOptions, runtime: ContainerRuntime
  ) -> String {
    guard options.network != "host" else { return address }
    let host = options.schedulerHost ?? runtime.hostGatewayName
    guard let scheme = address.range(of: "://") else { return address }
    let rest = address[scheme.upperBound...]
    guard let colon = rest.lastIndex(of: ":") else { return address }
    return address[..<scheme.upperBound] + host + rest[colon...]
  }

  /// `PREFIX-RUN-INDEX` (RUN: the last 6 letters and digits of the cluster id): unique
  /// per cluster run, valid as a container name.
  public static func name(prefix: String, clusterID: String, index: Int) -> String {
    let run = String(
      String.UnicodeScalarView(clusterID.unicodeScalars.filter(\.isASCIIAlphanumeric).suffix(6)))
    return run.isEmpty ? "\(prefix)-\(index)" : "\(prefix)-\(run)-\(index)"
  }

  /// `shoal-CLUSTER` with the name made valid for a container name.
  public static func defaultPrefix(clusterName: String) -> String {
    let cleaned = String(
      clusterName.unicodeScalars.map {
        $0.isASCIIAlphanumeric || "_.-".unicodeScalars.contains($0) ? Character($0) : "-"
      })
    return cleaned.isEmpty ? "shoal" : "shoal-\(cleaned)"
  }
}

/// The labels on every worker container.
public enum ContainerLabels {
  /// The cluster run's id.
  public static let cluster = "shoal.cluster"
  /// The cluster's name in clusters.yaml.
  public static let clusterName = "shoal.cluster-name"
  /// The worker's name.
  public static let worker = "shoal.worker"
  /// `PID:STARTTIME` of the `shoal` process that owns the container.
  public static let owner = "shoal.owner"
}
