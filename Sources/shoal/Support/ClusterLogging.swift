import Foundation
import Logging

/// The logger of commands that own a cluster (`up`, `run`/`map` with a temporary
/// cluster): stderr, level from `$SHOAL_LOG_LEVEL`, else `fallback`.
enum ClusterLogging {
  /// `LoggingSystem.bootstrap` may run once per process.
  private static let bootstrapped: Void = {
    LoggingSystem.bootstrap { TerminalLogHandler(label: $0, fallback: .trace) }
  }()

  static func make(label: String, fallback: Logger.Level) -> Logger {
    _ = bootstrapped
    var logger = Logger(label: label)
    let level = ProcessInfo.processInfo.environment["SHOAL_LOG_LEVEL"].flatMap(
      Logger.Level.init(rawValue:))
    logger.logLevel = level ?? fallback
    return logger
  }
}
