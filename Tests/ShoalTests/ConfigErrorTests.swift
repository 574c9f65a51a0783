import Shoal
import ShoalCore
import ShoalTestSupport
import Testing

/// Every bad `clusters.yaml` the parser rejects: the code, the position and the message.
@Suite struct ConfigErrorTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var yaml: String
    var code: ShoalError.Code
    /// `LINE:COL` expected in the message.
    var position: String
    var message: String
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(
      name: "syntax error", yaml: "clusters:\n  a: {n: 1\n", code: .invalidConfig,
      position: "3:1", message: "invalid YAML"),
    Case(
      name: "tab indentation", yaml: "clusters:\n\ta: {}\n", code: .invalidConfig,
      position: "2:1", message: "invalid YAML"),
    Case(
      name: "empty file", yaml: "", code: .invalidConfig, position: "1:1",
      message: "the file is empty"),
    Case(
      name: "only comments", yaml: "# nothing\n", code: .invalidConfig, position: "1:1",
      message: "the file is empty"),
    Case(
      name: "list at top level", yaml: "- a\n- b\n", code: .invalidConfig, position: "1:1",
      message: "expected a mapping at the top level"),
    Case(
      name: "scalar at top level", yaml: "hello\n", code: .invalidConfig, position: "1:1",
      message: "expected a mapping at the top level"),
    Case(
      name: "duplicate key", yaml: "clusters:\n  a: {}\n  a: {}\n", code: .invalidConfig,
      position: "2:3", message: "duplicate key `a`"),
    Case(
      name: "unknown top-level key", yaml: "version: 1\nclusterz:\n  a: {}\nclusters:\n  a: {}\n",
      code: .unknownKey, position: "2:1",
      message: "unknown key `clusterz`; did you mean `clusters`?"),
    Case(
      name: "unknown cluster key", yaml: "clusters:\n  a:\n    cluster_kwarg: {}\n",
      code: .unknownKey, position: "3:5",
      message: "clusters.a: unknown key `cluster_kwarg`; did you mean `cluster_kwargs`?"),
    Case(
      name: "unknown adapt key", yaml: "clusters:\n  a:\n    adapt_kwargs: {maximun: 3}\n",
      code: .unknownKey, position: "3:20",
      message: "clusters.a.adapt_kwargs: unknown key `maximun`; did you mean `maximum`?"),
    Case(
      name: "unknown timeouts key", yaml: "clusters:\n  a:\n    timeouts: {begin: 3}\n",
      code: .unknownKey, position: "3:16", message: "clusters.a.timeouts: unknown key `begin`"),
    Case(
      name: "missing clusters", yaml: "version: 1\n", code: .missingKey, position: "1:1",
      message: "missing required key `clusters`"),
    Case(
      name: "no clusters", yaml: "clusters: {}\n", code: .invalidConfig, position: "1:11",
      message: "clusters: no clusters declared"),
    Case(
      name: "clusters not a mapping", yaml: "clusters: [a, b]\n", code: .typeMismatch,
      position: "1:11", message: "clusters: expected a mapping of cluster names"),
    Case(
      name: "cluster not a mapping", yaml: "clusters:\n  a: 3\n", code: .typeMismatch,
      position: "2:6", message: "clusters.a: expected a mapping of cluster settings"),
    Case(
      name: "adapt_kwargs not a mapping", yaml: "clusters:\n  a:\n    adapt_kwargs: 3\n",
      code: .typeMismatch, position: "3:19",
      message: "clusters.a.adapt_kwargs: expected a mapping, found \"3\""),
    Case(
      name: "cluster_kwargs not a mapping", yaml: "clusters:\n  a:\n    cluster_kwargs: [1]\n",
      code: .typeMismatch, position: "3:21",
      message: "clusters.a.cluster_kwargs: expected a mapping of backend options, found a list"),
    Case(
      name: "adapt minimum not an integer",
      yaml: "clusters:\n  a:\n    adapt_kwargs: {minimum: four}\n", code: .typeMismatch,
      position: "3:29",
      message: "clusters.a.adapt_kwargs.minimum: expected an integer, found \"four\""),
    Case(
      name: "minimum greater than maximum",
      yaml: "clusters:\n  a:\n    adapt_kwargs: {minimum: 5, maximum: 2}\n",
      code: .invalidValue, position: "3:29",
      message: "clusters.a.adapt_kwargs.minimum: minimum (5) is greater than maximum (2)"),
    Case(
      name: "negative minimum", yaml: "clusters:\n  a:\n    adapt_kwargs: {minimum: -1}\n",
      code: .invalidValue, position: "3:29", message: "minimum must be from 0 to 100000, found -1"),
    Case(
      name: "negative maximum", yaml: "clusters:\n  a:\n    adapt_kwargs: {maximum: -2}\n",
      code: .invalidValue, position: "3:29", message: "maximum must be from 0 to 100000, found -2"),
    Case(
      name: "bad interval", yaml: "clusters:\n  a:\n    adapt_kwargs: {interval: soon}\n",
      code: .invalidValue, position: "3:30", message: "expected a duration"),
    Case(
      name: "zero timeout", yaml: "clusters:\n  a:\n    timeouts: {start: 0}\n",
      code: .invalidValue, position: "3:23",
      message: "clusters.a.timeouts.start: start must be greater than 0"),
    Case(
      name: "address with cluster_class",
      yaml: "clusters:\n  a:\n    address: tcp://h:1\n    cluster_class: X.Y\n",
      code: .invalidConfig, position: "4:5",
      message:
        "`address` connects to an existing cluster and cannot be combined with `cluster_class`"),
    Case(
      name: "address with cluster_kwargs",
      yaml: "clusters:\n  a:\n    cluster_kwargs: {}\n    address: tcp://h:1\n",
      code: .invalidConfig, position: "3:5", message: "cannot be combined with `cluster_kwargs`"),
    Case(
      name: "address with adapt_kwargs",
      yaml: "clusters:\n  a:\n    address: tcp://h:1\n    adapt_kwargs: {maximum: 2}\n",
      code: .invalidConfig, position: "4:5", message: "cannot be combined with `adapt_kwargs`"),
    Case(
      name: "malformed address", yaml: "clusters:\n  a:\n    address: scheduler\n",
      code: .invalidValue, position: "3:14",
      message: "expected a scheduler address `tcp://HOST:PORT`"),
    Case(
      name: "default not declared", yaml: "default: lcoal\nclusters:\n  local: {}\n  b: {}\n",
      code: .unknownCluster, position: "1:10",
      message: "`default` names cluster `lcoal`, which is not declared; did you mean `local`?"),
    Case(
      name: "unsupported version", yaml: "version: 2\nclusters:\n  a: {}\n", code: .invalidConfig,
      position: "1:10", message: "version: unsupported version 2; this shoal reads version 1"),
    Case(
      name: "version not an integer", yaml: "version: one\nclusters:\n  a: {}\n",
      code: .typeMismatch, position: "1:10", message: "version: expected an integer, found \"one\""),
    Case(
      name: "import path with empty module", yaml: "clusters:\n  a:\n    cluster_class: ..Foo\n",
      code: .invalidImportPath, position: "3:20",
      message: "import path `..Foo` has more than one `.`"),
    Case(
      name: "import path with empty name", yaml: "clusters:\n  a:\n    cluster_class: Foo.\n",
      code: .invalidImportPath, position: "3:20", message: "import path `Foo.` has an empty part"),
    Case(
      name: "empty import path", yaml: "clusters:\n  a:\n    cluster_class: \"\"\n",
      code: .invalidImportPath, position: "3:20", message: "import path `` is empty"),
    Case(
      name: "null import path", yaml: "clusters:\n  a:\n    cluster_class:\n",
      code: .invalidImportPath, position: "3:19", message: "is empty"),
    Case(
      name: "import path not an identifier",
      yaml: "clusters:\n  a:\n    cluster_class: 9Lives.Cat\n",
      code: .invalidImportPath, position: "3:20",
      message: "`9Lives`, which is not a Swift identifier"),
    Case(
      name: "bad cluster name", yaml: "clusters:\n  my.cluster: {}\n", code: .invalidValue,
      position: "2:3", message: "cluster name `my.cluster` may only contain"),
    Case(
      name: "unset variable", yaml: "clusters:\n  a:\n    cluster_kwargs: {image: \"${IMAGE}\"}\n",
      code: .invalidValue, position: "3:29",
      message: "clusters.a.cluster_kwargs.image: environment variable `IMAGE` is not set"),
    Case(
      name: "plugin_path not a string", yaml: "plugin_path: {a: 1}\nclusters:\n  a: {}\n",
      code: .typeMismatch, position: "1:14", message: "plugin_path: expected a folder or a list"),
    Case(
      name: "non-scalar key", yaml: "clusters:\n  [a, b]: {}\n", code: .invalidConfig,
      position: "2:3", message: "mapping keys must be plain names"),
  ]

  @Test(arguments: cases) func rejects(_ bad: Case) throws {
    let error = try LocatedError.expectParse(
      bad.yaml, throws: ShoalError.self, position: bad.position, message: bad.message
    ) { _ = try ShoalConfig.parse($0, file: $1, environment: [:]) }
    #expect(error.code == bad.code, "\(error)")
  }
}

