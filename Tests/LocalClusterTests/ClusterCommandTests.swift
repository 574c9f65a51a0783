import Foundation
import Shoal
import ShoalCore
import ShoalTestSupport
import Testing

/// `shoal up --detach`, `ps`, `scale`, `adapt`, `down` as a user types them, with a
/// state folder of the test's own (`XDG_STATE_HOME`).
@Suite(.serialized) struct ClusterCommandTests {
  let folder: String
  let state: String
  let environment: [String: String]

  init() throws {
    folder = try TemporaryDirectory.make("shoal-cli")
    state = try TemporaryDirectory.make("shoal-xdg")
    environment = ["XDG_STATE_HOME": state]
    try """
    version: 1
    default: pair
    clusters:
      pair:
        cluster_kwargs: {n_workers: 2, threads_per_worker: 1}
      burst:
        adapt_kwargs: {minimum: 0, maximum: 2, interval: 0.2}
      mixed:
        groups:
          small:
            cluster_kwargs: {threads_per_worker: 1}
            adapt_kwargs: {minimum: 0, maximum: 1, interval: 0.2}
          tagged:
            cluster_kwargs: {threads_per_worker: 1}
            adapt_kwargs: {minimum: 0, maximum: 1, interval: 0.2}
            resources: {special: 1}
            priority: 1
    """.write(toFile: folder + "/clusters.yaml", atomically: true, encoding: .utf8)
  }

  func shoal(_ arguments: String...) throws -> CommandOutput {
    try CommandRunner.shoal(
      arguments, environment: environment, currentDirectory: folder, timeout: 90)
  }

  func statuses() throws -> [ClusterStatus] {
    let output = try shoal("ps", "--json")
    return try JSONDecoder().decode([ClusterStatus].self, from: Data(output.stdout.utf8))
  }

  func record(_ name: String) -> ClusterRecord? {
    StateFolder(root: state + "/shoal").record(name)
  }

  /// Kills what a failed test left: the cluster process (its workers follow it).
  func cleanUp(_ name: String) {
    if let pid = record(name)?.pid, ClusterTesting.isAlive(pid) { kill(pid, SIGKILL) }
  }

  @Test func upPsScaleDownAsAUserTypesThem() throws {
    defer { cleanUp("pair") }
    let up = try shoal("up", "pair", "--detach")
    #expect(up.status == 0, "\(up.stderr)")
    #expect(up.stdout.contains("cluster `pair` is up at tcp://127.0.0.1:"))
    let owner = try #require(record("pair")?.pid)

    var listing = try shoal("ps")
    #expect(listing.status == 0)
    #expect(listing.stdout.contains("pair"))
    #expect(listing.stdout.contains("running"))
    #expect(listing.stdout.contains("pair-0"))
    #expect(try statuses().first?.workers.count == 2)

    let scaled = try shoal("scale", "pair", "3")
    #expect(scaled.status == 0, "\(scaled.stderr)")
    var status = try #require(try statuses().first)
    #expect(status.workers.count == 3)
    #expect(status.adaptive?.enabled == false)

    #expect(try shoal("scale", "pair", "1").status == 0)
    status = try #require(try statuses().first)
    #expect(status.workers.count == 1)

    let adapt = try shoal("adapt", "pair", "--minimum", "0", "--maximum", "2")
    #expect(adapt.status == 0, "\(adapt.stderr)")
    #expect(adapt.stdout.contains("adaptive 0..2"))

    let down = try shoal("down", "pair")
    #expect(down.status == 0, "\(down.stderr)")
    #expect(down.stdout.contains("cluster `pair` is down"))
    #expect(!ClusterTesting.isAlive(owner))
    listing = try shoal("ps")
    #expect(listing.stdout.contains("no clusters are up"))
  }

