import Foundation
import Logging

/// The logger of commands that own a cluster (`up`, `run`/`map` with a temporary
/// cluster): stderr, level from `$SHOAL_LOG_LEVEL` or `fallback`.
enum ClusterLogging {
  static func make(label: String, fallback: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      let level = ProcessInfo.processInfo.environment["SHOAL_LOG_LEVEL"].flatMap(
        Logger.Level.init(rawValue:))
      handler.logLevel = level ?? fallback
      return handler
    }
    return Logger(label: label)
  }
}
