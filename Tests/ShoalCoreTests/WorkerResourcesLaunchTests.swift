import ShoalCore
import Testing

/// A worker group's resources reach every worker a backend starts: through the
/// context's `workerLaunch`, and across the C boundary as an optional context field.
@Suite struct WorkerResourcesLaunchTests {
  func context(resources: String?) -> ClusterContext {
    var context = ClusterContext(
      clusterName: "mixed-gpus", clusterID: "id", schedulerAddress: "tcp://127.0.0.1:1",
      token: "secret", workerExecutable: "/bin/shoal", stateDirectory: "/tmp")
    context.workerResources = resources
    return context
  }

  @Test func theLaunchPassesTheGroupsResources() {
    let launch = context(resources: "gpu=1,memory=16G").workerLaunch(
      name: "w", nthreads: 2, extraArguments: ["--give-up-after", "60"])
    #expect(
      launch.arguments == [
        "worker", "tcp://127.0.0.1:1", "--name", "w", "--nthreads", "2", "--resources",
        "gpu=1,memory=16G", "--give-up-after", "60",
      ])
    #expect(launch.token == "secret")
    let plain = context(resources: nil).workerLaunch(name: "w", nthreads: 1)
    #expect(!plain.arguments.contains("--resources"))
  }

  @Test func theContextCarriesThemAcrossTheBoundaryOnlyWhenPresent() throws {
    let bytes = ABIPayload.encode(context(resources: "special=1"))
    let decoded = try ABIPayload.clusterContext(bytes, log: EventLog { _, _ in })
    #expect(decoded.workerResources == "special=1")
    #expect(decoded.workerLaunch(name: "w", nthreads: 1).arguments.contains("special=1"))
    let old = ABIPayload.encode(context(resources: nil))
    #expect(!String(decoding: old, as: UTF8.self).contains("worker_resources"))
    #expect(try ABIPayload.clusterContext(old, log: EventLog { _, _ in }).workerResources == nil)
  }
}
