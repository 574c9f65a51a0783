import Foundation
import ShoalCore
import ShoalPluginHost
import Testing

/// LocalCluster's kwargs, through the loader as the core uses it (never by linking
/// the plugin target: that would give the test its own copy of the class).
@Suite struct LocalClusterOptionsTests {
  let loader = PluginLoader(searchPath: .standard(environment: [:]))

  func make(_ kwargs: Kwargs) throws -> any ClusterBackend {
    try loader.backend("LocalBackend.LocalCluster").make(
      kwargs.rooted(at: "clusters.local.cluster_kwargs"))
  }

  func error(_ kwargs: Kwargs) -> ShoalError? {
    do {
      _ = try make(kwargs)
      return nil
    } catch let error as ShoalError {
      return error
    } catch {
      return ShoalError(.invalidValue, "unexpected \(error)")
    }
  }

  /// Dask's `nprocesses_nthreads` on this machine's cores.
  static func daskDefault(cores: Int) -> Int {
    if cores <= 4 { return cores }
    let root = Double(cores).squareRoot()
    return (1...cores).first { cores % $0 == 0 && Double($0) >= root }!
  }

  @Test func defaultsFollowDaskFromTheCoreCount() throws {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    #expect(try make([:]).initialWorkers == Self.daskDefault(cores: cores))
    #expect(try make(["n_workers": 3]).initialWorkers == 3)
    #expect(try make(["n_workers": 0]).initialWorkers == 0)
    // Only threads given: cores / threads workers, at least 1.
    #expect(try make(["threads_per_worker": 64]).initialWorkers == 1)
  }

  @Test func negativeWorkersAreRefusedWithTheirKeyPath() {
    let error = error(["n_workers": -1])
    #expect(error?.code == .invalidValue)
    #expect(error?.keyPath == "clusters.local.cluster_kwargs.n_workers")
    #expect(error?.message.contains("n_workers must be from 0 to 100000, found -1") == true)
  }

  @Test func zeroThreadsAreRefused() {
    let error = error(["threads_per_worker": 0])
    #expect(error?.keyPath == "clusters.local.cluster_kwargs.threads_per_worker")
    #expect(error?.message.contains("threads_per_worker must be from 1 to 4096") == true)
    let nested = self.error(["worker_options": ["nthreads": 0]])
    #expect(nested?.keyPath == "clusters.local.cluster_kwargs.worker_options.nthreads")
  }

  @Test func unknownKeysSuggestTheRightOne() {
    let error = error(["thread_per_worker": 2])
    #expect(error?.code == .unknownKey)
    #expect(error?.description.contains("did you mean `threads_per_worker`?") == true)
    let nested = self.error(["worker_options": ["nthread": 2]])
    #expect(nested?.code == .unknownKey)
    #expect(nested?.description.contains("did you mean `nthreads`?") == true)
  }

  @Test func wrongTypesAreReported() {
    let error = error(["n_workers": "four", "env": ["A": "1"]])
    #expect(error?.code == .typeMismatch)
    #expect(error?.keyPath == "clusters.local.cluster_kwargs.n_workers")
  }

  @Test func allOptionsDecode() throws {
    let backend = try make([
      "n_workers": 1, "threads_per_worker": 2, "env": ["A": "1"], "working_directory": "/tmp",
      "task_libraries": ["MyTasks"], "max_workers": 6,
      "worker_options": ["nthreads": 2, "give_up_after": 5, "extra_arguments": ["--x"]],
    ])
    #expect(backend.initialWorkers == 1)
    #expect(try backend.adapt(AdaptSettings(minimum: 0, maximum: nil)).maximum == 6)
  }

  @Test func disagreeingThreadCountsAreRefused() {
    let error = error(["threads_per_worker": 2, "worker_options": ["nthreads": 3]])
    #expect(error?.message.contains("disagree") == true)
  }

  @Test func adaptiveMaximumIsClampedToMaxWorkersAndAnImpossibleMinimumRefused() throws {
    let backend = try make(["max_workers": 4])
    #expect(try backend.adapt(AdaptSettings(minimum: 1, maximum: 100)).maximum == 4)
    #expect(try backend.adapt(AdaptSettings(minimum: 1, maximum: 3)).maximum == 3)
    #expect(throws: ShoalError.self) { try backend.adapt(AdaptSettings(minimum: 5, maximum: 10)) }
    // n_workers above max_workers.
    #expect(
      error(["n_workers": 9, "max_workers": 4])?.keyPath
        == "clusters.local.cluster_kwargs.n_workers")
  }
}
