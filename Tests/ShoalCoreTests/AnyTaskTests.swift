import Foundation
import ShoalCore
import Testing

/// Returns its input.
struct Identity: TaskFunction {
  init() {}
  func run(_ input: Int) async throws -> Int { input }
}

/// `AnyTask` reads and writes a plain `Int` without Foundation when it is in canonical
/// form; the bytes must be exactly what Foundation's JSON coders make of it.
@Suite struct AnyTaskTests {
  static let inputs = [
    "0", "7", "-42", "999999999999999999", "-999999999999999999", "9223372036854775807",
    "-9223372036854775808", "9223372036854775808", "-0", "007", " 7", "7 ", "+7", "4.0", "1e2",
    "", "-", "x", "\"7\"", "null",
  ]

  @Test(arguments: inputs)
  func anIntTaskMatchesFoundationsJSON(_ input: String) async throws {
    let foundation: [UInt8]?
    if let value = try? JSONDecoder().decode(Int.self, from: Data(input.utf8)) {
      foundation = Array(try JSONEncoder().encode(value))
    } else {
      foundation = nil
    }
    let task = AnyTask(Identity.self)
    let output = try? await task.run(Array(input.utf8))
    #expect(output == foundation)
  }
}
