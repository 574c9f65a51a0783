// `import Shoal` is enough to submit tasks: the light client (`Executor`, `TaskHandle`,
// `SchedulerAddress`) and the task types of the wire module come with it, so an app that
// also starts clusters or reads clusters.yaml needs only this import. So does
// `CertificateAuthority` (ShoalCertificateAuthority), which makes a cluster's
// certificates: the light client only loads them.
@_exported import ShoalCertificateAuthority
@_exported import ShoalClient
