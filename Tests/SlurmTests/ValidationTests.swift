import Shoal
import ShoalCore
import SlurmSupport
import Testing

/// Bad `cluster_kwargs` of a Slurm cluster: each error names the key, its position in
/// clusters.yaml, and what to write instead. Pure: nothing is submitted.
@Suite struct SlurmValidationTests {
  func error(_ kwargs: String) throws -> ShoalError {
    do {
      _ = try JobScriptTests.options(kwargs)
    } catch let error as ShoalError {
      return error
    }
    Issue.record("expected an error for \(kwargs)")
    return ShoalError(.invalidValue, "none")
  }

  @Test func unknownKeySuggestsTheRightOne() throws {
    let error = try error("{wall_time: \"01:00:00\"}")
    #expect(error.code == .unknownKey)
    #expect(error.description.contains("walltime"))
    #expect(error.location?.line == 5)
  }

  @Test func badWalltime() throws {
    let error = try error("{walltime: \"1:75:00\"}")
    #expect(error.keyPath == "clusters.hpc.cluster_kwargs.walltime")
    #expect(error.message.contains("expected a Slurm time"))
    #expect(error.location?.line == 5)
  }

  @Test func badMemory() throws {
    let error = try error("{memory: lots}")
    #expect(error.keyPath == "clusters.hpc.cluster_kwargs.memory")
    #expect(error.message.contains("expected a memory size such as 4G"))
  }

  @Test func moreProcessesThanCores() throws {
    let error = try error("{cores: 2, processes: 3}")
    #expect(error.keyPath == "clusters.hpc.cluster_kwargs.processes")
    #expect(error.hint?.contains("raise `cores`") == true)
  }

  @Test func zeroCores() throws {
    #expect(try error("{cores: 0}").keyPath == "clusters.hpc.cluster_kwargs.cores")
  }

  @Test func unknownMode() throws {
    let error = try error("{mode: allocaton}")
    #expect(error.message.contains("did you mean `allocation`?"))
    #expect(error.keyPath == "clusters.hpc.cluster_kwargs.mode")
  }

  @Test func marginLongerThanWalltime() throws {
    let error = try error("{walltime: \"00:01:00\", walltime_margin: 2m}")
    #expect(error.keyPath == "clusters.hpc.cluster_kwargs.walltime_margin")
  }

  @Test func badSchedulerAddress() throws {
    let error = try error("{scheduler_options: {address: \"tcp://a:b:c\"}}")
    #expect(error.keyPath == "clusters.hpc.cluster_kwargs.scheduler_options.address")
  }

  @Test func multiLinePrologueEntry() throws {
    let error = try error("{job_script_prologue: [\"a\\nb\"]}")
    #expect(error.keyPath == "clusters.hpc.cluster_kwargs.job_script_prologue")
  }

  @Test func wrongType() throws {
    let error = try error("{cores: four}")
    #expect(error.keyPath == "clusters.hpc.cluster_kwargs.cores")
    #expect(error.message.contains("integer"))
  }

  @Test func defaultsFollowTheWalltime() throws {
    let options = try JobScriptTests.options("{walltime: \"00:01:00\"}")
    #expect(options.walltimeMargin == 10)
    #expect(options.workerLifetime == 50)
    #expect(options.drainGrace == 5)
  }
}
