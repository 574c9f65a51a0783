import Foundation

/// The measurement tests (LocalClusterTests/Measurements, SSHTests/SSHMeasurements,
/// ContainerTests/ContainerFigures) are ordinary tests: they assert that what they
/// time worked, once per run by default. With `SHOAL_MEASURE=1` they repeat enough
/// times for the figures they print to mean something.
public enum Measure {
  /// Whether figures are being taken (`SHOAL_MEASURE=1`).
  public static var enabled: Bool { ProcessInfo.processInfo.environment["SHOAL_MEASURE"] == "1" }

  /// `full` when measuring, else 1.
  public static func runs(_ full: Int) -> Int { enabled ? full : 1 }
}
