import Shoal
import ShoalCore
import Testing

@Suite struct ExpansionTests {
  let expansion = Expansion(environment: ["HOME": "/home/u", "USER": "ann", "EMPTY": ""])

  @Test func expandsVariablesAndDefaults() throws {
    #expect(try expansion.expand("${USER}@host") == "ann@host")
    #expect(try expansion.expand("${MISSING:-fallback}") == "fallback")
    #expect(try expansion.expand("${EMPTY:-fallback}") == "fallback")
    #expect(try expansion.expand("${USER:-x}-${USER}") == "ann-ann")
    #expect(try expansion.expand("${MISSING:-}") == "")
    #expect(try expansion.expand("${EMPTY}") == "")
  }

  @Test func leavesShellTextAlone() throws {
    #expect(try expansion.expand("echo $1 $HOME $") == "echo $1 $HOME $")
    #expect(try expansion.expand("literal $${USER}") == "literal ${USER}")
    #expect(try expansion.expand("a~b") == "a~b")
    #expect(try expansion.expand("~user/x") == "~user/x")
  }

  @Test func expandsTheHomeFolder() throws {
    #expect(try expansion.expand("~/.ssh/id") == "/home/u/.ssh/id")
    #expect(try expansion.expand("~", quoted: true) == "/home/u")
    #expect(try expansion.expand("~", quoted: false) == "~")
    #expect(try Expansion(environment: ["H": "/x"]).expand("${H}/y") == "/x/y")
  }

  @Test func reportsUnsetAndMalformedReferences() throws {
    let here = SourceLocation(file: "c.yaml", line: 4, column: 9)
    let unset = try #require(throws: ShoalError.self) {
      try expansion.expand("${NOPE}/x", location: here, keyPath: "clusters.a.cluster_kwargs.dir")
    }
    #expect(
      unset.description.hasPrefix(
        "c.yaml:4:9: clusters.a.cluster_kwargs.dir: environment variable `NOPE` is not set"))
    #expect(unset.hint?.contains("${NOPE:-VALUE}") == true)
    let open = try #require(throws: ShoalError.self) { try expansion.expand("${USER") }
    #expect(open.message.contains("unterminated"))
    let bad = try #require(throws: ShoalError.self) { try expansion.expand("${1X}") }
    #expect(bad.message.contains("not a valid variable reference"))
    let noHome = try #require(throws: ShoalError.self) {
      try Expansion(environment: [:]).expand("~/x")
    }
    #expect(noHome.message.contains("HOME is not set"))
  }

  @Test func expandsInsideTheConfigButNotInKeys() throws {
    let config = try ShoalConfig.parse(
      """
      clusters:
        a:
          cluster_kwargs:
            ${KEY}: ${VALUE}
            count: ${N:-3}
      """, file: "c.yaml", environment: ["KEY": "k", "VALUE": "v"])
    let kwargs = try config.cluster(named: "a").clusterKwargs
    #expect(kwargs.keys == ["${KEY}", "count"])
    #expect(kwargs["${KEY}"]?.description == "v")
    struct Count: Decodable {
      var count: Int; var key: String?
      enum CodingKeys: String, CodingKey { case count; case key = "${KEY}" }
    }
    #expect(try kwargs.decode(Count.self).count == 3)
  }
}
