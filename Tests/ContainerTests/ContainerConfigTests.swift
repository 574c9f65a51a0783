import Foundation
import ShoalTestSupport
import Testing

/// Bad `cluster_kwargs` of a container cluster, as `shoal validate` reports them:
/// position, key path, the fix, and a non-zero exit.
@Suite(
  .enabled(
    if: Integration.runs(missing: Podman.unavailableReason), "\(Podman.unavailableReason ?? "")"),
  .failsWithout(Podman.unavailableReason))
struct ContainerConfigTests {
  @Test func validateReportsBadContainerKwargsWithTheirPositions() throws {
    let file = try TemporaryDirectory.write(
      """
      version: 1
      clusters:
        boxes:
          cluster_class: ContainerBackend.ContainerCluster
          cluster_kwargs:
            runtime: podman
            memory: lots
        mounts:
          cluster_class: ContainerBackend.ContainerCluster
          cluster_kwargs: {runtime: podman, volumes: ["/no/such/dir-xyz:/data"]}
        typo:
          cluster_class: ContainerBackend.ContainerCluster
          cluster_kwargs: {runtime: podman, n_worker: 2}
        rkt:
          cluster_class: ContainerBackend.ContainerCluster
          cluster_kwargs: {runtime: rkt}
      """)
    let output = try CommandRunner.shoal(["validate", "--config", file])
    #expect(output.status != 0)
    #expect(
      output.stderr.contains(
        "clusters.yaml:7:15: clusters.boxes.cluster_kwargs.memory: expected a memory size such as 512m"
      ), "\(output.stderr)")
    #expect(
      output.stderr.contains(
        "clusters.mounts.cluster_kwargs.volumes[0]: volume source /no/such/dir-xyz does not exist on this host"
      ))
    #expect(output.stderr.contains("unknown key `n_worker`; did you mean `n_workers`?"))
    #expect(
      output.stderr.contains(
        "clusters.rkt.cluster_kwargs.runtime: runtime must be podman or docker"))
  }

  @Test func validateAcceptsAGoodContainerCluster() throws {
    let file = try TemporaryDirectory.write(
      """
      version: 1
      clusters:
        boxes:
          cluster_class: ContainerBackend.ContainerCluster
          cluster_kwargs:
            runtime: podman
            n_workers: 2
            worker_options: {nthreads: 2, task_libraries: [TestTasks]}
            volumes: ["/tmp:/scratch"]
            memory: 512m
            cpus: 1
          adapt_kwargs: {minimum: 0, maximum: 4}
      """)
    let output = try CommandRunner.shoal(["validate", "--config", file])
    #expect(output.status == 0, "\(output.stderr)")
  }
}
