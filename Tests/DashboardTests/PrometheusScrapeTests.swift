import Foundation
import ShoalTestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A real Prometheus (Debian's `prometheus`), started by the test with its own config
/// and storage, scrapes a running cluster's `/metrics` while a map runs; the test
/// asserts the values through Prometheus's HTTP API.
@Suite(.serialized) struct PrometheusScrapeTests {
  static let available = DashboardHarness.which("prometheus") != nil

  @Test(.enabled(if: available || Integration.required))
  func prometheusScrapesTheClusterMetrics() async throws {
    guard let prometheus = DashboardHarness.which("prometheus") else {
      throw MissingTool(tool: "prometheus")
    }
    let harness = try DashboardHarness(yaml: DashboardCLITests.yaml)
    defer { harness.stopAll(clusters: ["pair"]) }
    #expect(try harness.shoal("up", "pair", "--detach").status == 0)
    let dashboard = try #require(harness.record("pair")?.dashboard)
    let target = dashboard.dropFirst("http://".count).dropLast()

    let data = try TemporaryDirectory.make("s16-prometheus")
    try """
    global: {scrape_interval: 1s, scrape_timeout: 1s}
    scrape_configs:
      - job_name: shoal
        static_configs: [{targets: ['\(target)']}]
    """.write(toFile: data + "/prometheus.yml", atomically: true, encoding: .utf8)
    let port = DashboardHarness.freePort()
    let api = "http://127.0.0.1:\(port)"
    try harness.start(
      prometheus,
      [
        "--config.file=\(data)/prometheus.yml", "--storage.tsdb.path=\(data)/tsdb",
        "--web.listen-address=127.0.0.1:\(port)",
      ], output: data + "/prometheus.log")
    try await eventually("prometheus is ready", timeout: .seconds(60)) {
      (try? await DashboardHarness.get(api + "/-/ready").0) == 200
    }

    let inputs = (1...30).map(String.init).joined(separator: "\n") + "\n"
    let mapped = try harness.shoal(
      "map", "--cluster", "pair", "--", "sh", "-c", "sleep 0.05; echo {}", stdin: inputs)
    #expect(mapped.status == 0, "\(mapped.stderr)")
    #expect(try harness.shoal("scale", "pair", "3").status == 0)

    func query(_ expression: String) async throws -> [(labels: [String: String], value: Double)] {
      let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
      let (_, body, _) = try await DashboardHarness.get(api + "/api/v1/query?query=" + encoded)
      let answer = try JSONDecoder().decode(QueryAnswer.self, from: Data(body.utf8))
      return answer.data.result.map { ($0.metric, Double($0.value.text) ?? .nan) }
    }
    func value(_ expression: String) async throws -> Double? {
      try await query(expression).first?.value
    }

    try await eventually("prometheus saw the 30 tasks done", timeout: .seconds(60)) {
      try await value("shoal_scheduler_tasks{state=\"done\"}") == 30
    }
    try await eventually("prometheus saw the third worker", timeout: .seconds(60)) {
      try await value("shoal_scheduler_workers_added_total") == 3
    }
    #expect(try await value("shoal_scheduler_tasks{state=\"queued\"}") == 0)
    #expect(try await value("shoal_scheduler_tasks{state=\"erred\"}") == 0)
    #expect(try await value("shoal_scheduler_clients") == 0)
    #expect(try await value("shoal_scheduler_desired_workers") == 3)
    #expect(try await value("shoal_scheduler_workers_removed_total") == 0)
    #expect(try await value("sum(shoal_scheduler_workers)") == 3)
    #expect(try await value("shoal_tasks_compute_seconds_total") ?? 0 >= 30 * 0.05)
    #expect(try await value("sum(shoal_worker_tasks{state=\"completed\"})") == 30)
    #expect(try await query("shoal_worker_threads").count == 3)
    #expect(try await query("shoal_worker_threads").allSatisfy { $0.value == 1 })
    let memory = try await query("shoal_worker_memory_bytes")
    #expect(memory.count == 3)
    #expect(memory.allSatisfy { $0.value > 1_000_000 })
    #expect(try await query("shoal_adaptive_decisions_total").count == 3)
    #expect(try await value("up{job=\"shoal\"}") == 1)
  }
}

/// Prometheus's answer to `/api/v1/query` (an instant vector).
struct QueryAnswer: Decodable {
  struct Sample: Decodable {
    var metric: [String: String]
    var value: Value
  }
  /// `[timestamp, "value"]`.
  struct Value: Decodable {
    var time: Double
    var text: String
    init(from decoder: any Decoder) throws {
      var container = try decoder.unkeyedContainer()
      time = try container.decode(Double.self)
      text = try container.decode(String.self)
    }
  }
  struct Body: Decodable { var result: [Sample] }
  var status: String
  var data: Body
}
