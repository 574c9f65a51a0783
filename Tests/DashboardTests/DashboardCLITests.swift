import Foundation
import Shoal
import ShoalTestSupport
import Testing

/// The dashboard, `shoal events` and `shoal ps` as a user meets them: a detached
/// cluster, its page and endpoints over HTTP, its events after scaling and a map.
@Suite(.serialized) struct DashboardCLITests {
  static let yaml = """
    version: 1
    default: pair
    clusters:
      pair:
        cluster_kwargs: {n_workers: 2, threads_per_worker: 1}
      wide:
        cluster_kwargs: {n_workers: 1}
        dashboard: {address: '0.0.0.0:0'}
      quiet:
        cluster_kwargs: {n_workers: 1}
        dashboard: false
    """

  @Test func upPrintsTheDashboardPsListsItAndItServesThePage() async throws {
    let harness = try DashboardHarness(yaml: Self.yaml)
    defer { harness.stopAll(clusters: ["pair"]) }
    let up = try harness.shoal("up", "pair", "--detach")
    #expect(up.status == 0, "\(up.stderr)")
    let url = try #require(harness.record("pair")?.dashboard)
    #expect(url.hasPrefix("http://127.0.0.1:"))
    #expect(up.stdout.contains("dashboard: \(url)"))

    let ps = try harness.shoal("ps")
    #expect(ps.stdout.contains("pair dashboard: \(url)"), "\(ps.stdout)")
    let json = try harness.shoal("ps", "--json")
    let statuses = try JSONDecoder().decode([ClusterStatus].self, from: Data(json.stdout.utf8))
    #expect(statuses.first?.dashboard == url)

    let (status, page, headers) = try await DashboardHarness.get(url)
    #expect(status == 200)
    #expect(headers["content-type"]?.hasPrefix("text/html") == true)
    #expect(page.contains("<table id=\"workers\">"))
    // Every asset comes from the binary: nothing is fetched from another host.
    #expect(!page.contains("http://") && !page.contains("https://"))
    for asset in ["dashboard.js", "dashboard.css"] {
      let (code, body, _) = try await DashboardHarness.get(url + asset)
      #expect(code == 200 && body.count > 500)
      #expect(!body.contains("//cdn") && !body.contains("https://"))
    }
    let (_, state, _) = try await DashboardHarness.get(url + "api/state")
    let decoded = try JSONDecoder().decode(StateProbe.self, from: Data(state.utf8))
    #expect(decoded.snapshot.cluster == "pair")
    #expect(decoded.snapshot.workers.count == 2)
    #expect(decoded.snapshot.workers.allSatisfy { $0.rssBytes ?? 0 > 0 })
  }

  @Test func eventsShowScalingWorkersAndTheirFailures() async throws {
    let harness = try DashboardHarness(yaml: Self.yaml)
    defer { harness.stopAll(clusters: ["pair"]) }
    #expect(try harness.shoal("up", "pair", "--detach").status == 0)
    let follow = try harness.start(
      BuildProducts.shoal, ["events", "pair", "--follow"], output: harness.folder + "/follow.txt")
    #expect(try harness.shoal("scale", "pair", "3").status == 0)
    let mapped = try harness.shoal(
      "map", "--cluster", "pair", "--", "echo", "{}", stdin: "1\n2\n3\n")
    #expect(mapped.status == 0, "\(mapped.stderr)")
    // A worker that dies: its failure is an event, with the end of its log.
    let pid = try #require(
      try JSONDecoder().decode(
        [ClusterStatus].self, from: Data(harness.shoal("ps", "--json").stdout.utf8)
      )
      .first?.workers.first { $0.name == "pair-2" }?.location?.split(separator: " ").last
        .flatMap { Int32($0) })
    kill(pid, SIGKILL)
    try await eventually("the worker's failure is an event") {
      try harness.shoal("events", "pair").stdout.contains("worker_failed")
    }

    let text = try harness.shoal("events", "pair")
    #expect(text.status == 0)
    for expected in [
      "cluster_up", "worker_joined", "worker pair-0 joined with 1 slots", "scale_request",
      "scale to 3 workers requested", "worker pair-2 exited unexpectedly", "worker_left",
    ] {
      #expect(text.stdout.contains(expected), "missing \(expected) in:\n\(text.stdout)")
    }
    let json = try harness.shoal("events", "pair", "--json")
    let events = json.stdout.split(separator: "\n").compactMap {
      try? JSONDecoder().decode(ClusterEvent.self, from: Data($0.utf8))
    }
    #expect(events.count == json.stdout.split(separator: "\n").count)
    #expect(events.contains { $0.kind == .scaleRequest && $0.target == 3 })
    #expect(events.contains { $0.kind == .workerJoined && $0.worker == "pair-2" })

