/// How to start one worker: the exact command a backend runs, wherever it runs it
/// (a local process, a command over SSH, a container's command).
///
/// The token that lets the worker in (and under TLS its certificate and key) is in the
/// file `tokenFile` (`--token-file PATH`: only the path is on the command line) or, when
/// there is none, in `environment["SHOAL_TOKEN"]`; never in `arguments`: command lines
/// are visible to every user in `ps`.
public struct WorkerLaunch: Sendable, Hashable {
  /// The worker's name; the scheduler and `stop(workers:)` know it by this.
  public var name: String
  /// The `shoal` executable to run.
  public var executable: String
  /// The scheduler address the worker connects to (`tcp://host:port`).
  public var schedulerAddress: String
  /// How many tasks the worker runs at once.
  public var nthreads: Int
  /// Task libraries the worker loads (`--tasks MODULE`).
  public var taskLibraries: [String]
  /// Further `shoal worker` options.
  public var extraArguments: [String]
  /// Environment for the worker process (with `SHOAL_TOKEN` when there is no
  /// `tokenFile`).
  public var environment: [String: String]
  /// The file the worker reads its secrets from (`--token-file PATH`, mode 0600);
  /// nil: the token is in `environment` or travels another way (stdin).
  public var tokenFile: String?
  /// What the worker offers to tasks that ask for resources (`gpu=1,memory=16G`),
  /// passed as `--resources`: its worker group's `resources:` in clusters.yaml. Nil
  /// when the group declares none.
  public var resources: String? = nil

  /// A launch description.
  public init(
    name: String, executable: String, schedulerAddress: String, nthreads: Int,
    taskLibraries: [String] = [], extraArguments: [String] = [],
    environment: [String: String] = [:]
  ) {
    self.name = name
    self.executable = executable
    self.schedulerAddress = schedulerAddress
    self.nthreads = nthreads
    self.taskLibraries = taskLibraries
    self.extraArguments = extraArguments
    self.environment = environment
  }

  /// The arguments after the executable: `worker ADDRESS --name N --nthreads T ...`
  /// (`--token-file PATH` with a `tokenFile`).
  public var arguments: [String] {
    var arguments = ["worker", schedulerAddress, "--name", name, "--nthreads", String(nthreads)]
    for library in taskLibraries { arguments += ["--tasks", library] }
    if let tokenFile { arguments += ["--token-file", tokenFile] }
    if let resources, !resources.isEmpty { arguments += ["--resources", resources] }
    return arguments + extraArguments
  }

  /// The whole command line, executable first.
  public var commandLine: [String] { [executable] + arguments }

  /// The token in `environment`, if it travels there (nil with a `tokenFile`).
  public var token: String? { environment[WorkerLaunch.tokenVariable] }

  /// The environment variable that carries the token.
  public static let tokenVariable = "SHOAL_TOKEN"
}
