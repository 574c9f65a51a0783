import Foundation
import ShoalCore

/// Builds the worker image from the local build, without a registry: `shoal image build`.
///
/// The image holds `/opt/shoal/` (the `shoal` executable and every plugin and task
/// library of the build folder, each carrying its own static copy of ShoalCore), the dynamic Swift runtime and the
/// system libraries these need (as `ldd` lists them, at the same absolute paths, so
/// the executables' run paths hold), and busybox as `/bin/sh` with its applets so
/// that shell tasks run. It is imported with `podman import` (or `docker import`);
/// nothing is pulled. `base` starts from a rootfs folder or tarball instead of an
/// empty root (busybox is then added only when the base has no `/bin/sh`).
public struct WorkerImageBuilder: Sendable {
  /// What to build.
  public struct Options: Sendable {
    /// The image's name.
    public var tag: String = WorkerImageBuilder.defaultTag
    /// A rootfs folder or tarball to start from.
    public var base: String?
    /// `podman`, `docker` or a path; nil = the first on PATH.
    public var runtime: String?
    /// The folder with `shoal` and the libraries (default: this executable's folder).
    public var buildDirectory: String
    /// More libraries (task libraries built elsewhere) to put in `/opt/shoal`.
    public var libraries: [String] = []
    /// Skip the build when an image built from the very same files exists.
    public var reuse = false
    /// The process environment (PATH for tools, CONTAINERS_CONF for podman).
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    /// Options with the defaults.
    public init(buildDirectory: String = WorkerImageBuilder.executableDirectory()) {
      self.buildDirectory = buildDirectory
    }
  }

  /// What a build did.
  public struct Result: Sendable {
    /// The image's name.
    public var tag: String
    /// The runtime that holds it.
    public var runtime: String
    /// The fingerprint of the files it was built from.
    public var fingerprint: String
    /// Whether an existing image was reused.
    public var reused: Bool
    /// Files in the image (payload, libraries, busybox).
    public var fileCount: Int
    /// Size of the imported tarball in bytes (0 when reused).
    public var bytes: Int
  }

  /// The default image name, also `ContainerCluster`'s default `image`.
  public static let defaultTag = "localhost/shoal-worker:latest"
  /// Where the payload lives inside the image.
  public static let payloadFolder = "/opt/shoal"
  /// The image label that holds the fingerprint.
  public static let fingerprintLabel = "shoal.image.fingerprint"

  /// The options.
  public var options: Options

  /// A builder.
  public init(options: Options) { self.options = options }

  /// Builds (or reuses) the image; `progress` receives one line per step.
  public func build(progress: (String) -> Void = { _ in }) throws -> Result {
    let runtime = try findRuntime()
    let runtimeName = (runtime as NSString).lastPathComponent
    let payload = try payloadFiles()
    let busybox = ExternalCommand.which("busybox", environment: options.environment)
    let fingerprint = try fingerprintOf(
      payload + (busybox.map { [$0] } ?? []) + (options.base.map { [$0] } ?? []))
    if options.reuse, try existingFingerprint(runtime: runtime) == fingerprint {
      progress("\(options.tag) is up to date (fingerprint \(fingerprint))")
      return Result(
        tag: options.tag, runtime: runtimeName, fingerprint: fingerprint, reused: true,
        fileCount: 0, bytes: 0)
    }

    let work = FileManager.default.temporaryDirectory
      .appendingPathComponent("shoal-image-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(
      atPath: work + "/root", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: work) }
    let root = StagedRoot(folder: work + "/root")