    // --follow saw them too, and ends once the cluster is down.
    #expect(try harness.shoal("down", "pair").status == 0)
    try await eventually("`shoal events --follow` ends after `shoal down`", timeout: .seconds(20)) {
      !follow.isRunning
    }
    let followed = try String(contentsOfFile: harness.folder + "/follow.txt", encoding: .utf8)
    #expect(followed.contains("scale_request"))
    #expect(followed.contains("cluster_closing"))
    #expect(followed.contains("cluster `pair` is down"))
  }

  @Test func eventsOfAClusterNeverUpIsAnError() throws {
    let harness = try DashboardHarness(yaml: Self.yaml)
    let output = try harness.shoal("events", "nothere")
    #expect(output.status != 0)
    #expect(output.stderr.contains("no events recorded for cluster `nothere`"))
    #expect(output.stderr.contains("shoal up nothere --detach"))
  }

  @Test func aTemporaryClusterIsListedWhileItRuns() async throws {
    let harness = try DashboardHarness(yaml: Self.yaml)
    defer { harness.stopAll() }
    try "1\n2\n".write(toFile: harness.folder + "/inputs", atomically: true, encoding: .utf8)
    let map = try harness.start(
      BuildProducts.shoal, ["map", "--inputs", "inputs", "--", "sh", "-c", "sleep 3; echo {}"],
      output: harness.folder + "/map.txt")
    var listed: ClusterStatus?
    try await eventually("`shoal ps` lists the temporary cluster") {
      let output = try harness.shoal("ps", "--json")
      listed = try? JSONDecoder().decode([ClusterStatus].self, from: Data(output.stdout.utf8))
        .first { $0.temporary == true }
      return listed != nil
    }
    #expect(listed?.name == "pair")
    #expect(listed?.command?.contains("map --inputs inputs -- sh -c sleep 3; echo {}") == true)
    #expect(listed?.dashboard?.hasPrefix("http://127.0.0.1:") == true)
    let table = try harness.shoal("ps")
    #expect(table.stdout.contains("pair (temporary)"), "\(table.stdout)")
    #expect(table.stdout.contains("owned by: shoal map"))
    try await eventually("the map ends", timeout: .seconds(60)) { !map.isRunning }
    #expect(map.terminationStatus == 0)
    #expect(!(try harness.shoal("ps").stdout.contains("temporary")))
  }

  @Test func offLoopbackTheDashboardAsksForTheToken() async throws {
    let harness = try DashboardHarness(yaml: Self.yaml)
    defer { harness.stopAll(clusters: ["wide"]) }
    #expect(try harness.shoal("up", "wide", "--detach").status == 0)
    let record = try #require(harness.record("wide"))
    let url = try #require(record.dashboard)
    #expect(url.hasPrefix("http://0.0.0.0:"))
    let local = url.replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1")
    let token = try String(contentsOfFile: record.tokenFile, encoding: .utf8)
      .trimmingCharacters(in: .whitespacesAndNewlines)

    let (refused, why, _) = try await DashboardHarness.get(local + "metrics")
    #expect(refused == 401)
    #expect(why.contains("Authorization: Bearer TOKEN"))
    #expect(
      try await DashboardHarness.get(local + "metrics", headers: ["Authorization": "Bearer wrong"])
        .0 == 401)
    let (allowed, metrics, _) = try await DashboardHarness.get(
      local + "metrics", headers: ["Authorization": "Bearer \(token)"])
    #expect(allowed == 200)
    #expect(metrics.contains("shoal_scheduler_workers"))
    let (redirect, _, headers) = try await DashboardHarness.get(local + "?token=\(token)")
    #expect(redirect == 303)
    #expect(headers["set-cookie"]?.contains("shoal_token=\(token)") == true)
    #expect(
      try await DashboardHarness.get(local, headers: ["Cookie": "shoal_token=\(token)"]).0 == 200)
  }

  @Test func dashboardFalseServesNothing() throws {
    let harness = try DashboardHarness(yaml: Self.yaml)
    defer { harness.stopAll(clusters: ["quiet"]) }
    let up = try harness.shoal("up", "quiet", "--detach")
    #expect(up.status == 0, "\(up.stderr)")
    #expect(harness.record("quiet")?.dashboard == nil)
    #expect(!up.stdout.contains("dashboard:"))
  }

  @Test func aPortInUseFailsTheStartWithTheReason() throws {
    let harness = try DashboardHarness(yaml: Self.yaml)
    defer { harness.stopAll(clusters: ["pair"]) }
    #expect(try harness.shoal("up", "pair", "--detach").status == 0)
    let taken = try #require(
      harness.record("pair")?.dashboard?.split(separator: ":").last?.dropLast())
    let other = try DashboardHarness(
      yaml: """
        version: 1
        clusters:
          clash:
            cluster_kwargs: {n_workers: 1}
            dashboard: {address: '127.0.0.1:\(taken)'}
        """)
    defer { other.stopAll(clusters: ["clash"]) }
    let up = try other.shoal("up", "clash", "--detach")
    #expect(up.status != 0)
    #expect(up.stderr.contains("the dashboard cannot listen on 127.0.0.1:\(taken)"), "\(up.stderr)")
    #expect(up.stderr.contains("`:0` for any free port"))
  }

  @Test func aSchedulerRunByHandServesItsDashboard() async throws {
    let harness = try DashboardHarness(yaml: Self.yaml)
    defer { harness.stopAll() }
    let output = harness.folder + "/scheduler.txt"
    try harness.start(
      BuildProducts.shoal,
      ["scheduler", "--port", "0", "--token-file", harness.folder + "/token", "--dashboard", ":0"],
      output: output)
    var url = ""
    try await eventually("the scheduler prints its dashboard") {
      let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
      guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("dashboard: ") })
      else { return false }
      url = String(line.dropFirst("dashboard: ".count))
      return true
    }
    let (status, metrics, _) = try await DashboardHarness.get(url + "metrics")
    #expect(status == 200)
    #expect(metrics.contains("shoal_scheduler_clients 0"))
    let bad = try harness.shoal("scheduler", "--dashboard", "127.0.0.1")
    #expect(bad.status != 0)
    #expect(bad.stderr.contains("--dashboard expects HOST:PORT"))
  }
}

/// The part of `/api/state` the tests read.
struct StateProbe: Decodable {
  struct Snapshot: Decodable {
    struct Worker: Decodable {
      var name: String
      var rssBytes: Int?
      var completed: Int
    }
    var cluster: String
    var completed: Int
    var workers: [Worker]
  }
  var snapshot: Snapshot
}
