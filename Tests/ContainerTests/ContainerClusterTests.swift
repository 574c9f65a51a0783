import Foundation
import Shoal
import ShoalCore
import ShoalTestSupport
import ShoalWire
import Testing

/// ContainerCluster with real podman: the image `shoal image build` makes runs
/// workers that execute shell and Swift tasks; containers are replaced, scaled,
/// stopped and cleaned up by label. Skipped when podman is not installed.
@Suite(
  .serialized,
  .enabled(
    if: Integration.runs(missing: Podman.unavailableReason), "\(Podman.unavailableReason ?? "")"),
  .failsWithout(Podman.unavailableReason))
struct ContainerClusterTests {
  static func square(_ value: Int) -> TaskSpec {
    TaskSpec(
      .swift(
        SwiftTaskCall(
          library: "TestTasks", name: "Square", inputType: "Swift.Int", outputType: "Swift.Int",
          input: Array(String(value).utf8))))
  }

  @Test func imageRunsAShellAndShoal() throws {
    let image = try Podman.image.get()
    let output = try Podman.run([
      "run", "--rm", "--network", "host", image, "sh", "-c",
      "echo $((6 * 7)); /opt/shoal/shoal --version; ls /opt/shoal | grep -c '^lib.*\\.so$'",
    ])
    #expect(output.status == 0, "\(output.stderr)")
    let lines = output.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "42")
    #expect(lines.count == 3)
    #expect((Int(lines.last ?? "") ?? 0) >= 4)  // ShoalCore, the backends, TestTasks
  }

  @Test func workersInContainersRunShellAndSwiftTasks() async throws {
    try await ContainerHarness.withCluster([
      "runtime": "podman", "n_workers": 2,
      "worker_options": ["nthreads": 2, "task_libraries": ["TestTasks"]],
      "env": ["GREETING": "hello from a container"],
    ]) { cluster in
      try await cluster.backend.scale(to: 2)
      let workers = try await cluster.waitForWorkers(2)
      #expect(try cluster.containers() == workers)
      let results = try await cluster.executor.map(
        (0..<6).map { _ in
          TaskSpec.shell(
            "sh", ["-c", "echo \"$GREETING $((6 * 7))\"; cat /proc/1/cgroup | head -1"])
        }
          + [Self.square(12)])
      for result in results.prefix(6) {
        #expect(result.status == .succeeded, "\(result)")
        #expect(
          String(decoding: result.output, as: UTF8.self).hasPrefix("hello from a container 42"))
        #expect(workers.contains(result.worker ?? ""))
      }
      #expect(results.last?.status == .succeeded, "\(results.last!)")
      #expect(String(decoding: results.last!.output, as: UTF8.self) == "144")
      let statuses = await cluster.backend.workers()
      #expect(statuses.map(\.name).sorted() == workers)
      #expect(statuses.allSatisfy { $0.location?.contains(".log") == true })
    }
  }

  @Test func scalingRetiresThenStopsContainers() async throws {
    try await ContainerHarness.withCluster(["runtime": "podman"]) { cluster in
      try await cluster.backend.scale(to: 3)
      _ = try await cluster.waitForWorkers(3)
      #expect(try cluster.containers().count == 3)
      let closing = await cluster.scheduler.workersToClose(2)
      let retired = await cluster.scheduler.retire(workers: closing)
      try await cluster.backend.stop(workers: retired)
      let remaining = try await cluster.waitForWorkers(1)
      #expect(try cluster.containers() == remaining)
      try await cluster.backend.scale(to: 2)
      _ = try await cluster.waitForWorkers(2)
      #expect(try cluster.containers().count == 2)
    }
  }

  @Test func killedContainerIsReplacedAndItsTasksFinishElsewhere() async throws {
    try await ContainerHarness.withCluster(["runtime": "podman"]) { cluster in
      try await cluster.backend.scale(to: 2)
      let workers = try await cluster.waitForWorkers(2)
      let handles = cluster.executor.submit(
        (0..<4).map { TaskSpec.shell("sh", ["-c", "sleep 2; echo done-\($0)"]) })
      // Wait until the first worker is running a task, then kill its container.
      let victim = workers[0]
      let deadline = ContinuousClock.now + .seconds(30)
      while ContinuousClock.now < deadline {
        let load = await cluster.scheduler.load()
        if load.workers.first(where: { $0.name == victim })?.running ?? 0 > 0 { break }
        try await Task.sleep(for: .milliseconds(50))
      }
      let kill = try Podman.run(["kill", victim])
      #expect(kill.status == 0, "\(kill.stderr)")
      let results = try await cluster.executor.gather(handles)
      for (index, result) in results.enumerated() {
        #expect(result.status == .succeeded, "\(result)")
        #expect(String(decoding: result.output, as: UTF8.self) == "done-\(index)\n")
      }
      // The supervisor replaces the killed container (same name) after its backoff.
      let deadline2 = ContinuousClock.now + .seconds(60)
      var restarted = false
      while ContinuousClock.now < deadline2 && !restarted {
        restarted =
          await cluster.backend.workers().first { $0.name == victim }.map { $0.restarts >= 1 }
          ?? false
        if !restarted { try await Task.sleep(for: .milliseconds(100)) }
      }
      #expect(restarted)
      _ = try await cluster.waitForWorkers(2)
    }
  }

  @Test func closingRemovesEveryContainer() async throws {
    var clusterID = ""
    try await ContainerHarness.withCluster(["runtime": "podman"]) { cluster in
      clusterID = cluster.context.clusterID
      try await cluster.backend.scale(to: 2)
      _ = try await cluster.waitForWorkers(2)
    }
    #expect(try Podman.containers(label: "shoal.cluster", value: clusterID).isEmpty)
  }

  @Test func leftoversOfAKilledShoalAreRemovedOnTheNextStart() async throws {
    let name = "ct-left-\(UUID().uuidString.prefix(6).lowercased())"
    defer { Podman.removeAll(label: "shoal.cluster-name", value: name) }
    let image = try Podman.image.get()
    // A container as a `shoal` that was SIGKILLed leaves it: owner pid 1 with a start
    // time that is not init's, so the owner is gone. (Created, not started: a running
    // one would keep podman's output files open, and with them the test's runner.)
    let started = try Podman.run([
      "create", "--name", "\(name)-orphan", "--label", "shoal.cluster-name=\(name)",
      "--label", "shoal.cluster=old-run", "--label", "shoal.owner=1:999999999", image,
      "sleep", "300",
    ])
    #expect(started.status == 0, "\(started.stderr)")
    #expect(try Podman.containers(label: "shoal.cluster", value: "old-run").count == 1)
    try await ContainerHarness.withCluster(["runtime": "podman"], name: name) { cluster in
      try await cluster.backend.scale(to: 0)  // returns once `run` has cleaned up and is ready
      #expect(try Podman.containers(label: "shoal.cluster", value: "old-run").isEmpty)
    }
  }

  @Test func missingImageSaysThereIsNothingToPull() async throws {
    let error = await #expect(throws: ShoalError.self) {
      try await ContainerHarness.withCluster([
        "runtime": "podman", "image": "localhost/no-such-image:1", "n_workers": 1,
      ]) { cluster in
        try await cluster.backend.scale(to: 1)
      }
    }
    #expect(error?.message.contains("localhost/no-such-image:1 does not exist") == true)
    #expect(error?.message.contains("nothing is pulled") == true)
    #expect(error?.hint?.contains("shoal image build --tag localhost/no-such-image:1") == true)
  }

  @Test func failedPullShowsTheRuntimeError() async throws {
    let error = await #expect(throws: ShoalError.self) {
      try await ContainerHarness.withCluster([
        "runtime": "podman", "image": "localhost/no-such-image:1", "pull": "missing",
      ]) { cluster in
        try await cluster.backend.scale(to: 1)
      }
    }
    #expect(error?.message.contains("could not pull localhost/no-such-image:1") == true)
    #expect(error?.hint?.contains("no registry access") == true)
  }

  @Test func runtimeFailingToStartAContainerShowsItsStderr() async throws {
    let name = "ct-bad-\(UUID().uuidString.prefix(6).lowercased())"
    let error = await #expect(throws: ShoalError.self) {
      try await ContainerHarness.withCluster(
        ["runtime": "podman", "extra_args": ["--no-such-flag"]], name: name
      ) { cluster in
        try await cluster.backend.scale(to: 2)
      }
    }
    #expect(error?.code == .backendFailed)
    #expect(error?.message.contains("2 of 2 worker containers did not start") == true)
    #expect(error?.message.contains("unknown flag: --no-such-flag") == true)
    #expect(try Podman.containers(label: "shoal.cluster-name", value: name).isEmpty)
  }
}
