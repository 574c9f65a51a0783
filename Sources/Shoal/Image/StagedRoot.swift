import Foundation
import ShoalCore

/// A root filesystem being assembled in a folder. Paths inside it are resolved
/// against the folder, symbolic links included (`/lib -> usr/lib`, or an absolute
/// link from a `--base` rootfs), so nothing is ever written outside it.
struct StagedRoot {
  /// The folder holding the root.
  let folder: String
  private let files = FileManager.default

  /// `relative` (`/usr/lib/x`) as a host path inside the folder, every symbolic link
  /// of the root followed within the root.
  func resolve(_ path: String, followLast: Bool = true) -> String {
    var components = path.split(separator: "/").map(String.init)
    var resolved: [String] = []
    var hops = 0
    while !components.isEmpty {
      let component = components.removeFirst()
      if component == "." || component.isEmpty { continue }
      if component == ".." {
        _ = resolved.popLast()
        continue
      }
      let candidate = folder + "/" + (resolved + [component]).joined(separator: "/")
      let isLast = components.isEmpty
      if (!isLast || followLast), hops < 40,
        let target = try? files.destinationOfSymbolicLink(atPath: candidate)
      {
        hops += 1
        if target.hasPrefix("/") { resolved = [] }
        components = target.split(separator: "/").map(String.init) + components
        continue
      }
      resolved.append(component)
    }
    return folder + "/" + resolved.joined(separator: "/")
  }

  /// Whether `path` exists in the root (following links within it).
  func exists(_ path: String) -> Bool { files.fileExists(atPath: resolve(path)) }

  /// Makes the folder `path` (and its parents) in the root.
  func makeDirectory(_ path: String, permissions: Int = 0o755) throws {
    let target = resolve(path)
    try files.createDirectory(atPath: target, withIntermediateDirectories: true)
    try files.setAttributes([.posixPermissions: permissions], ofItemAtPath: target)
  }

  /// Copies the host file `source` (its content, links followed) to `path` in the root.
  func copy(_ source: String, to path: String) throws {
    let parent = (path as NSString).deletingLastPathComponent
    try makeDirectory(parent.isEmpty ? "/" : parent)
    let target = resolve(path)
    if files.fileExists(atPath: target)
      || (try? files.destinationOfSymbolicLink(atPath: target)) != nil
    {
      try files.removeItem(atPath: target)
    }
    guard let resolved = realpath(source, nil) else {
      throw ShoalError(.invalidValue, "cannot read \(source): \(String(cString: strerror(errno)))")
    }
    let real = String(cString: resolved)
    free(resolved)
    try files.copyItem(atPath: real, toPath: target)
    let mode = (try? files.attributesOfItem(atPath: real)[.posixPermissions] as? Int) ?? 0o755
    try files.setAttributes([.posixPermissions: mode], ofItemAtPath: target)
  }

  /// Makes `path` a symbolic link to `target`, unless `path` already exists.
  func link(_ path: String, to target: String) throws {
    let parent = (path as NSString).deletingLastPathComponent
    try makeDirectory(parent.isEmpty ? "/" : parent)
    let location = resolve(path, followLast: false)
    if files.fileExists(atPath: location)
      || (try? files.destinationOfSymbolicLink(atPath: location)) != nil
    {
      return
    }
    try files.createSymbolicLink(atPath: location, withDestinationPath: target)
  }

  /// Writes `text` to `path` unless the file already exists (a base rootfs keeps its own).
  func writeIfMissing(_ path: String, _ text: String) throws {
    guard !exists(path) else { return }
    let parent = (path as NSString).deletingLastPathComponent
    try makeDirectory(parent.isEmpty ? "/" : parent)
    try text.write(toFile: resolve(path), atomically: false, encoding: .utf8)
  }
}
