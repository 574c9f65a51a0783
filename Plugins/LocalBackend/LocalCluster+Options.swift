import ShoalCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

extension LocalCluster {
  /// `cluster_kwargs` as written; every key is optional.
  struct Options: Decodable {
    var nWorkers: Int?
    var threadsPerWorker: Int?
    var maxWorkers: Int?
    var env: [String: String]?
    var workingDirectory: String?
    var taskLibraries: [String]?
    var workerOptions: WorkerOptions?

    enum CodingKeys: String, CodingKey {
      case nWorkers = "n_workers"
      case threadsPerWorker = "threads_per_worker"
      case maxWorkers = "max_workers"
      case env
      case workingDirectory = "working_directory"
      case taskLibraries = "task_libraries"
      case workerOptions = "worker_options"
    }

    init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      func fail(_ key: CodingKeys, _ message: String) -> DecodingError {
        .dataCorruptedError(forKey: key, in: container, debugDescription: message)
      }
      nWorkers = try container.decodeIfPresent(
        Int.self, forKey: .nWorkers, in: KwargsRange.workers)
      threadsPerWorker = try container.decodeIfPresent(
        Int.self, forKey: .threadsPerWorker, in: KwargsRange.slots)
      maxWorkers = try container.decodeIfPresent(
        Int.self, forKey: .maxWorkers, in: 1...KwargsRange.workers.upperBound)
      env = try container.decodeIfPresent([String: String].self, forKey: .env)
      workingDirectory = try container.decodeIfPresent(String.self, forKey: .workingDirectory)
      taskLibraries = try container.decodeIfPresent([String].self, forKey: .taskLibraries)
      workerOptions = try container.decodeIfPresent(WorkerOptions.self, forKey: .workerOptions)
      if let workingDirectory {
        // Checked here, so that `shoal validate` reports it and no worker is started in
        // a folder that does not exist (the spawn error would blame the executable).
        var info = stat()
        if stat(workingDirectory, &info) != 0 {
          throw fail(
            .workingDirectory,
            "working_directory \(workingDirectory) does not exist; create it or fix the path")
        }
        if (info.st_mode & S_IFMT) != S_IFDIR {
          throw fail(.workingDirectory, "working_directory \(workingDirectory) is not a folder")
        }
      }
      if let nWorkers, nWorkers < 0 {
        throw fail(.nWorkers, "n_workers must be 0 or more, found \(nWorkers)")
      }
      if let threadsPerWorker, threadsPerWorker < 1 {
        throw fail(
          .threadsPerWorker, "threads_per_worker must be 1 or more, found \(threadsPerWorker)")
      }
      if let maxWorkers, maxWorkers < 1 {
        throw fail(.maxWorkers, "max_workers must be 1 or more, found \(maxWorkers)")
      }
      if let threadsPerWorker, let nthreads = workerOptions?.nthreads, nthreads != threadsPerWorker
      {
        throw fail(
          .threadsPerWorker,
          "threads_per_worker (\(threadsPerWorker)) and worker_options.nthreads (\(nthreads)) disagree; give one of them"
        )
      }
    }
  }

  /// `worker_options`: how each `shoal worker` runs.
  struct WorkerOptions: Decodable {
    /// Slots per worker (the same as `threads_per_worker`).
    var nthreads: Int?
    /// Seconds a worker keeps trying to reach the scheduler before it exits.
    var giveUpAfter: Double?
    /// Further `shoal worker` arguments.
    var extraArguments: [String]?

    enum CodingKeys: String, CodingKey {
      case nthreads
      case giveUpAfter = "give_up_after"
      case extraArguments = "extra_arguments"
    }

    init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      nthreads = try container.decodeIfPresent(Int.self, forKey: .nthreads, in: KwargsRange.slots)
      giveUpAfter = try container.decodeIfPresent(Double.self, forKey: .giveUpAfter)
      extraArguments = try container.decodeIfPresent([String].self, forKey: .extraArguments)
      if let nthreads, nthreads < 1 {
        throw DecodingError.dataCorruptedError(
          forKey: .nthreads, in: container,
          debugDescription: "nthreads must be 1 or more, found \(nthreads)")
      }
      if let giveUpAfter,
        !(giveUpAfter > 0) || giveUpAfter > KwargsRange.maximumDurationSeconds
      {
        throw DecodingError.dataCorruptedError(
          forKey: .giveUpAfter, in: container,
          debugDescription:
            "give_up_after must be more than 0 and at most "
            + "\(Int(KwargsRange.maximumDurationSeconds)) seconds, found \(giveUpAfter)")
      }
    }
  }

  /// The worker shape from the options and the machine's core count, as Dask's
  /// `LocalCluster` chooses it:
  ///
  /// - neither given: `nprocesses_nthreads(cores)`: up to 4 cores, one single-thread
  ///   worker per core; above, the smallest factor of the core count that is at
  ///   least its square root, with `cores / workers` threads each (8 cores: 4 x 2;
  ///   16: 4 x 4; 12: 4 x 3);
  /// - only `n_workers`: `max(1, cores / n_workers)` threads each;
  /// - only `threads_per_worker`: `max(1, cores / threads_per_worker)` workers.
  static func shape(nWorkers: Int?, threadsPerWorker: Int?, cores: Int) -> (
    workers: Int, threads: Int
  ) {
    switch (nWorkers, threadsPerWorker) {
    case (let workers?, let threads?): return (workers, threads)
    case (let workers?, nil): return (workers, max(1, cores / max(1, workers)))
    case (nil, let threads?): return (max(1, cores / threads), threads)
    case (nil, nil): return processesAndThreads(cores: cores)
    }
  }

  /// Dask's `nprocesses_nthreads(n)`.
  static func processesAndThreads(cores: Int) -> (workers: Int, threads: Int) {
    let n = max(1, cores)
    if n <= 4 { return (n, 1) }
    let root = Double(n).squareRoot()
    let processes = (1...n).first { n % $0 == 0 && Double($0) >= root } ?? n
    return (processes, n / processes)
  }

  /// The cores this process may run on (`Cpus_allowed` in /proc/self/status, its
  /// CPU affinity, as Dask's `CPU_COUNT`), or the online count.
  static func coreCount() -> Int {
    if let allowed = affinityCount(), allowed > 0 { return allowed }
    return max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
  }

  private static func affinityCount() -> Int? {
    guard let file = fopen("/proc/self/status", "r") else { return nil }
    defer { fclose(file) }
    var line: UnsafeMutablePointer<CChar>? = nil
    var capacity = 0
    defer { free(line) }
    while getline(&line, &capacity, file) > 0 {
      guard let line else { break }
      let text = String(cString: line)
      guard text.hasPrefix("Cpus_allowed:") else { continue }
      let mask = text.dropFirst("Cpus_allowed:".count)
      return mask.reduce(0) { count, character in
        count + (character.hexDigitValue?.nonzeroBitCount ?? 0)
      }
    }
    return nil
  }
}
