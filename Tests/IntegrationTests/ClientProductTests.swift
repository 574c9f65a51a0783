import Foundation
import ShoalTestSupport
import Testing

/// The `ShoalClient` product is the light client: what an app that only submits tasks
/// links. Its dependency closure, read from the manifest as SwiftPM sees it, holds the
/// wire module, the SDK's error and task types, SwiftNIO and swift-nio-ssl: no Yams, no
/// scheduler, no plugin host, no Hummingbird, no certificate maker. The `Shoal` product still carries it (re-exported).
@Suite struct ClientProductTests {
  /// A target of the manifest: the targets and the packages it depends on.
  struct Node {
    var targets: [String] = []
    var packages: [String] = []
  }

  func manifest() throws -> (products: [String: [String]], targets: [String: Node]) {
    // Its own scratch folder: the test runs under `swift test`, which holds .build's lock.
    let scratch = try TemporaryDirectory.make("s18-dump")
    let output = try CommandRunner.run(
      "/usr/bin/env",
      [
        "swift", "package", "--package-path", BuildProducts.repositoryRoot, "--scratch-path",
        scratch, "dump-package",
      ],
      timeout: 300)
    try #require(output.status == 0, "\(output.stderr)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
    var products: [String: [String]] = [:]
    for product in object["products"] as? [[String: Any]] ?? [] {
      if let name = product["name"] as? String { products[name] = product["targets"] as? [String] }
    }
    var targets: [String: Node] = [:]
    for target in object["targets"] as? [[String: Any]] ?? [] {
      guard let name = target["name"] as? String else { continue }
      var node = Node()
      for dependency in target["dependencies"] as? [[String: Any]] ?? [] {
        if let byName = dependency["byName"] as? [Any], let first = byName.first as? String {
          node.targets.append(first)
        } else if let named = dependency["target"] as? [Any], let first = named.first as? String {
          node.targets.append(first)
        } else if let product = dependency["product"] as? [Any], product.count > 1,
          let package = product[1] as? String
        {
          node.packages.append(package)
        }
      }
      targets[name] = node
    }
    return (products, targets)
  }

  /// Every target `roots` reach, and every package those targets use.
  func closure(_ roots: [String], in targets: [String: Node]) -> (Set<String>, Set<String>) {
    var seen = Set<String>()
    var packages = Set<String>()
    var pending = roots
    while let name = pending.popLast() {
      guard seen.insert(name).inserted else { continue }
      let node = targets[name] ?? Node()
      packages.formUnion(node.packages)
      pending += node.targets
    }
    return (seen, packages)
  }

  @Test func theLightClientLinksNeitherYAMLNorTheSchedulerNorAnHTTPServer() throws {
    let (products, targets) = try manifest()
    let client = try #require(products["ShoalClient"], "no ShoalClient product")
    let (reached, packages) = closure(client, in: targets)
    #expect(reached.contains("ShoalClient") && reached.contains("ShoalWire"))
    for heavy in ["Shoal", "ShoalScheduler", "ShoalWorker", "ShoalPluginHost", "ShoalDashboard"] {
      #expect(!reached.contains(heavy), "ShoalClient reaches \(heavy): \(reached.sorted())")
    }
    // SwiftNIO, and swift-nio-ssl for mutual TLS. A client only loads certificates:
    // the packages that make them (swift-certificates, swift-crypto: a second BoringSSL)
    // belong to ShoalCertificateAuthority, which the client does not reach.
    #expect(!reached.contains("ShoalCertificateAuthority"), "\(reached.sorted())")
    let allowed: Set<String> = ["swift-nio", "swift-nio-ssl"]
    #expect(
      packages.isSubset(of: allowed),
      "ShoalClient uses packages beyond SwiftNIO and TLS: \(packages.subtracting(allowed).sorted())"
    )

    let full = try #require(products["Shoal"])
    let (fullReach, fullPackages) = closure(full, in: targets)
    #expect(fullReach.contains("ShoalClient"), "the Shoal product no longer carries the client")
    #expect(fullPackages.contains("Yams"))
    // The full product makes a cluster's certificates itself.
    #expect(fullReach.contains("ShoalCertificateAuthority"))
    #expect(fullPackages.isSuperset(of: ["swift-certificates", "swift-crypto"]))
  }
}
