import ShoalCore

/// Makes sure the cluster's image is in the runtime's local storage before any
/// worker starts: the default image is built (or refreshed) with `shoal image
/// build`; a named image is used as it is, or pulled as `pull` allows.
struct ImageResolver {
  var options: ContainerOptions
  var client: RuntimeClient
  var context: ClusterContext

  /// The image to run.
  func resolve() async throws -> String {
    guard let image = options.image else { return try await buildDefault() }
    let runtime = options.runtime.name
    if options.pull == .always {
      try await client.pull(image)
      return image
    }
    if try await client.imageExists(image) { return image }
    if options.pull == .missing {
      context.log.info("image \(image) is not in \(runtime)'s storage; pulling it")
      try await client.pull(image)
      return image
    }
    throw ShoalError(
      .invalidValue,
      "image \(image) does not exist in \(runtime)'s local storage, and `pull: never` means nothing is pulled (this machine has no registry to pull from anyway)",
      keyPath: "cluster_kwargs.image",
      hint:
        "build it with `shoal image build --tag \(image) --runtime \(runtime)`, import one (`\(runtime) import ROOTFS.tar \(image)`), or leave `image` out to use the default \(ContainerOptions.defaultImage); `\(runtime) images` lists what exists"
    )
  }

  /// Builds the default image from this `shoal`'s build folder, unless an image built
  /// from exactly these files is already there.
  private func buildDefault() async throws -> String {
    let image = ContainerOptions.defaultImage
    context.log.info("making sure \(image) matches this build (shoal image build)")
    let result = try await RuntimeCommand.run(
      context.workerExecutable,
      ["image", "build", "--tag", image, "--runtime", options.runtime.executable, "--reuse"],
      timeout: .seconds(600))
    guard result.succeeded else {
      throw ShoalError(
        .backendFailed,
        "could not build the default worker image \(image): \(result.message)",
        hint:
          "run `shoal image build` to see the whole output, or set `image` to an image you built")
    }
    return image
  }
}
