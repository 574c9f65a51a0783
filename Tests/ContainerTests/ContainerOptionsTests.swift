import ContainerBackend
import ShoalCore
import Testing

/// kwargs decoding and validation of `ContainerCluster` (pure; no container starts).
@Suite struct ContainerOptionsTests {
  static let root = "clusters.boxes.cluster_kwargs"

  func decode(_ kwargs: Kwargs) throws -> ContainerOptions {
    try kwargs.rooted(at: Self.root).decode(ContainerOptions.self)
  }

  func error(_ kwargs: Kwargs) -> ShoalError? {
    do {
      _ = try decode(kwargs)
      return nil
    } catch {
      return error as? ShoalError
    }
  }

  @Test func defaults() throws {
    let options = try decode(["runtime": "podman"])
    #expect(options.runtime.name == "podman")
    #expect(options.runtime.executable.hasSuffix("/podman"))
    #expect(options.image == nil)
    #expect(options.nWorkers == 0)
    #expect(options.network == "host")
    #expect(options.pull == .never)
    #expect(options.workerOptions.nthreads == 1)
    #expect(options.workerOptions.giveUpAfter == 15)
    #expect(options.shoalPath == "/opt/shoal/shoal")
  }

  @Test func fullKwargs() throws {
    let options = try decode([
      "runtime": "podman", "image": "localhost/w:1", "n_workers": 3,
      "worker_options": ["nthreads": 2, "task_libraries": ["MyTasks"]],
      "env": ["A": "1"], "volumes": ["/tmp:/data:ro"], "cpus": 0.5, "memory": "512m",
      "extra_args": ["--security-opt", "label=disable"], "name_prefix": "boxes", "pull": "missing",
    ])
    #expect(options.image == "localhost/w:1")
    #expect(options.nWorkers == 3)
    #expect(options.workerOptions.taskLibraries == ["MyTasks"])
    #expect(options.volumes == [VolumeSpec(source: "/tmp", destination: "/data", options: "ro")])
    #expect(options.memory == MemorySize(bytes: 536_870_912))
    #expect(options.cpus == 0.5)
    #expect(options.pull == .missing)
  }

  @Test func schedulerListensOnLoopbackOnTheHostNetworkAndEverywhereElseOnABridge() throws {
    #expect(try decode(["runtime": "podman"]).schedulerBinding == nil)
    #expect(
      try decode(["runtime": "podman", "network": "bridge"]).schedulerBinding?.host == "0.0.0.0")
    let chosen = try decode([
      "runtime": "podman", "network": "bridge", "scheduler_listen": "10.88.0.1",
    ])
    #expect(chosen.schedulerBinding?.host == "10.88.0.1")
    #expect(
      try decode(["runtime": "podman", "scheduler_listen": "::"]).schedulerBinding?.host == "::")
  }

  @Test func schedulerListenMustBeAnAddress() {
    let failure = error(["runtime": "podman", "network": "bridge", "scheduler_listen": "my-host"])
    #expect(failure?.code == .invalidValue)
    #expect(failure?.keyPath == "\(Self.root).scheduler_listen")
    #expect(failure?.message.contains("must be an IP address of this machine") == true)
  }

  @Test func unknownKeySuggestsTheRightOne() {
    let failure = error(["runtime": "podman", "n_worker": 2])
    #expect(failure?.code == .unknownKey)
    #expect(failure?.message.contains("did you mean `n_workers`") == true)
  }

  @Test func memoryLotsIsRejectedWithExamples() {
    let failure = error(["runtime": "podman", "memory": "lots"])
    #expect(failure?.code == .invalidValue)
    #expect(failure?.keyPath == "\(Self.root).memory")
    #expect(failure?.message.contains("512m") == true)
    #expect(failure?.message.contains("\"lots\"") == true)
  }

  @Test func memorySizes() {
    #expect(MemorySize.parse("512m") == 536_870_912)
    #expect(MemorySize.parse("2g") == 2_147_483_648)
    #expect(MemorySize.parse("1.5GiB") == 1_610_612_736)
    #expect(MemorySize.parse("100kb") == 102_400)
    #expect(MemorySize.parse("1073741824") == 1_073_741_824)
    #expect(MemorySize.parse("lots") == nil)
    #expect(MemorySize.parse("12x") == nil)
    #expect(MemorySize.parse("-1g") == nil)
    #expect(error(["runtime": "podman", "memory": "1k"])?.message.contains("at least 6m") == true)
  }

  @Test func missingVolumePathIsRejected() {
    let failure = error(["runtime": "podman", "volumes": ["/tmp:/a", "/no/such/folder-xyz:/data"]])
    #expect(failure?.code == .invalidValue)
    #expect(failure?.keyPath == "\(Self.root).volumes[1]")
    #expect(failure?.message.contains("/no/such/folder-xyz does not exist") == true)
    #expect(failure?.hint?.contains("mkdir -p") == true)
  }

  @Test func malformedVolumes() {
    #expect(
      error(["runtime": "podman", "volumes": ["/tmp"]])?.message.contains("SOURCE:DESTINATION")
        == true)
    #expect(
      error(["runtime": "podman", "volumes": ["/tmp:data"]])?.message.contains("absolute") == true)
    // A source without a slash names a runtime volume: not checked on the host.
    #expect(error(["runtime": "podman", "volumes": ["cache:/cache"]]) == nil)
  }

  @Test func runtimeNotInstalledSaysWhatWasLookedForAndHowToInstall() {
    do {
      _ = try ContainerRuntime.find(nil, path: "/nonexistent-a:/nonexistent-b")
      Issue.record("expected an error")
    } catch let error as ShoalError {
      #expect(error.message.contains("looked for podman and docker"))
      #expect(error.message.contains("/nonexistent-a:/nonexistent-b"))
      #expect(error.hint?.contains("apt-get install -y podman runc") == true)
    } catch { Issue.record("unexpected \(error)") }
    do {
      _ = try ContainerRuntime.find("docker", path: "/nonexistent-a")
      Issue.record("expected an error")
    } catch let error as ShoalError {
      #expect(error.message.contains("runtime docker is not installed"))
    } catch { Issue.record("unexpected \(error)") }
  }

  @Test func runtimeErrorCarriesTheKeyPath() {
    let failure = error(["runtime": "rkt"])
    #expect(failure?.keyPath == "\(Self.root).runtime")
    #expect(failure?.message.contains("podman or docker") == true)
  }

  @Test func otherBadValues() {
    #expect(
      error(["runtime": "podman", "pull": "sometimes"])?.message.contains(
        "never, missing or always") == true)
    #expect(error(["runtime": "podman", "n_workers": -1])?.keyPath == "\(Self.root).n_workers")
    #expect(error(["runtime": "podman", "cpus": 4096])?.message.contains("CPUs") == true)
    #expect(error(["runtime": "podman", "network": "none"]) != nil)
    #expect(
      error(["runtime": "podman", "env": ["SHOAL_TOKEN": "x"]])?.message.contains("SHOAL_TOKEN")
        == true)
    #expect(error(["runtime": "podman", "name_prefix": "-bad name"]) != nil)
    #expect(
      error(["runtime": "podman", "worker_options": ["nthreads": 0]])?.keyPath
        == "\(Self.root).worker_options.nthreads")
  }
}
