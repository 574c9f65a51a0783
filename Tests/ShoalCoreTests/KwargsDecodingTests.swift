import ShoalCore
import Testing

@Suite struct KwargsDecodingTests {
  struct WorkerOptions: Decodable { var nthreads: Int? }
  struct Options: Decodable {
    var n_workers: Int?
    var threads_per_worker: Int?
    var worker_options: WorkerOptions?
    var env: [String: String]?
    var hosts: [String]?
  }

  /// A node as the config parser builds it: positions on every node.
  func node(_ shape: Kwargs.Shape, line: Int, column: Int) -> Kwargs {
    Kwargs(shape, location: SourceLocation(file: "clusters.yaml", line: line, column: column))
  }

  @Test func decodesTypedValues() throws {
    let kwargs: Kwargs = [
      "n_workers": 4, "worker_options": ["nthreads": 2], "env": ["A": "1"], "hosts": ["a", "b"],
    ]
    let options = try kwargs.rooted(at: "clusters.x.cluster_kwargs").decode(Options.self)
    #expect(options.n_workers == 4)
    #expect(options.worker_options?.nthreads == 2)
    #expect(options.env == ["A": "1"])
    #expect(options.hosts == ["a", "b"])
  }

  @Test func typeErrorCarriesPathAndPosition() throws {
    let nthreads = node(.scalar("four", quoted: false), line: 7, column: 30)
    let kwargs = Kwargs(
      .map([
        (
          key: "worker_options", keyLocation: nil,
          value: node(
            .map([(key: "nthreads", keyLocation: nil, value: nthreads)]), line: 7, column: 18)
        )
      ])
    ).rooted(at: "clusters.lab.cluster_kwargs")
    let error = #expect(throws: ShoalError.self) { try kwargs.decode(Options.self) }
    #expect(error?.code == .typeMismatch)
    #expect(
      error?.description
        == "clusters.yaml:7:30: clusters.lab.cluster_kwargs.worker_options.nthreads: expected an integer, found \"four\""
    )
  }

  @Test func unknownKeySuggestsTheClosest() throws {
    let location = SourceLocation(file: "c.yaml", line: 3, column: 5)
    let kwargs = Kwargs(
      .map([(key: "thread_per_worker", keyLocation: location, value: 2)])
    ).rooted(at: "clusters.local.cluster_kwargs")
    let error = #expect(throws: ShoalError.self) { try kwargs.decode(Options.self) }
    #expect(error?.code == .unknownKey)
    #expect(error?.location == location)
    #expect(error?.message == "unknown key `thread_per_worker`; did you mean `threads_per_worker`?")
  }

  @Test func unknownKeyInNestedMapping() throws {
    let kwargs: Kwargs = ["worker_options": ["nthread": 1]]
    let error = #expect(throws: ShoalError.self) { try kwargs.decode(Options.self) }
    #expect(error?.keyPath == "worker_options")
    #expect(error?.message.contains("did you mean `nthreads`?") == true)
  }

  @Test func wrongShapeIsReported() throws {
    let kwargs: Kwargs = ["hosts": "node1"]
    let error = #expect(throws: ShoalError.self) { try kwargs.decode(Options.self) }
    #expect(error?.message == "expected a list, found \"node1\"")
    #expect(error?.keyPath == "hosts")
  }

  @Test func yamlBooleansStayStringsUntilAskedFor() throws {
    struct Policy: Decodable { var strict_host_key_checking: String; var enabled: Bool }
    let kwargs = Kwargs(
      .map([
        (
          key: "strict_host_key_checking", keyLocation: nil,
          value: Kwargs(.scalar("yes", quoted: false))
        ),
        (key: "enabled", keyLocation: nil, value: Kwargs(.scalar("on", quoted: false))),
      ]))
    let policy = try kwargs.decode(Policy.self)
    #expect(policy.strict_host_key_checking == "yes")
    #expect(policy.enabled)
  }

  @Test func missingRequiredKey() throws {
    struct Needs: Decodable { var image: String }
    let error = #expect(throws: ShoalError.self) { try Kwargs.empty(path: "k").decode(Needs.self) }
    #expect(error?.code == .missingKey)
    #expect(error?.message == "missing required key `image`")
  }

  @Test func nullDecodesAsEmptyMapping() throws {
    let options = try Kwargs(.null).decode(Options.self)
    #expect(options.n_workers == nil)
  }
}
