import Foundation
import ShoalCore
import ShoalPluginHost
import ShoalTestSupport
import ShoalWire
import ShoalWorker
import Testing

/// A loader that sees only the build folder (where `libTestTasks.so` is).
func buildFolderLoader() -> PluginLoader {
  PluginLoader(
    searchPath: PluginSearchPath(folders: [
      .init(path: BuildProducts.directory, origin: "the build folder")
    ]))
}

func encode<T: Encodable>(_ value: T) -> [UInt8] { Array(try! JSONEncoder().encode(value)) }

@Suite("SwiftTaskRunner")
struct SwiftTaskRunnerTests {
  let runner: SwiftTaskRunner

  init() throws {
    runner = try SwiftTaskRunner(loader: buildFolderLoader(), preload: ["TestTasks"])
  }

  func call(
    _ name: String, library: String = "TestTasks", input: [UInt8], inputType: String = "Swift.Int",
    outputType: String = "Swift.Int"
  ) -> SwiftTaskCall {
    SwiftTaskCall(
      library: library, name: name, inputType: inputType, outputType: outputType, input: input)
  }

  @Test func runsATaskFromALibrary() async throws {
    let result = await runner.run(call("Square", input: encode(12)))
    #expect(result.status == .succeeded)
    #expect(try JSONDecoder().decode(Int.self, from: Data(result.output)) == 144)
    #expect(runner.loadedLibraries == ["Builtin", "TestTasks"])
  }

  @Test func structuredInput() async throws {
    let result = await runner.run(
      call(
        "Describe", input: Array(#"{"x": 3, "y": -4}"#.utf8), inputType: "TestTasks.Describe.Point",
        outputType: "Swift.String"))
    #expect(result.status == .succeeded)
    #expect(try JSONDecoder().decode(String.self, from: Data(result.output)) == "(3, -4)")
  }

  @Test func builtinTasks() async throws {
    let noop = await runner.run(call("noop", library: "Builtin", input: encode(0)))
    #expect(noop.status == .succeeded)
    let sleep = await runner.run(call("sleep", library: "Builtin", input: encode(20)))
    #expect(sleep.status == .succeeded)
    #expect(try JSONDecoder().decode(Int.self, from: Data(sleep.output)) == 20)
    let echo = await runner.run(
      call(
        "echo", library: "Builtin", input: encode("hi"), inputType: "Swift.String",
        outputType: "Swift.String"))
    #expect(try JSONDecoder().decode(String.self, from: Data(echo.output)) == "hi")
    // The types a client that links ShoalWorker would send.
    #expect(Builtin.Sleep.inputTypeName == "Swift.Int")
    #expect(Builtin.Echo.name == "echo")
  }

  @Test func thrownErrorIsAFailedResult() async {
    let result = await runner.run(
      call("Fail", input: encode("on purpose"), inputType: "Swift.String"))
    #expect(result.status == .failed)
    #expect(result.message?.contains("Fail was asked to fail: on purpose") == true)
  }

  @Test func unknownTaskIsRejectedWithTheExports() async {
    let result = await runner.run(call("Sqaure", input: encode(1)))
    #expect(result.status == .rejected)
    let message = result.message ?? ""
    #expect(message.contains("no task `Sqaure` in task library TestTasks"))
    #expect(message.contains("Describe, Fail, SleepMillis, Spin, Square"))
    #expect(message.contains("did you mean `Square`?"))
  }

  @Test func unknownLibraryIsRejected() async {
    let result = await runner.run(call("Square", library: "NoSuchTasks", input: encode(1)))
    #expect(result.status == .rejected)
    #expect(result.message?.contains("task library NoSuchTasks is not loaded") == true)
    #expect(result.message?.contains("libNoSuchTasks.so") == true)
  }

  @Test func typeMismatchIsRejectedWithBothNames() async {
    let result = await runner.run(
      call("Square", input: encode("x"), inputType: "Swift.String", outputType: "Swift.Int"))
    #expect(result.status == .rejected)
    #expect(result.message?.contains("Swift.String -> Swift.Int") == true)
    #expect(result.message?.contains("Swift.Int -> Swift.Int") == true)
  }

  @Test func inputThatDoesNotDecodeIsRejected() async {
    let result = await runner.run(call("Square", input: Array(#""twelve""#.utf8)))
    #expect(result.status == .rejected)
    #expect(result.message?.contains("input does not decode as Swift.Int") == true)
  }

  @Test func missingLibraryAtStartIsAnError() {
    #expect(throws: ShoalError(.pluginNotFound, "")) {
      try SwiftTaskRunner(loader: buildFolderLoader(), preload: ["NoSuchTasks"])
    }
  }

  @Test func timeoutCancelsASwiftTask() async {
    let tasks = TaskRunner(shell: ShellTaskRunner(), swift: runner, workerName: "w")
    let result = await tasks.run(
      TaskSpec(.swift(call("SleepMillis", input: encode(30_000))), timeout: .milliseconds(200)))
    #expect(result.status == .timedOut)
    #expect(result.worker == "w")
  }
}