  @Test func mapOnTheDefaultClusterStartsATemporaryOneAndClosesIt() throws {
    try (1...5).map(String.init).joined(separator: "\n").write(
      toFile: folder + "/numbers.txt", atomically: true, encoding: .utf8)
    let output = try shoal("map", "--inputs", "numbers.txt", "--", "sh", "-c", "echo $(({} * {}))")
    #expect(output.status == 0, "\(output.stderr)")
    #expect(output.stdout == "1\n4\n9\n16\n25\n")
    let marker = "XDG_STATE_HOME=\(state)"
    #expect(
      ClusterTesting.workerProcesses { _, environment in environment.contains(marker) }.isEmpty)
    #expect(try statuses().isEmpty)
    // `--cluster` names another one; the adaptive `burst` starts from 0 workers.
    let run = try shoal("run", "--cluster", "burst", "--", "echo", "from burst")
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout == "from burst\n")
  }

  @Test func runAndMapJoinADetachedCluster() throws {
    defer { cleanUp("pair") }
    #expect(try shoal("up", "pair", "--detach").status == 0)
    let target = try ClusterTarget.detached(
      "pair", stateFolder: StateFolder(root: state + "/shoal"))
    #expect(target?.kind == .detached)
    #expect(target?.address == record("pair")?.address)
    let run = try shoal("run", "--cluster", "pair", "--", "echo", "joined")
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout == "joined\n")
    try "a\nb\nc\n".write(toFile: folder + "/letters.txt", atomically: true, encoding: .utf8)
    let map = try shoal("map", "--inputs", "letters.txt", "--", "echo", "{}")
    #expect(map.status == 0, "\(map.stderr)")
    #expect(map.stdout == "a\nb\nc\n")
    // Both ran on the detached cluster (the default one): it counts their 4 tasks.
    #expect(try statuses().first?.completed == 4)
    #expect(try shoal("down", "pair").status == 0)
    #expect(
      try ClusterTarget.detached("pair", stateFolder: StateFolder(root: state + "/shoal")) == nil)
  }

  @Test func theOwnerKilledWithSIGKILLLeavesNoWorker() async throws {
    defer { cleanUp("pair") }
    #expect(try shoal("up", "pair", "--detach").status == 0)
    let owner = try #require(record("pair")?.pid)
    let workers = try #require(try statuses().first).workers.compactMap { worker in
      worker.location.flatMap { Int32($0.replacingOccurrences(of: "pid ", with: "")) }
    }
    #expect(workers.count == 2)
    defer { ClusterTesting.killAll(workers) }
    kill(owner, SIGKILL)
    let gone = await eventually(20) {
      workers.allSatisfy { !ClusterTesting.isAlive($0) }
    }
    #expect(gone)
    // `ps` reports it dead at once, never hangs on it; `down` clears it.
    let listing = try shoal("ps")
    #expect(listing.stdout.contains("dead"))
    #expect(listing.stdout.contains("is gone"))
    let down = try shoal("down", "pair")
    #expect(down.status == 0)
    #expect(down.stdout.contains("cleared its record"))
    #expect(try statuses().isEmpty)
  }

  @Test func scaleOnAClusterThatIsNotUpIsAnError() throws {
    let output = try shoal("scale", "pair", "2")
    #expect(output.status != 0)
    #expect(output.stderr.contains("cluster `pair` is not up"))
    #expect(output.stderr.contains("shoal up pair --detach"))
    let down = try shoal("down", "nothing")
    #expect(down.status != 0)
    #expect(down.stderr.contains("cluster `nothing` is not up"))
  }

  @Test func upOfANameAlreadyUpIsAnError() throws {
    defer { cleanUp("pair") }
    #expect(try shoal("up", "pair", "--detach").status == 0)
    let again = try shoal("up", "pair", "--detach")
    #expect(again.status != 0)
    #expect(again.stderr.contains("cluster `pair` is already up"))
    // Also in the foreground.
    let foreground = try shoal("up", "pair")
    #expect(foreground.status != 0)
    #expect(foreground.stderr.contains("already up"))
    #expect(try shoal("down", "pair").status == 0)
  }

  @Test func adaptWithMinimumAboveMaximumIsRefused() throws {
    let output = try shoal("adapt", "pair", "--minimum", "5", "--maximum", "2")
    #expect(output.status != 0)
    #expect(output.stderr.contains("--minimum (5) is greater than --maximum (2)"))
  }

  @Test func aWorkerExecutableThatCannotBeFoundFailsUpWithoutHanging() throws {
    let output = try CommandRunner.shoal(
      ["up", "pair", "--detach"],
      environment: environment.merging(["SHOAL_WORKER_EXECUTABLE": "/nonexistent/shoal"]) { $1 },
      currentDirectory: folder, timeout: 60)
    #expect(output.status != 0)
    #expect(output.stderr.contains("/nonexistent/shoal"))
    #expect(output.stderr.contains("No such file or directory"))
    #expect(record("pair") == nil)
  }

  @Test func badKwargsAreReportedWithTheirPosition() throws {
    try """
    version: 1
    clusters:
      bad:
        cluster_kwargs: {n_workers: -1}
    """.write(toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
    let output = try shoal("up", "bad", "--config", "bad.yaml")
    #expect(output.status != 0)
    #expect(output.stderr.contains("bad.yaml:4:"))
    #expect(output.stderr.contains("n_workers must be from 0 to 100000, found -1"))
  }
}

