import Foundation
import Hummingbird
import Logging
import NIOCore
import Shoal

/// The dashboard's HTTP server (Hummingbird): the page and its assets, `/metrics`,
/// `/api/state` (JSON) and `/api/stream` (server-sent events).
///
///     let server = DashboardServer(source: ClusterSource(cluster: runtime), logger: logger)
///     try await server.run(setting: .standard) { print(try $0.get()) }
///
/// Off loopback every request must present the source's token: an
/// `Authorization: Bearer TOKEN` header, the `shoal_token` cookie, or `?token=TOKEN`
/// (which sets the cookie and redirects to the URL without it).
public struct DashboardServer: Sendable {
  /// What it shows.
  public let source: any DashboardSource
  let logger: Logger
  let sampleInterval: Duration

  /// A server for `source`; samples it once per `sampleInterval` for the page.
  public init(source: any DashboardSource, sampleInterval: Duration = .seconds(1), logger: Logger) {
    self.source = source
    self.logger = logger
    self.sampleInterval = sampleInterval
  }

  /// Serves on `setting` until cancelled. Calls `listening` once with
  /// `http://HOST:PORT/`, or with the error why it cannot listen.
  public func run(
    setting: DashboardSetting, listening: @escaping @Sendable (Result<String, any Error>) -> Void
  ) async throws {
    let sampler = DashboardSampler(source: source, interval: sampleInterval)
    let metrics = MetricsExporter()
    let router = Router()
    if !setting.isLoopback { router.add(middleware: TokenMiddleware(token: source.token)) }
    routes(router, sampler: sampler, metrics: metrics)
    // Hummingbird's own logger: it logs a cancelled server ("Waiting on child channel:
    // CancellationError()") as an error, which every cluster's close would print. The
    // dashboard's real failures (a port in use) come back through `listening`.
    var quiet = logger
    quiet.logLevel = .critical
    let host = setting.host
    let app = Application(
      router: router,
      configuration: ApplicationConfiguration(
        address: .hostname(host, port: setting.port), serverName: "shoal"),
      onServerRunning: { channel in
        let port = channel.localAddress?.port ?? setting.port
        let shown = host.contains(":") ? "[\(host)]" : host
        listening(.success("http://\(shown):\(port)/"))
      },
      logger: quiet)
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await sampler.run() }
      group.addTask {
        do {
          try await app.run()
        } catch {
          listening(.failure(DashboardServer.bindError(setting, error)))
          throw error
        }
      }
      defer { sampler.finish() }
      try await group.next()
      group.cancelAll()
    }
  }

  private func routes(
    _ router: Router<BasicRequestContext>, sampler: DashboardSampler, metrics: MetricsExporter
  ) {
    let source = self.source
    router.get("/") { _, _ in Self.asset(DashboardPage.html, type: "text/html; charset=utf-8") }
    router.get("/dashboard.js") { _, _ in
      Self.asset(DashboardPage.script, type: "text/javascript; charset=utf-8")
    }
    router.get("/dashboard.css") { _, _ in
      Self.asset(DashboardPage.style, type: "text/css; charset=utf-8")
    }
    router.get("/metrics") { _, _ in
      let snapshot = await sampler.source.snapshot()
      let text = metrics.render(snapshot, totals: source.totals)
      return Response(
        status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
    }
    router.get("/api/state") { _, _ in
      // Fresh, with the CPU figures of the last sample (they need an interval).
      var snapshot = await source.snapshot()
      let cpu = Dictionary(
        (sampler.latest?.workers ?? []).map { ($0.name, $0.cpuPercent) },
        uniquingKeysWith: { a, _ in a })
      for index in snapshot.workers.indices {
        snapshot.workers[index].cpuPercent = cpu[snapshot.workers[index].name] ?? nil
      }
      let state = PageState(
        snapshot: snapshot, history: sampler.points,
        events: source.recentEvents)
      return try Self.json(state)
    }
    router.get("/api/stream") { request, _ in
      let seconds = request.uri.queryParameters["stream"].flatMap { Double(String($0)) }
      let limit = seconds.map { Duration.milliseconds(Int64(min(3600, max(0.5, $0)) * 1000)) }
      return Response(
        status: .ok,
        headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
        body: EventStream.body(
          sampler: sampler, source: source, limit: limit ?? EventStream.defaultLimit))
    }
  }

  static func asset(_ text: String, type: String) -> Response {
    Response(
      status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
      body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
  }

  static func json(_ value: some Encodable) throws -> Response {
    let data = try JSONEncoder().encode(value)
    return Response(
      status: .ok, headers: [.contentType: "application/json"],
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
  }

  static func bindError(_ setting: DashboardSetting, _ error: any Error) -> DashboardError {
    DashboardError(
      message: "the dashboard cannot listen on \(setting): \(error)",
      hint: "choose another `dashboard: {address: HOST:PORT}` (`:0` for any free port),"
        + " or `dashboard: false`")
  }
}

/// What `/api/state` answers: the page's first paint.
struct PageState: Encodable {
  var snapshot: DashboardSnapshot
  var history: [DashboardSampler.Point]
  var events: [ClusterEvent]
}

/// The dashboard could not start.
public struct DashboardError: Error, CustomStringConvertible, Sendable {
  /// What went wrong.
  public var message: String
  /// What to do.
  public var hint: String
  public var description: String { "\(message)\nhint: \(hint)" }
}
