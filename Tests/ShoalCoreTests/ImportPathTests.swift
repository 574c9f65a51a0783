import ShoalCore
import Testing

@Suite struct ImportPathTests {
  @Test func parsesModuleAndName() throws {
    let path = try ImportPath(parsing: "SSHBackend.SSHCluster")
    #expect(path.module == "SSHBackend")
    #expect(path.name == "SSHCluster")
    #expect(try ImportPath(parsing: "LocalCluster").module == nil)
  }

  @Test(arguments: ["", "..Foo", "Foo.", ".Foo", "a.b.c", "9Lives.X", "My-Backend.X"])
  func rejectsMalformed(text: String) {
    let error = #expect(throws: ShoalError.self) { try ImportPath(parsing: text) }
    #expect(error?.code == .invalidImportPath)
    #expect(error?.hint?.contains("Module.Type") == true)
  }

  @Test func suggestsCloseNames() {
    #expect(
      Suggestion.closest(to: "SSHClustr", in: ["SSHCluster", "LocalCluster"]) == "SSHCluster")
    #expect(Suggestion.closest(to: "zzz", in: ["SSHCluster"]) == nil)
  }
}
