import ServiceLifecycle

/// A cluster runs as a `Service` in a `ServiceGroup` (`shoal up`): a graceful shutdown
/// closes it (retire, stop), a cancellation stops its workers at once.
extension ClusterRuntime: Service {}
