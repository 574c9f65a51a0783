import ShoalCore
import ShoalPluginHost

/// The outcome of loading one cluster's backend without starting it.
public struct BackendCheck: Sendable {
  /// The cluster checked.
  public var cluster: ClusterSpec
  /// The class or factory the import path resolved to (nil for existing clusters
  /// and when resolution failed).
  public var resolved: ResolvedBackend?
  /// The adapt settings after the backend clamped them (nil when not adaptive).
  public var adapt: AdaptSettings?
  /// The backend's `initialWorkers` (nil when it was not made).
  public var initialWorkers: Int?
  /// What went wrong, with the position of the node it is about.
  public var error: ShoalError?
  /// Each group's own check, in file order, when the cluster declares `groups:`.
  public var groups: [GroupCheck] = []
}

/// One worker group and the check of its backend.
public struct GroupCheck: Sendable {
  /// The group as declared.
  public var group: WorkerGroupSpec
  /// Its backend's check (`cluster` is the group's backend spec).
  public var check: BackendCheck
}

extension ShoalConfig {
  /// Loads each cluster's `cluster_class`, makes the backend from its
  /// `cluster_kwargs` (which validates them and starts nothing) and hands it the
  /// adapt settings; throws the first problem found.
  public func validateBackends(loader: PluginLoader) throws {
    for check in checkBackends(loader: loader) {
      if let error = check.error { throw error }
    }
  }

  /// `checkBackend` for every cluster, in file order.
  public func checkBackends(loader: PluginLoader) -> [BackendCheck] {
    clusters.map { ShoalConfig.checkBackend($0, loader: loader) }
  }

  /// Resolves and makes one cluster's backend (starting nothing), reporting the
  /// first problem with the position of the YAML node it is about.
  /// A cluster with `groups:` checks every group's backend (each in `groups`); the
  /// result is the first failing group's, or the first group's.
  public static func checkBackend(_ spec: ClusterSpec, loader: PluginLoader) -> BackendCheck {
    if let groups = spec.groups {
      let checks = groups.map {
        GroupCheck(group: $0, check: checkBackend($0.backend, loader: loader))
      }
      var result =
        checks.first { $0.check.error != nil }?.check ?? checks.first?.check
        ?? BackendCheck(cluster: spec)
      result.cluster = spec
      result.groups = checks
      return result
    }
    var check = BackendCheck(cluster: spec)
    guard let clusterClass = spec.clusterClass else { return check }
    do {
      let resolved: ResolvedBackend
      do {
        resolved = try loader.backend(clusterClass)
      } catch var error as ShoalError {
        if error.location == nil {
          error.location = spec.clusterClassLocation ?? spec.location
          error.keyPath =
            spec.clusterClassLocation == nil ? spec.keyPath : spec.keyPath + ".cluster_class"
          if spec.clusterClassLocation == nil {
            error.message += " (no `cluster_class` given: the default is \(clusterClass))"
          }
        }
        throw error
      }
      check.resolved = resolved
      let backend = try resolved.make(spec.clusterKwargs)
      check.initialWorkers = backend.initialWorkers
      if let adapt = spec.adapt {
        do {
          check.adapt = try backend.adapt(adapt)
        } catch var error as ShoalError {
          if error.location == nil {
            error.location = spec.adaptKwargs?.location ?? spec.location
            error.keyPath = spec.adaptKwargs?.path ?? spec.keyPath
          }
          throw error
        }
      }
    } catch let error as ShoalError {
      check.error = error
    } catch {
      check.error = ShoalError(
        .invalidValue, "\(error)", location: spec.clusterKwargs.location ?? spec.location,
        keyPath: spec.clusterKwargs.path)
    }
    return check
  }
}
