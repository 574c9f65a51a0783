import ContainerBackend
import ShoalCore
import Testing

/// The `podman run` command line of one worker container (pure).
@Suite struct RunCommandTests {
  func options(_ kwargs: Kwargs) throws -> ContainerOptions {
    try kwargs.decode(ContainerOptions.self)
  }

  let container = WorkerContainer(
    name: "shoal-boxes-abc123-0", image: "localhost/shoal-worker:latest", clusterID: "abc123",
    clusterName: "boxes", owner: "42:1000", schedulerAddress: "tcp://127.0.0.1:4000")

  @Test func hostNetworkCommand() throws {
    let options = try options([
      "runtime": "podman", "n_workers": 2, "env": ["B": "2", "A": "1"],
      "volumes": ["/tmp:/data:ro"], "cpus": 1.5, "memory": "1g",
      "worker_options": ["nthreads": 3, "task_libraries": ["MyTasks"]],
      "extra_args": ["--security-opt", "label=disable"],
    ])
    let arguments = container.runArguments(options: options, runtime: options.runtime)
    #expect(
      Array(arguments.prefix(7)) == [
        "run", "--rm", "--init", "--name", "shoal-boxes-abc123-0", "--replace", "--label",
      ])
    #expect(arguments.contains("shoal.cluster=abc123"))
    #expect(arguments.contains("shoal.cluster-name=boxes"))
    #expect(arguments.contains("shoal.worker=shoal-boxes-abc123-0"))
    #expect(arguments.contains("shoal.owner=42:1000"))
    #expect(arguments.contains { $0 == "host" })
    // The token is passed by name only: the runtime copies its value from its environment.
    let token = arguments.firstIndex(of: "SHOAL_TOKEN")
    #expect(token.map { arguments[$0 - 1] } == "-e")
    #expect(!arguments.contains { $0.hasPrefix("SHOAL_TOKEN=") })
    let env = arguments.indices.filter { arguments[$0] == "-e" }.map { arguments[$0 + 1] }
    #expect(env == ["SHOAL_TOKEN", "A=1", "B=2"])
    #expect(arguments.contains("/tmp:/data:ro"))
    #expect(arguments.contains("1.5"))
    #expect(arguments.contains(String(1024 * 1024 * 1024)))
    let image = try #require(arguments.firstIndex(of: "localhost/shoal-worker:latest"))
    #expect(Array(arguments[(image - 2)..<image]) == ["--security-opt", "label=disable"])
    #expect(
      Array(arguments[(image + 1)...]) == [
        "/opt/shoal/shoal", "worker", "tcp://127.0.0.1:4000", "--name", "shoal-boxes-abc123-0",
        "--nthreads", "3", "--tasks", "MyTasks", "--give-up-after", "15",
      ])
  }

  @Test func launchCarriesTheTokenInItsEnvironmentOnly() throws {
    let options = try options(["runtime": "podman"])
    let launch = container.workerLaunch(options: options, token: "s3cret")
    #expect(launch.token == "s3cret")
    #expect(!launch.commandLine.contains("s3cret"))
  }

  @Test func bridgeNetworkRewritesTheSchedulerHost() throws {
    let bridge = try options(["runtime": "podman", "network": "bridge"])
    #expect(
      WorkerContainer.schedulerAddress(
        "tcp://127.0.0.1:4000", options: bridge, runtime: bridge.runtime)
        == "tcp://host.containers.internal:4000")
    let named = try options([
      "runtime": "podman", "network": "bridge", "scheduler_host": "10.88.0.1",
    ])
    #expect(
      WorkerContainer.schedulerAddress("tcp://0.0.0.0:4000", options: named, runtime: named.runtime)
        == "tcp://10.88.0.1:4000")
    let host = try options(["runtime": "podman"])
    #expect(
      WorkerContainer.schedulerAddress("tcp://127.0.0.1:4000", options: host, runtime: host.runtime)
        == "tcp://127.0.0.1:4000")
  }

  @Test func dockerGetsTheHostGatewayInsteadOfReplace() throws {
    let options = try options(["runtime": "podman", "network": "bridge"])
    let docker = ContainerRuntime(name: "docker", executable: "/usr/bin/docker")
    let arguments = container.runArguments(options: options, runtime: docker)
    #expect(!arguments.contains("--replace"))
    #expect(arguments.contains("host.docker.internal:host-gateway"))
  }

  @Test func names() {
    #expect(WorkerContainer.defaultPrefix(clusterName: "my boxes") == "shoal-my-boxes")
    #expect(
      WorkerContainer.name(prefix: "shoal-boxes", clusterID: "9f3e-77aa-11", index: 4)
        == "shoal-boxes-77aa11-4")
    #expect(ContainerOptions.isValidName("shoal-boxes_1.2"))
    #expect(!ContainerOptions.isValidName("-x"))
  }
}
