import Foundation
import Hummingbird
import NIOCore
import Shoal

/// `/api/stream`: server-sent events for an open page. Each sample arrives as
/// `event: snapshot`, each cluster event as `event: event`, both with one line of JSON:
///
///     event: snapshot
///     data: {"time":1764930000.5,"cluster":"local","workers":[...],...}
///
/// It ends when the page goes away, the dashboard stops, or after `limit` (the page
/// then reconnects after the `retry` it was sent: bounded connections keep proxies and
/// headless browsers, which wait for pending requests, happy).
enum EventStream {
  /// How long one connection lasts unless the request asks for another (`?stream=S`).
  static let defaultLimit: Duration = .seconds(30)

  static func body(
    sampler: DashboardSampler, source: any DashboardSource, limit: Duration = defaultLimit
  ) -> ResponseBody {
    ResponseBody { writer in
      let (stream, continuation) = AsyncStream.makeStream(
        of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(256))
      let samples = sampler.watch()
      let events = source.subscribe()
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
          for await snapshot in samples { continuation.yield(message("snapshot", snapshot)) }
          continuation.finish()
        }
        group.addTask {
          try? await Task.sleep(for: limit)
          continuation.finish()
        }
        if let events {
          group.addTask {
            for await event in events { continuation.yield(message("event", event)) }
          }
        }
        try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
        if let latest = sampler.latest { try await writer.write(message("snapshot", latest)) }
        for await buffer in stream { try await writer.write(buffer) }
        group.cancelAll()
      }
      try await writer.finish(nil)
    }
  }

  static func message(_ name: String, _ value: some Encodable) -> ByteBuffer {
    let json = (try? JSONEncoder().encode(value)) ?? Data("null".utf8)
    var buffer = ByteBuffer(string: "event: \(name)\ndata: ")
    buffer.writeBytes(json)
    buffer.writeString("\n\n")
    return buffer
  }
}
