import ArgumentParser
import Foundation
import Shoal
import ShoalCore

/// `shoal image build`: the worker image for `ContainerBackend.ContainerCluster`.
struct ImageCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "image",
    abstract: "Build the container image that ContainerCluster workers run in.",
    subcommands: [Build.self])

  /// `shoal image build [--tag T] [--base DIR|TAR] [--runtime R]`.
  struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Assemble a worker image from this build and import it (nothing is pulled).",
      discussion: """
        The image holds /opt/shoal (shoal and every plugin and task \
        library next to this shoal), the dynamic Swift runtime and system libraries \
        that ldd lists, and busybox as /bin/sh so that shell tasks run. It is imported \
        with `podman import` (or `docker import`).

        Examples:
          shoal image build
          shoal image build --tag localhost/my-workers:1 --library ./libMyTasks.so
          shoal image build --base debian-rootfs.tar --runtime docker
        """)

    @Option(help: "The image name.")
    var tag = WorkerImageBuilder.defaultTag

    @Option(help: "A root filesystem (folder or tarball) to start from instead of an empty one.")
    var base: String?

    @Option(help: "podman or docker (default: the first found on PATH).")
    var runtime: String?

    @Option(name: .customLong("library"), help: "Another task library (.so) to put in the image.")
    var libraries: [String] = []

    @OptionGroup var common: ConfigOptions

    @Option(help: "The folder holding shoal and the libraries (default: this shoal's folder).")
    var buildDir: String?

    @Flag(help: "Do nothing when an image built from the same files exists.")
    var reuse = false

    @Flag(help: "Print only the image name.")
    var quiet = false

    func run() throws {
      var options = WorkerImageBuilder.Options()
      if let buildDir { options.buildDirectory = buildDir }
      options.tag = tag
      options.base = base
      options.runtime = runtime
      options.libraries = libraries
      options.reuse = reuse
      let quiet = self.quiet
      do {
        let result = try WorkerImageBuilder(options: options).build { line in
          if !quiet { print(line) }
        }
        print(quiet ? result.tag : "built \(result.tag)" + (result.reused ? " (reused)" : ""))
      } catch let error as ShoalError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
      }
    }
  }
}
