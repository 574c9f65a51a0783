import ShoalTestSupport
import Testing

/// Every `--... SECONDS` and worker-count option has a range: a value outside it is a
/// clear error and a non-zero exit, never a trap (`Int64(1e300 * 1000)` was SIGILL).
@Suite struct CommandLineRangeTests {
  @Test(arguments: [
    (
      ["scheduler", "--heartbeat-timeout", "1e300"],
      "--heartbeat-timeout must be a number of seconds"
    ),
    (
      ["scheduler", "--heartbeat-timeout", "nan"], "--heartbeat-timeout must be a number of seconds"
    ),
    (
      ["scheduler", "--retry-limit", "9223372036854775807"], "--retry-limit must be from 0 to 1000"
    ),
    (["run", "--timeout", "1e300", "--", "true"], "--timeout must be a number of seconds"),
    (
      ["run", "--connect-timeout", "inf", "--", "true"],
      "--connect-timeout must be a number of seconds"
    ),
    (
      ["worker", "tcp://127.0.0.1:1", "--drain-grace", "1e20"],
      "--drain-grace must be a number of seconds"
    ),
    (["worker", "tcp://127.0.0.1:1", "--nthreads", "100000"], "--nthreads must be from 1 to 4096"),
    (["ps", "--timeout", "1e300"], "--timeout must be a number of seconds"),
    (["scale", "c", "9223372036854775807"], "the number of workers must be from 0 to 100000"),
    (["adapt", "c", "--maximum", "1000000"], "--maximum must be from 0 to 100000"),
  ])
  func refusesOutOfRangeNumbers(_ arguments: [String], _ message: String) throws {
    let output = try CommandRunner.shoal(arguments, timeout: 30)
    #expect(output.status == 64, "\(arguments): status \(output.status)\n\(output.stderr)")
    #expect(output.stderr.contains(message), "\(arguments): \(output.stderr)")
    #expect(output.stderr.contains("365 days") || !message.contains("seconds"))
  }
}
