import Shoal
import ShoalCore
import Testing

/// `dashboard:` in clusters.yaml: its forms, and located errors for bad ones.
@Suite struct DashboardConfigTests {
  func cluster(_ settings: String) throws -> ClusterSpec {
    let yaml = """
      version: 1
      clusters:
        c:
      \(settings)
      """
    return try ShoalConfig.parse(yaml, file: "c.yaml", environment: [:]).cluster(named: "c")
  }

  @Test func defaultsToLoopbackAndAnyFreePort() throws {
    let spec = try cluster("    cluster_kwargs: {n_workers: 1}")
    #expect(spec.dashboard == DashboardSetting(host: "127.0.0.1", port: 0))
    #expect(spec.dashboard?.isLoopback == true)
  }

  @Test func acceptsAddressesFalseAndTrue() throws {
    #expect(try cluster("    dashboard: {address: 127.0.0.1:8787}").dashboard?.port == 8787)
    #expect(try cluster("    dashboard: {address: ':0'}").dashboard == .standard)
    #expect(try cluster("    dashboard: false").dashboard == nil)
    #expect(try cluster("    dashboard: true").dashboard == .standard)
    let wide = try #require(try cluster("    dashboard: {address: '0.0.0.0:9000'}").dashboard)
    #expect(!wide.isLoopback)
    #expect(try cluster("    dashboard: {address: '[::1]:9001'}").dashboard?.host == "::1")
  }

  @Test func aBadAddressIsReportedWhereItIs() throws {
    let error = try #require(throws: ShoalError.self) {
      try cluster("    dashboard: {address: 127.0.0.1:99999}")
    }
    #expect(error.location?.line == 4)
    #expect("\(error)".contains("HOST:PORT"))
    #expect("\(error)".contains("99999"))
    #expect(error.hint?.contains("dashboard: false") == true)
  }

  @Test func anUnknownKeyIsReportedWithASuggestion() throws {
    let error = try #require(throws: ShoalError.self) {
      try cluster("    dashboard: {adress: 127.0.0.1:8787}")
    }
    #expect("\(error)".contains("`adress`"))
    #expect("\(error)".contains("address"))
    #expect(error.location?.line == 4)
  }

  @Test func aWrongTypeIsReported() throws {
    let error = try #require(throws: ShoalError.self) { try cluster("    dashboard: [1, 2]") }
    #expect("\(error)".contains("expected a mapping with `address`, or false"))
  }

  @Test func anExistingClusterHasNoDashboardToServe() throws {
    let error = try #require(throws: ShoalError.self) {
      try cluster("    address: tcp://127.0.0.1:8786\n    dashboard: {address: ':0'}")
    }
    #expect("\(error)".contains("cannot be combined with `dashboard`"))
  }

  @Test func parsesCommandLineAddresses() {
    #expect(DashboardSetting.parse(":0") == .standard)
    #expect(DashboardSetting.parse("localhost:80")?.isLoopback == true)
    #expect(DashboardSetting.parse("127.0.0.1") == nil)
    #expect(DashboardSetting.parse("::1:80") == nil)
    #expect(DashboardSetting.parse("host:-1") == nil)
  }
}