/// Issue 15 from the command line: a detached cluster of two worker groups.
extension ClusterCommandTests {
  @Test func groupsFromTheCommandLine() throws {
    defer { cleanUp("mixed") }
    let up = try shoal("up", "mixed", "--detach")
    #expect(up.status == 0, "\(up.stderr)")
    var status = try #require(try statuses().first { $0.name == "mixed" })
    #expect(status.groups?.map(\.name) == ["small", "tagged"])
    #expect(status.groups?.last?.resources == "cpu=1,special=1")

    let tagged = try shoal(
      "run", "--cluster", "mixed", "--resources", "special=1", "--", "echo", "tagged")
    #expect(tagged.status == 0, "\(tagged.stderr)")
    #expect(tagged.stdout == "tagged\n")
    status = try #require(try statuses().first { $0.name == "mixed" })
    #expect(status.workers.contains { $0.group == "tagged" }, "\(status.workers)")

    let gpu = try shoal("run", "--cluster", "mixed", "--resources", "gpu=1", "--", "true")
    #expect(gpu.status == 1)
    #expect(gpu.stderr.contains("no worker can ever have resources gpu=1"), "\(gpu.stderr)")
    #expect(gpu.stderr.contains("tagged {cpu=1,special=1}"), "\(gpu.stderr)")

    let bad = try shoal("run", "--cluster", "mixed", "--resources", "gpu", "--", "true")
    #expect(bad.status != 0)
    #expect(bad.stderr.contains("--resources: `gpu` is not NAME=AMOUNT"), "\(bad.stderr)")

    let scaled = try shoal("scale", "mixed", "1", "--group", "small")
    #expect(scaled.status == 0, "\(scaled.stderr)")
    #expect(scaled.stdout.contains("group `small`: 1 workers"), "\(scaled.stdout)")
    status = try #require(try statuses().first { $0.name == "mixed" })
    let small = try #require(status.groups?.first { $0.name == "small" })
    #expect(small.planned == 1 && !small.adaptive)
    let wrong = try shoal("scale", "mixed", "1", "--group", "smal")
    #expect(wrong.status != 0)
    #expect(
      wrong.stderr.contains("no worker group `smal`; did you mean `small`?"), "\(wrong.stderr)")

    let whole = try shoal("scale", "mixed", "2")
    #expect(whole.status != 0)
    #expect(whole.stderr.contains("has worker groups (small, tagged)"), "\(whole.stderr)")
    #expect(whole.stderr.contains("--group small"), "\(whole.stderr)")
    #expect(status.adaptive?.enabled == true)

    let listing = try shoal("ps")
    #expect(listing.stdout.contains("mixed groups:"), "\(listing.stdout)")
    #expect(listing.stdout.contains("off (scaled by hand)"), "\(listing.stdout)")

    let dry = try shoal("adapt", "mixed", "--dry-run")
    #expect(dry.status == 0, "\(dry.stderr)")
    #expect(dry.stdout.contains("group tagged: "), "\(dry.stdout)")
    #expect(!dry.stdout.contains("group small: "), "scaled by hand: \(dry.stdout)")
    #expect(try shoal("down", "mixed").status == 0)
  }
}
