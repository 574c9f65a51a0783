import ArgumentParser
import Foundation
import Shoal
import ShoalCore

/// `shoal init [FILE]`: writes a commented clusters.yaml to start from.
struct InitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init",
    abstract: "Write a commented clusters.yaml to start from.",
    discussion: """
      Writes FILE (default: --config, else ./clusters.yaml) with a local cluster of two \
      workers as the default, an adaptive one, and commented examples of SSH, container \
      and existing clusters. An existing file is kept unless --force is given. Check the \
      result with `shoal validate`.

      Examples:
        shoal init
        shoal init ops/clusters.yaml
      """)

  @Argument(help: "The file to write (default: --config, else ./clusters.yaml).")
  var file: String?

  @Flag(help: "Replace the file if it exists.") var force = false

  @OptionGroup var options: ConfigOptions

  func run() throws {
    try withErrorReporting {
      let path = file ?? options.config ?? "clusters.yaml"
      if FileManager.default.fileExists(atPath: path) && !force {
        throw ShoalError(
          .invalidState, "\(path) exists; it was left as it is",
          hint: "check it with `shoal validate --config \(path)`, or pass --force to replace it")
      }
      let folder = (path as NSString).deletingLastPathComponent
      if !folder.isEmpty {
        try FileManager.default.createDirectory(
          atPath: folder, withIntermediateDirectories: true)
      }
      do {
        try InitCommand.template.write(toFile: path, atomically: true, encoding: .utf8)
      } catch {
        throw ShoalError(
          .invalidState, "cannot write \(path): \(error.localizedDescription)",
          hint: "pick a folder you can write to")
      }
      print("wrote \(path); check it with `shoal validate`, list it with `shoal clusters`")
    }
  }

  /// The file `shoal init` writes; it validates as it is.
  static let template = """
    # Shoal clusters. Reference: docs/configuration.md. Check with `shoal validate`,
    # list with `shoal clusters`, inspect one with `shoal clusters show NAME`.
    version: 1
    default: local

    clusters:
      # Two local worker processes with one thread each (no cluster_class: the
      # default is LocalBackend.LocalCluster). `shoal map -- CMD {}` runs here.
      local:
        cluster_kwargs: {n_workers: 2, threads_per_worker: 1}

      # Local workers created on demand: none while idle, up to 4 under load.
      burst:
        cluster_class: LocalBackend.LocalCluster
        adapt_kwargs: {minimum: 0, maximum: 4}

      # Workers started over SSH on hosts you can `ssh` into (docs/ssh.md).
      # lab:
      #   cluster_class: SSHBackend.SSHCluster
      #   cluster_kwargs:
      #     hosts: [{host: node1, slots: 4}, {host: node2, slots: 4}]
      #     connect_options: {user: shoal}
      #   adapt_kwargs: {minimum: 1, maximum: 8}

      # Workers started as podman containers (docs/containers.md; `shoal image build`).
      # boxes:
      #   cluster_class: ContainerBackend.ContainerCluster
      #   cluster_kwargs: {runtime: podman, n_workers: 2}

      # A running cluster reached by its address: a `shoal scheduler` you started
      # yourself, and the token file it wrote.
      # shared:
      #   address: tcp://127.0.0.1:8786
      #   token_file: ~/.local/state/shoal/token

    """
}
