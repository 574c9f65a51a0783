import Foundation
import Testing

/// Integration suites need things a developer's machine may lack (root, sshd, `ip`,
/// podman). On such a machine they skip, saying what is missing; where integration
/// is required (`CI=true` or `SHOAL_REQUIRE_INTEGRATION=1`) they run anyway and
/// every test fails at once, naming what is missing, so that CI cannot be green
/// while they skip.
///
///     @Suite(
///       .enabled(if: Integration.runs(missing: SSHHosts.unavailableReason)),
///       .failsWithout(SSHHosts.unavailableReason))
public enum Integration {
  /// Whether a missing prerequisite fails the suites instead of skipping them.
  public static var required: Bool {
    let environment = ProcessInfo.processInfo.environment
    return environment["CI"] == "true" || environment["SHOAL_REQUIRE_INTEGRATION"] == "1"
  }

  /// Whether a suite whose prerequisites lack `missing` (nil: none) runs.
  public static func runs(missing: String?) -> Bool { missing == nil || required }
}

/// The error each test of a required suite fails with when a prerequisite is missing.
public struct MissingPrerequisite: Error, CustomStringConvertible {
  /// What is missing, and how to get it.
  public var missing: String
  public var description: String {
    "integration prerequisite missing: \(missing) (required because CI=true or"
      + " SHOAL_REQUIRE_INTEGRATION=1)"
  }
}

/// Fails every test of the suite it is attached to when `missing` is not nil (the
/// suite only runs then when `Integration.required`).
public struct IntegrationPrerequisite: SuiteTrait, TestTrait, TestScoping {
  /// What is missing, nil when nothing is.
  public let missing: String?

  public var isRecursive: Bool { true }

  public func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    if let missing { throw MissingPrerequisite(missing: missing) }
    try await function()
  }
}

extension Trait where Self == IntegrationPrerequisite {
  /// Fails each test naming `missing` when it is not nil. Pair it with
  /// `.enabled(if: Integration.runs(missing: missing))`, which skips the suite on a
  /// developer's machine.
  public static func failsWithout(_ missing: String?) -> Self {
    IntegrationPrerequisite(missing: missing)
  }
}
