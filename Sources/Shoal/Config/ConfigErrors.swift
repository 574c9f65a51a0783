import ShoalCore

/// Several problems found in one configuration file, each with its position: what
/// `clusters.yaml` parsing throws when more than one key is wrong, so that a user
/// fixes them all in one round (a single problem is thrown as its `ShoalError`).
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
  /// The problems, in file order.
  public var errors: [ShoalError]

  /// The problems.
  public init(_ errors: [ShoalError]) { self.errors = errors }

  /// One problem per line.
  public var description: String { errors.map(\.description).joined(separator: "\n") }

  /// Throws nothing for no error, the error itself for one, `ConfigErrors` for more.
  static func throwIfAny(_ errors: [ShoalError]) throws {
    if !errors.isEmpty { throw combine(errors) }
  }

  /// The error itself for one, `ConfigErrors` in file order for more (not empty).
  static func combine(_ errors: [ShoalError]) -> any Error {
    if errors.count == 1 { return errors[0] }
    return ConfigErrors(
      errors.sorted {
        ($0.location?.line ?? 0, $0.location?.column ?? 0)
          < ($1.location?.line ?? 0, $1.location?.column ?? 0)
      })
  }
}

/// Collects the errors of independent parts of a file instead of stopping at the first.
struct ErrorCollector {
  var errors: [ShoalError] = []

  /// `body`'s value, or nil after recording the `ShoalError` (or `ConfigErrors`) it threw.
  mutating func attempt<T>(_ body: () throws -> T) throws -> T? {
    do {
      return try body()
    } catch let error as ShoalError {
      errors.append(error)
    } catch let error as ConfigErrors {
      errors += error.errors
    }
    return nil
  }
}