    if let base = options.base {
      progress("starting from \(base)")
      try unpackBase(base, into: root)
    }
    try mirrorHostLinks(into: root)
    var copied = 0
    for file in payload {
      try root.copy(
        file, to: WorkerImageBuilder.payloadFolder + "/" + (file as NSString).lastPathComponent)
      copied += 1
    }
    progress("copied \(payload.count) files of the build into \(WorkerImageBuilder.payloadFolder)")
    let libraries = try sharedLibraries(of: payload)
    for library in libraries {
      try root.copy(library, to: library)  // resolved inside the root: /lib -> usr/lib
      copied += 1
    }
    progress("copied \(libraries.count) shared libraries (Swift runtime and system) found by ldd")
    if !root.exists("/bin/sh") {
      guard let busybox else {
        throw ShoalError(
          .invalidValue, "busybox is not installed, and the image needs it as /bin/sh",
          hint: "apt-get install -y busybox-static, or pass --base ROOTFS with its own /bin/sh")
      }
      try installBusybox(busybox, into: root)
      copied += 1
      progress("installed \(busybox) as /bin/sh with its applets")
    }
    try writeBasics(into: root)

    let tarball = work + "/rootfs.tar"
    try ExternalCommand.check(
      "/usr/bin/env",
      ["tar", "--numeric-owner", "--owner=0", "--group=0", "-C", root.folder, "-cf", tarball, "."],
      what: "packing the rootfs")
    let bytes = (try? FileManager.default.attributesOfItem(atPath: tarball)[.size] as? Int) ?? 0
    let previous = try? ExternalCommand.run(
      runtime, ["image", "inspect", "--format", "{{.Id}}", options.tag])
    let changes = [
      "ENV PATH=\(WorkerImageBuilder.payloadFolder):/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
      "LABEL \(WorkerImageBuilder.fingerprintLabel)=\(fingerprint)",
      "WORKDIR /tmp",
      "CMD [\"/bin/sh\"]",
    ]
    try ExternalCommand.check(
      runtime, ["import"] + changes.flatMap { ["--change", $0] } + [tarball, options.tag],
      what: "\(runtimeName) import")
    if let previous, previous.succeeded {
      let old = previous.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
      let now = try? ExternalCommand.run(
        runtime, ["image", "inspect", "--format", "{{.Id}}", options.tag])
      if !old.isEmpty, now?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) != old {
        _ = try? ExternalCommand.run(runtime, ["rmi", old])  // fails harmlessly while in use
      }
    }
    progress("imported \(options.tag) with \(runtimeName) (\(bytes / 1_048_576) MiB)")
    return Result(
      tag: options.tag, runtime: runtimeName, fingerprint: fingerprint, reused: false,
      fileCount: copied, bytes: bytes)
  }

  /// The folder of the running executable.
  public static func executableDirectory() -> String {
    URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
      .path
  }

  // MARK: steps

  private func findRuntime() throws -> String {
    let names = options.runtime.map { [$0] } ?? ["podman", "docker"]
    for name in names {
      if let path = ExternalCommand.which(name, environment: options.environment) { return path }
    }
    throw ShoalError(
      .invalidValue,
      "no container runtime: looked for \(names.joined(separator: " and ")) on PATH (\(options.environment["PATH"] ?? ""))",
      hint: "install one: apt-get install -y podman runc (see docs/containers.md)")
  }

  /// `shoal`, the `lib*.so` of the build folder (plugins and task libraries), and `libraries`.
  private func payloadFiles() throws -> [String] {
    let folder = options.buildDirectory
    let shoal = folder + "/shoal"
    guard FileManager.default.isExecutableFile(atPath: shoal) else {
      throw ShoalError(
        .invalidValue, "no shoal executable in \(folder)",
        hint: "build first (`swift build`), or pass --build-dir FOLDER")
    }
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    let libraries = entries.filter { $0.hasPrefix("lib") && $0.hasSuffix(".so") }.sorted()
    for library in options.libraries where !FileManager.default.fileExists(atPath: library) {
      throw ShoalError(.invalidValue, "library \(library) does not exist")
    }
    return [shoal] + libraries.map { folder + "/" + $0 } + options.libraries
  }

  /// Every shared library the payload needs, by `ldd`, outside the payload itself.
  private func sharedLibraries(of files: [String]) throws -> [String] {
    let payloadNames = Set(files.map { ($0 as NSString).lastPathComponent })
    var found = Set<String>()
    for file in files {
      let output = try ExternalCommand.run("/usr/bin/env", ["ldd", file])
      guard output.succeeded else { continue }  // not a dynamic ELF file
      for line in output.stdout.split(separator: "\n") {
        let text = line.trimmingCharacters(in: .whitespaces)
        if text.contains("not found") {
          throw ShoalError(
            .invalidValue, "\(file) needs a library that ldd cannot find: \(text)",
            hint: "install the missing library on this host, or add its folder to LD_LIBRARY_PATH")
        }
        let path: String?
        if let arrow = text.range(of: "=> ") {
          path = text[arrow.upperBound...].split(separator: " ").first.map(String.init)
        } else {
          path = text.split(separator: " ").first.map(String.init)
        }
        guard let path, path.hasPrefix("/"),
          !payloadNames.contains((path as NSString).lastPathComponent)
        else { continue }
        found.insert(path)
      }
    }
    return found.sorted()
  }

  /// Recreates the host's merged-/usr links (`/lib -> usr/lib`, ...) where the root
  /// has nothing at those paths yet, so that the loader path
  /// `/lib64/ld-linux-x86-64.so.2` resolves in the image as on the host.
  private func mirrorHostLinks(into root: StagedRoot) throws {
    for name in ["bin", "sbin", "lib", "lib32", "lib64", "libx32"] {
      if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/" + name),
        !target.hasPrefix("/")
      {
        try root.makeDirectory("/" + target)
        try root.link("/" + name, to: target)
      }
    }
  }

  private func unpackBase(_ base: String, into root: StagedRoot) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: base, isDirectory: &isDirectory) else {
      throw ShoalError(
        .invalidValue, "base rootfs \(base) does not exist",
        hint: "pass a folder holding a root filesystem or a tarball of one")
    }
    if isDirectory.boolValue {
      try ExternalCommand.check(
        "/usr/bin/env", ["cp", "-a", base + "/.", root.folder], what: "copying the base rootfs")
    } else {
      try ExternalCommand.check(
        "/usr/bin/env", ["tar", "-xf", base, "-C", root.folder],
        what: "unpacking the base rootfs \(base)")
    }
  }

  private func installBusybox(_ busybox: String, into root: StagedRoot) throws {
    try root.makeDirectory("/bin")
    try root.copy(busybox, to: "/bin/busybox")
    let applets = try ExternalCommand.check(busybox, ["--list"], what: "busybox --list")
    for applet in applets.stdout.split(separator: "\n") where !applet.isEmpty && applet != "busybox"
    {
      try root.link("/bin/" + applet, to: "busybox")
    }
  }

  private func writeBasics(into root: StagedRoot) throws {
    try root.makeDirectory("/tmp", permissions: 0o1777)
    try root.makeDirectory("/root", permissions: 0o700)
    try root.makeDirectory("/usr/local/bin")
    try root.link("/usr/local/bin/shoal", to: WorkerImageBuilder.payloadFolder + "/shoal")
    try root.writeIfMissing(
      "/etc/passwd",
      "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
    try root.writeIfMissing("/etc/group", "root:x:0:\nnogroup:x:65534:\n")
    try root.writeIfMissing("/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n")
  }

  /// A digest of the files' paths, sizes and modification times.
  private func fingerprintOf(_ files: [String]) throws -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ text: String) {
      for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
      }
    }
    for file in files.sorted() {
      let attributes = try? FileManager.default.attributesOfItem(atPath: file)
      let size = attributes?[.size] as? Int ?? -1
      let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
      mix("\(file)|\(size)|\(modified)\n")
    }
    return String(hash, radix: 16)
  }

  private func existingFingerprint(runtime: String) throws -> String? {
    let output = try ExternalCommand.run(
      runtime,
      [
        "image", "inspect", "--format",
        "{{index .Config.Labels \"\(WorkerImageBuilder.fingerprintLabel)\"}}", options.tag,
      ])
    guard output.succeeded else { return nil }
    return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
