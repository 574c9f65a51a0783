import ArgumentParser
import Logging
import ServiceLifecycle
import Shoal
import ShoalCore
import ShoalPluginHost
import ShoalTLS
import ShoalWire
import ShoalWorker

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// `shoal worker ADDRESS`: one worker process (the manual half of `shoal scheduler`).
struct WorkerCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "worker",
    abstract: "Connect to a scheduler and run its tasks.",
    discussion: """
      The worker runs up to --nthreads tasks at once, reconnects with backoff when the \
      scheduler restarts or the network drops, and exits 0 when the scheduler retires it \
      or after SIGTERM (it stops taking tasks, lets running ones finish within \
      --drain-grace, and hands the rest back); --lifetime does the same after that many \
      seconds (a batch job's walltime minus a margin). Exit status 3: --give-up-after (default 60 s) passed \
      without reaching the scheduler; 1: refused (wrong token) or another error.

      The token comes from --token-file F (`-`: the first line of stdin), then \
      $SHOAL_TOKEN, then the file `shoal scheduler` writes by default; never put it on \
      the command line. A cluster's workers get their TLS certificate in the same \
      secret; --tls-ca/--tls-cert/--tls-key give one explicitly. $SHOAL_TOKEN is \
      removed from the worker's environment once read. See docs/worker.md and \
      docs/security.md.

      Examples:
        shoal worker tcp://127.0.0.1:8786 --nthreads 4
        shoal worker tcp://10.0.0.5:8786 --token-file ~/.shoal-token --tasks MyTasks
      """)

  @Argument(
    help: "The scheduler's address, tcp://HOST:PORT (the `address:` line of `shoal scheduler`).")
  var address: String

  @Option(help: "How many tasks to run at once (default: the number of CPUs).")
  var nthreads: Int?

  @Option(help: "The worker's name, unique in the cluster (default: HOSTNAME-PID).")
  var name: String?

  @Option(
    help: ArgumentHelp(
      "What this worker offers to tasks that ask for resources, e.g. `gpu=1,memory=16G` (`cpu` defaults to --nthreads).",
      valueName: "name=amount,..."))
  var resources: String?

  @Option(
    name: .customLong("token-file"),
    help: ArgumentHelp(
      "A file holding the scheduler's token; `-` reads its first line from stdin.",
      valueName: "file"))
  var tokenFile: String?

  @OptionGroup var tls: TLSOptions

  @Option(
    name: .customLong("tasks"),
    help: ArgumentHelp(
      "A Swift task library to load at start (libMODULE.so on the plugin path); repeatable.",
      valueName: "module"))
  var tasks: [String] = []

  @Option(
    name: .customLong("give-up-after"),
    help: ArgumentHelp(
      "Exit with status 3 after this many seconds without reaching the scheduler (default: 60; `inf`: retry forever).",
      valueName: "seconds"))
  var giveUpAfter: Double = WorkerCommand.defaultGiveUpAfter

  /// The default of `--give-up-after`: a minute, as Dask's workers close when their
  /// scheduler is gone; a scheduler restarted within it is rejoined.
  static let defaultGiveUpAfter: Double = 60

  @Option(
    help: ArgumentHelp(
      "Accepted as by every command; a worker reads no clusters.yaml.", valueName: "file"))
  var config: String?

  @Option(
    name: .customLong("drain-grace"),
    help: ArgumentHelp(
      "On SIGTERM, how many seconds running tasks may take before they are handed back.",
      valueName: "seconds"))
  var drainGrace: Double = 30

  @Option(
    help: ArgumentHelp(
      "Drain and exit after this many seconds, as on SIGTERM (a batch job's walltime minus a margin).",
      valueName: "seconds"))
  var lifetime: Double?

  @Option(
    name: .customLong("plugin-path"),
    help: ArgumentHelp(
      "A folder to search for task libraries first (colon-separated list allowed); repeatable.",
      valueName: "folder"))
  var pluginPath: [String] = []

  func validate() throws {
    do {
      _ = try SchedulerAddress(parsing: address)
    } catch {
      throw ValidationError("\(error)")
    }
    if let nthreads, !KwargsRange.slots.contains(nthreads) {
      throw ValidationError(
        "--nthreads must be \(KwargsRange.describe(KwargsRange.slots)), found \(nthreads)")
    }
    if let name, name.isEmpty || name.count > 256 || name.contains(where: \.isWhitespace) {
      throw ValidationError("--name must be 1 to 256 characters without spaces, found `\(name)`")
    }
    // `inf` (retry forever) is allowed; anything else is a number of seconds in range.
    if giveUpAfter.isFinite || giveUpAfter.isNaN {
      try SecondsOption.check(giveUpAfter, "--give-up-after")
    }
    if let resources {
      do {
        _ = try ResourceSet(parsing: resources)
      } catch {
        throw ValidationError("--resources: \(error)")
      }
    }
    if let lifetime { try SecondsOption.check(lifetime, "--lifetime") }
    try SecondsOption.check(drainGrace, "--drain-grace", allowZero: true)
    for module in tasks {
      guard (try? ImportPath(parsing: module))?.module == nil else {
        throw ValidationError(
          "--tasks takes a module name (`MyTasks` for libMyTasks.so), found `\(module)`")
      }
    }
  }

  func run() async throws {
    let environment = PluginSearchPath.environment()
    let logger = WorkerCommand.makeLogger()
    do {
      switch ParentWatch.arm(environment: environment) {
      case .notRequested, .watching: break
      case .orphaned(let expected, let actual):
        throw WorkerError(
          .orphaned,
          "the process that started this worker (pid \(expected)) is gone (parent is now \(actual)); exiting"
        )
      case .invalid(let text):
        throw WorkerError(
          .orphaned, "\(ParentWatch.variable) must be a process id, found `\(text)`")
      }
      let secret = try TokenFile.resolve(tokenFile: tokenFile, environment: environment)
      // Read once; from here on no task can find the secrets in this process's environment.
      SecretScrub.scrub()
      let credentials: CredentialBundle
      do {
        credentials = try CredentialBundle(decoding: secret)
      } catch {
        throw WorkerError(.tls, "\(error)")
      }
      let token = credentials.token
      let tlsSettings: TLSSettings
      do {
        tlsSettings = try tls.settings() ?? TLSSettings(identity: credentials.identity)
      } catch {
        throw WorkerError(.tls, "\(error)")
      }
      let address = try SchedulerAddress(parsing: address)
      let name = self.name ?? WorkerCommand.defaultName()
      let loader = PluginLoader(
        searchPath: .standard(commandLine: pluginPath, environment: environment))
      let swift: SwiftTaskRunner
      do {
        swift = try SwiftTaskRunner(loader: loader, preload: tasks)
      } catch {
        throw WorkerError(.taskLibrary, "cannot load task library: \(error)")
      }
      var configuration = WorkerConfiguration(
        host: address.host, port: address.port, name: name,
        slots: nthreads ?? WorkerCommand.processorCount(), token: token,
        giveUpAfter: giveUpAfter.isFinite
          ? .milliseconds(Int64((giveUpAfter * 1000).rounded())) : nil)
      configuration.drainGrace = .milliseconds(Int64((drainGrace * 1000).rounded()))
      configuration.tls = tlsSettings
      if let resources { configuration.resources = try ResourceSet(parsing: resources) }
      let worker = Worker(
        configuration: configuration,
        runner: TaskRunner(
          shell: ShellTaskRunner(environment: environment), swift: swift, workerName: name),
        logger: logger)
      var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
        .init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)
      ]
      if let lifetime {
        services.append(
          .init(
            service: WorkerLifetime(
              lifetime: .milliseconds(Int64((lifetime * 1000).rounded())), logger: logger),
            successTerminationBehavior: .gracefullyShutdownGroup))
      }
      let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
          services: services,
          gracefulShutdownSignals: [.sigterm, .sigint],
          logger: logger))
      try await group.run()
    } catch let error as WorkerError {
      WorkerCommand.printError(error.message)
      throw ExitCode(error.exitStatus)
    } catch let error as ShoalError {
      WorkerCommand.printError("\(error)")
      throw ExitCode.failure
    }
  }

  static func makeLogger() -> Logger {
    LoggingSystem.bootstrap { TerminalLogHandler(label: $0, fallback: .info) }
    return Logger(label: "shoal.worker")
  }

  static func printError(_ message: String) {
    StandardError.write("shoal worker: error: \(message)\n")
  }

  /// `HOSTNAME-PID`.
  static func defaultName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    let host =
      gethostname(&buffer, buffer.count) == 0
      ? String(
        decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
      : "worker"
    return "\(host)-\(getpid())"
  }

  static func processorCount() -> Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