/// Issue 17: independent problems of one file are reported together.
@Suite struct SeveralConfigErrorsTests {
  @Test func everyIndependentProblemIsReported() throws {
    let yaml = """
      versoin: 1
      clusters:
        a:
          adapt_kwargs: {minimum: 3, maximum: 1}
        b:
          address: nowhere
        c:
          timeouts: {stop: never}
      """
    let errors = try #require(throws: ConfigErrors.self) {
      try ShoalConfig.parse(yaml, file: "bad.yaml", environment: [:])
    }
    #expect(errors.errors.map { $0.location?.line } == [1, 4, 6, 8], "\(errors)")
    #expect(errors.description.split(separator: "\n").count >= 4)
  }

  @Test func oneProblemIsThrownAsItself() throws {
    #expect(throws: ShoalError.self) {
      try ShoalConfig.parse("clusters:\n  a: {address: x}\n", file: "bad.yaml", environment: [:])
    }
  }

  @Test func addressAcceptsHostPortAndIsStoredWithTheScheme() throws {
    let config = try ShoalConfig.parse(
      "clusters:\n  a: {address: 'localhost:8786', token_file: /s17/token}\n", file: "c.yaml",
      environment: [:])
    #expect(config.clusters[0].address == "tcp://localhost:8786")
    #expect(config.clusters[0].tokenFile == "/s17/token")
  }
}
