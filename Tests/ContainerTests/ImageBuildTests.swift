import Foundation
import ShoalTestSupport
import Testing

/// `shoal image build`: from a base rootfs, and its bad inputs.
extension ContainerClusterTests {
  @Test func imageFromABaseRootfsKeepsItsFilesAndGetsShoalAndAShell() throws {
    let base = try TemporaryDirectory.make("shoal-base")
    try FileManager.default.createDirectory(
      atPath: base + "/etc", withIntermediateDirectories: true)
    try "from the base\n".write(
      toFile: base + "/etc/base-marker", atomically: true, encoding: .utf8)
    let tarball = try TemporaryDirectory.make("shoal-base-tar") + "/base.tar"
    let tar = try CommandRunner.run("/usr/bin/env", ["tar", "-C", base, "-cf", tarball, "."])
    #expect(tar.status == 0)
    let tag = "localhost/shoal-worker-basetest:\(UUID().uuidString.prefix(6).lowercased())"
    defer { _ = try? Podman.run(["rmi", "--force", tag]) }
    for source in [base, tarball] {
      let build = try CommandRunner.shoal(
        ["image", "build", "--tag", tag, "--base", source], environment: Podman.environment,
        timeout: 600)
      #expect(build.status == 0, "\(build.stdout)\(build.stderr)")
      #expect(build.stdout.contains("starting from \(source)"))
      let run = try Podman.run([
        "run", "--rm", tag, "sh", "-c", "cat /etc/base-marker; shoal --version",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      #expect(run.stdout.hasPrefix("from the base\n"))
    }
  }

  @Test func imageBuildBadInputs() throws {
    let missing = try CommandRunner.shoal(
      ["image", "build", "--tag", "localhost/never-built:1", "--base", "/no/such/rootfs"],
      environment: Podman.environment)
    #expect(missing.status != 0)
    #expect(
      missing.stderr.contains("base rootfs /no/such/rootfs does not exist"), "\(missing.stderr)")
    let runtime = try CommandRunner.shoal(
      ["image", "build", "--tag", "localhost/never-built:1", "--runtime", "rkt"],
      environment: Podman.environment)
    #expect(runtime.status != 0)
    #expect(runtime.stderr.contains("no container runtime: looked for rkt"), "\(runtime.stderr)")
    #expect(runtime.stderr.contains("apt-get install -y podman runc"))
    let images = try Podman.run(["images", "--format", "{{.Repository}}"])
    #expect(!images.stdout.contains("never-built"))
  }
}
