import ExampleTasks
import Foundation
import Shoal
import ShoalCore

// executor-app ADDRESS (see README.md): runs typed tasks from ExampleTasks on the cluster at ADDRESS
// (token in $SHOAL_TOKEN) and prints what came back. Its workers must load the task
// library: `shoal worker ADDRESS --tasks ExampleTasks`, with libExampleTasks.so on
// SHOAL_PLUGIN_PATH.

let arguments = CommandLine.arguments.dropFirst()
guard let address = arguments.first, let token = ProcessInfo.processInfo.environment["SHOAL_TOKEN"]
else {
  FileHandle.standardError.write(Data("usage: SHOAL_TOKEN=... executor-app tcp://HOST:PORT\n".utf8))
  exit(2)
}

do {
  let executor = try await Executor.connect(address: address, token: token)

  // A typed map: inputs and outputs are Swift values, checked on both ends.
  let squares = try await executor.map(Square.self, Array(1...10))
  print("squares: \(squares.map(String.init).joined(separator: " "))")
  print("sum of squares: \(squares.reduce(0, +))")

  // One call, awaited by its typed handle.
  let counts = try await executor.submit(
    WordCount.self, "the quick fox and the lazy dog and the cat"
  ).value
  print(
    "word counts: \(counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
  )

  // A task that throws is a failed result, not a lost one.
  do {
    _ = try await executor.submit(CheckedRoot.self, -4).value
    print("CheckedRoot(-4): unexpectedly succeeded")
  } catch let error as TaskError {
    print("CheckedRoot(-4) failed as expected: \(error.result.message ?? "\(error)")")
  }

  await executor.close()
} catch {
  FileHandle.standardError.write(Data("executor-app: error: \(error)\n".utf8))
  exit(1)
}
