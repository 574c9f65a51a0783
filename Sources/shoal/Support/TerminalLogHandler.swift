import Foundation
import Logging

/// The log handler of `shoal scheduler`, `shoal worker` and commands that own a
/// cluster: one line per message on stderr, `TIME LEVEL LABEL: message key=value`.
///
/// When stderr is a terminal, each line first clears the line the cursor is on
/// (`\r` + erase to end of line): a scheduler or worker started with `&` in the same
/// terminal as `shoal map` then replaces the progress bar instead of running into it,
/// and the bar is drawn again below on its next update.
struct TerminalLogHandler: LogHandler {
  var logLevel: Logger.Level
  var metadata: Logger.Metadata = [:]
  let label: String
  private static let clearLine = isatty(STDERR_FILENO) == 1 ? "\r\u{1B}[K" : ""

  /// A handler for `label`, at `$SHOAL_LOG_LEVEL` or `fallback`.
  init(label: String, fallback: Logger.Level) {
    self.label = label
    let level = ProcessInfo.processInfo.environment["SHOAL_LOG_LEVEL"].flatMap(
      Logger.Level.init(rawValue:))
    logLevel = level ?? fallback
  }

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    var all = metadata
    if let extra = event.metadata { all.merge(extra) { $1 } }
    let pairs = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
    let line =
      "\(Self.clearLine)\(Self.timestamp()) \(event.level) \(label): \(event.message)\(pairs)\n"
    FileHandle.standardError.write(Data(line.utf8))
  }

  private static func timestamp() -> String {
    var now = time(nil)
    var parts = tm()
    localtime_r(&now, &parts)
    var buffer = [CChar](repeating: 0, count: 32)
    let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
    return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
