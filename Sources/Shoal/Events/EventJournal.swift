import Foundation
import Synchronization

/// A cluster's events: the last `kept` in memory (for the page), every one appended
/// to a JSON-lines file (for `shoal events`), and handed to live subscribers.
public final class EventJournal: Sendable {
  private struct State {
    var events: [ClusterEvent] = []
    var subscribers: [Int: AsyncStream<ClusterEvent>.Continuation] = [:]
    var nextSubscriber = 0
    var handle: FileHandle?
  }

  /// How many events stay in memory.
  public let kept: Int
  /// The file events are appended to; nil keeps them in memory only.
  public let file: String?
  private let state = Mutex(State())

  /// A journal writing to `file`, which its first event creates (or empties: one run's
  /// events per file).
  public init(file: String?, kept: Int = 500) {
    self.file = file
    self.kept = kept
  }

  deinit { state.withLock { try? $0.handle?.close() } }

  /// Records `event`.
  public func append(_ event: ClusterEvent) {
    let line = (try? JSONEncoder().encode(event)).map { $0 + Data("\n".utf8) }
    state.withLock { state in
      state.events.append(event)
      if state.events.count > kept { state.events.removeFirst(state.events.count - kept) }
      if state.handle == nil, let file, FileManager.default.createFile(atPath: file, contents: nil)
      {
        state.handle = FileHandle(forWritingAtPath: file)
      }
      if let line { try? state.handle?.write(contentsOf: line) }
      for continuation in state.subscribers.values { continuation.yield(event) }
    }
  }

  /// The events in memory, oldest first.
  public var recent: [ClusterEvent] { state.withLock { $0.events } }

  /// Events from now on, until the consumer stops iterating.
  public func subscribe() -> AsyncStream<ClusterEvent> {
    let (stream, continuation) = AsyncStream.makeStream(
      of: ClusterEvent.self, bufferingPolicy: .bufferingNewest(kept))
    let id = state.withLock { state in
      state.nextSubscriber += 1
      state.subscribers[state.nextSubscriber] = continuation
      return state.nextSubscriber
    }
    continuation.onTermination = { [weak self] _ in
      _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
    }
    return stream
  }

  /// Reads a journal file: every event in it, oldest first, skipping lines that do not
  /// decode (a line being written).
  public static func read(_ path: String) -> [ClusterEvent] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    return decode(data)
  }

  /// The events of whole lines in `data`.
  public static func decode(_ data: Data) -> [ClusterEvent] {
    let decoder = JSONDecoder()
    return data.split(separator: UInt8(ascii: "\n")).compactMap {
      try? decoder.decode(ClusterEvent.self, from: Data($0))
    }
  }
}
