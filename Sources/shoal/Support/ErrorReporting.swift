import ArgumentParser
import Foundation
import Shoal
import ShoalCore

/// How every command reports failure: `error: <description>` on stderr and exit
/// status 1. A `ShoalError`'s description already says where (`FILE:LINE:COL`, key
/// path) and how to fix it.
///
///     func run() async throws {
///       try await withErrorReporting {
///         let config = try options.loadConfig()
///         ...
///       }
///     }
enum ErrorReporting {
  /// Writes `error: <error>` to stderr.
  static func report(_ error: any Error) {
    if let several = error as? ConfigErrors {
      for one in several.errors { StandardError.write("error: \(one)\n") }
      return
    }
    StandardError.write("error: \(describe(error))\n")
  }

  /// Writes `warning: <message>` to stderr.
  static func warn(_ message: String) {
    StandardError.write("warning: \(message)\n")
  }

  /// The text printed for `error`.
  static func describe(_ error: any Error) -> String {
    if let error = error as? ShoalError { return error.description }
    if let error = error as? LocalizedError, let text = error.errorDescription { return text }
    return String(describing: error)
  }
}

/// Runs `body`; any error other than an argument-parser exit is reported with
/// `ErrorReporting.report` and turned into exit status 1.
func withErrorReporting<T>(_ body: () async throws -> T) async throws -> T {
  do {
    return try await body()
  } catch let exit as ExitCode {
    throw exit
  } catch let error as CleanExit {
    throw error
  } catch let error as ValidationError {
    throw error
  } catch {
    ErrorReporting.report(error)
    throw ExitCode.failure
  }
}

/// The synchronous form of `withErrorReporting`.
func withErrorReporting<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let exit as ExitCode {
    throw exit
  } catch let error as CleanExit {
    throw error
  } catch let error as ValidationError {
    throw error
  } catch {
    ErrorReporting.report(error)
    throw ExitCode.failure
  }
}

/// Unbuffered writes to stderr.
enum StandardError {
  /// Writes `text` to stderr.
  static func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }
}
