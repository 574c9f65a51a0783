/// The files of a new backend plugin package, as `shoal plugin new` writes them.
///
/// Placeholders: `__MODULE__` (the package, module and library name), `__CLASS__`
/// (the backend class), `__DEPENDENCY__` (the `.package(...)` line of Shoal) and
/// `__SHOAL__` (where Shoal comes from, for the README).
enum PluginTemplate {
  /// Each file's path inside the package and its text, placeholders filled in.
  static func files(module: String, className: String, dependency: ShoalDependency) -> [(
    path: String, contents: String
  )] {
    let templates: [(String, String)] = [
      ("Package.swift", manifest),
      ("Sources/__MODULE__/__CLASS__.swift", backend),
      ("Tests/__MODULE__Tests/__CLASS__ConformanceTests.swift", conformanceTests),
      ("clusters.yaml", clusters),
      ("README.md", readme),
      (".gitignore", gitignore),
    ]
    func fill(_ text: String) -> String {
      text.replacingOccurrences(of: "__MODULE__", with: module)
        .replacingOccurrences(of: "__CLASS__", with: className)
        .replacingOccurrences(of: "__DEPENDENCY__", with: dependency.packageLine)
        .replacingOccurrences(of: "__SHOAL__", with: dependency.description)
    }
    return templates.map { (fill($0.0), fill($0.1)) }
  }

  /// `Package.swift`: the plugin library, and tests that run the conformance kit.
  static let manifest = #"""
    // swift-tools-version: 6.1
    // A Shoal backend plugin: builds lib__MODULE__.so, which `cluster_class: __MODULE__.__CLASS__`
    // loads. Build it with the same Swift toolchain as the `shoal` that loads it.
    import PackageDescription

    let package = Package(
      name: "__MODULE__",
      products: [
        // The plugin. It carries its own static copy of the ShoalCore SDK and talks to
        // shoal only through the C plugin ABI (Shoal's docs/plugin-abi.md).
        .library(name: "__MODULE__", type: .dynamic, targets: ["__MODULE__"])
      ],
      dependencies: [
        __DEPENDENCY__
      ],
      targets: [
        .target(
          name: "__MODULE__",
          dependencies: [.product(name: "ShoalCore", package: "shoal")],
          swiftSettings: [.swiftLanguageMode(.v6)]),
        .testTarget(
          name: "__MODULE__Tests",
          dependencies: [
            .product(name: "ShoalBackendTesting", package: "shoal"),
            // Builds `shoal` next to the tests: the conformance kit runs it as the workers.
            .product(name: "shoal", package: "shoal"),
          ],
          swiftSettings: [.swiftLanguageMode(.v6)]),
      ]
    )

    """#

  /// The test that runs Shoal's conformance kit against the plugin.
  static let conformanceTests = #"""
    import ShoalBackendTesting
    import Testing

    /// Shoal's conformance kit against __CLASS__, loaded from lib__MODULE__.so in the build
    /// folder exactly as `shoal` loads it, with a real scheduler and real `shoal worker`
    /// processes. Run `swift test` (or, after `swift build --build-tests`,
    /// `swift test --skip-build`, which saves the build step).
    @Suite(.serialized) struct __CLASS__ConformanceTests {
      let kit = BackendConformance(clusterClass: "__MODULE__.__CLASS__", kwargs: ["n_workers": 1])

      @Test(arguments: BackendConformance.Check.allCases)
      func conformance(_ check: BackendConformance.Check) async throws {
        try await kit.run(check)
      }
    }

    """#

  /// A `clusters.yaml` that selects the plugin.
  static let clusters = #"""
    # Run from this folder after `swift build`:
    #   shoal validate
    #   seq 8 | shoal map --inputs - -- sh -c 'echo $(({} * {}))'
    #   shoal up mine --detach && shoal ps && shoal down mine
    version: 1
    default: mine
    plugin_path: [.build/debug]     # relative to this file: where `swift build` puts lib__MODULE__.so
    clusters:
      mine:
        cluster_class: __MODULE__.__CLASS__
        cluster_kwargs: {n_workers: 2, threads_per_worker: 1, max_workers: 8}

    """#

  /// The package's README.
  static let readme = #"""
    # __MODULE__

    A Shoal backend plugin: `cluster_class: __MODULE__.__CLASS__`, built against
    Shoal __SHOAL__.

    ```sh
    swift build --build-tests             # lib__MODULE__.so, the tests, and shoal for them
    swift test --skip-build               # Shoal's conformance kit against __CLASS__
    shoal plugins                         # lists lib__MODULE__.so with its plugin ABI
    shoal validate                        # uses ./clusters.yaml (plugin_path: [.build/debug])
    ```

    The first build compiles Shoal's dependencies (SwiftNIO among them) for the tests:
    about 5 minutes on 2 cores; later builds are incremental. `swift build --product
    __MODULE__` alone needs only the ShoalCore SDK and takes well under a minute.

    Put `lib__MODULE__.so` in a folder on `SHOAL_PLUGIN_PATH`, in `plugin_path:` of your
    clusters.yaml, or next to the `shoal` executable. See Shoal's
    `docs/writing-a-backend.md` for the scale interface, kwargs, adapt settings and faults.

    """#

  /// `.gitignore`.
  static let gitignore = """
    .build/
    Package.resolved

    """
}
