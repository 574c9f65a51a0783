import Foundation
import Shoal
import ShoalCore

extension Kwargs {
  /// Reads `cluster_kwargs` from YAML text, with positions (`clusters.yaml` line and
  /// column of the text), for unit tests of a backend's options:
  ///
  ///     let kwargs = try Kwargs(yaml: "n_workers: 2\nniceness: 5\n")
  public init(yaml text: String, file: String = "clusters.yaml") throws {
    self = try ClusterKwargsText.read(text, file: file).rooted(at: BackendConformance.kwargsPath)
  }
}

extension BackendConformance {
  /// Makes the backend from `kwargs` through `shoal`'s loader (as `shoal validate`
  /// does) and returns the `ShoalError` it refused them with. Throws
  /// `ConformanceFailure` when the backend accepts them, or refuses them with anything
  /// but a `ShoalError` whose key path is under `cluster_kwargs`.
  public func rejection(of kwargs: Kwargs) throws -> ShoalError {
    let check = Check.kwargsErrors
    let resolved = try resolveBackend(check: check)
    let rooted = kwargs.path.isEmpty ? kwargs.rooted(at: BackendConformance.kwargsPath) : kwargs
    do {
      _ = try resolved.make(rooted)
    } catch let error as ShoalError {
      guard let path = error.keyPath, path.hasPrefix(BackendConformance.kwargsPath) else {
        throw ConformanceFailure(
          check: check.name,
          "the error has key path \(error.keyPath ?? "nil"), not one under"
            + " \(BackendConformance.kwargsPath): \(error)")
      }
      return error
    } catch {
      throw ConformanceFailure(
        check: check.name, "refused with \(type(of: error)), not a ShoalError: \(error)")
    }
    throw ConformanceFailure(check: check.name, "cluster_kwargs \(rooted) were accepted")
  }
}
