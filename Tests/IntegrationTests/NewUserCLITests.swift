import Foundation
import ShoalTestSupport
import Testing

/// Issue 17 (new-user polish), the parts that need no running cluster: `shoal init`,
/// the common options, validate's messages, `clusters`/`clusters show`, help text.
@Suite struct NewUserCLITests {
  /// A folder of its own, with no clusters.yaml, and a state folder in it.
  func isolated() throws -> (folder: String, environment: [String: String]) {
    let folder = try TemporaryDirectory.make("s17-cli")
    return (folder, ["SHOAL_STATE_DIR": folder + "/state", "HOME": folder])
  }

  @Test func initWritesAConfigThatValidatesAndKeepsAnExistingOne() throws {
    let (folder, environment) = try isolated()
    // Without a clusters.yaml, the commands that need one say how to get one.
    let missing = try CommandRunner.shoal(
      ["clusters"], environment: environment, currentDirectory: folder)
    #expect(missing.status == 1)
    #expect(missing.stderr.contains("run `shoal init`"), "\(missing.stderr)")

    let written = try CommandRunner.shoal(
      ["init"], environment: environment, currentDirectory: folder)
    #expect(written.status == 0, "\(written.stderr)")
    #expect(written.stdout.contains("wrote clusters.yaml"))
    let text = try String(contentsOfFile: folder + "/clusters.yaml", encoding: .utf8)
    #expect(text.contains("# Shoal clusters."))
    let valid = try CommandRunner.shoal(
      ["validate"], environment: environment, currentDirectory: folder)
    #expect(valid.status == 0, "\(valid.stderr)")
    #expect(valid.stdout.contains("OK, 2 clusters (local, burst); default: local"))

    let again = try CommandRunner.shoal(
      ["init"], environment: environment, currentDirectory: folder)
    #expect(again.status == 1)
    #expect(again.stderr.hasPrefix("error: clusters.yaml exists"), "\(again.stderr)")
    #expect(again.stderr.contains("--force"))
    #expect(try String(contentsOfFile: folder + "/clusters.yaml", encoding: .utf8) == text)

    let other = try CommandRunner.shoal(
      ["init", "--config", "ops/c.yaml"], environment: environment, currentDirectory: folder)
    #expect(other.status == 0, "\(other.stderr)")
    #expect(FileManager.default.fileExists(atPath: folder + "/ops/c.yaml"))
  }

  @Test(arguments: [
    ["ps"], ["down", "s17-none"], ["scale", "s17-none", "1"], ["adapt", "s17-none"],
    ["logs", "s17-none"], ["scheduler", "--port", "70000"],
    ["worker", "nowhere:1", "--nthreads", "0"],
    ["validate"], ["clusters"], ["plugins"], ["image", "build", "--build-dir", "/nonexistent/s17"],
    ["run", "--timeout", "0", "--", "true"], ["map", "-j", "0", "--", "true"],
  ])
  func everyCommandAcceptsTheCommonOptions(_ arguments: [String]) throws {
    let (folder, environment) = try isolated()
    let config = folder + "/clusters.yaml"
    try "version: 1\nclusters:\n  local: {}\n".write(
      toFile: config, atomically: true, encoding: .utf8)
    // Before a `--` (run, map), else at the end; a worker takes --config only (its
    // --plugin-path is its own option, for task libraries).
    let common =
      arguments[0] == "worker"
      ? ["--config", config] : ["--config", config, "--plugin-path", folder]
    var full = arguments
    full.insert(contentsOf: common, at: arguments.firstIndex(of: "--") ?? arguments.count)
    let result = try CommandRunner.shoal(
      full, environment: environment, currentDirectory: folder, timeout: 30)
    #expect(!result.stderr.contains("Unknown option"), "\(arguments): \(result.stderr)")
    // Each fails (or succeeds) on its own merits, not on the options.
    #expect(!result.stderr.contains("Unexpected argument"), "\(arguments): \(result.stderr)")
    #expect(!result.stderr.contains("Missing value"), "\(arguments): \(result.stderr)")
  }

  @Test func validateReportsEveryFileLevelErrorAtOnce() throws {
    let file = try TemporaryDirectory.write(
      """
      version: 1
      clusters:
        a:
          adapt_kwargs: {minimum: 5, maximum: 2}
        b:
          timeouts: {start: soon}
        c:
          address: nowhere
      default: a
      """)
    let result = try CommandRunner.shoal(["validate", "--config", file])
    #expect(result.status == 1)
    let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
    #expect(errors.count == 3, "\(result.stderr)")
    #expect(errors.first?.contains("\(file):4:") == true, "\(result.stderr)")
    #expect(errors.contains { $0.contains("\(file):6:") && $0.contains("timeouts") })
    #expect(errors.contains { $0.contains("\(file):8:") && $0.contains("address") })
  }

  @Test func validateAndClustersExplainAdjustedBounds() throws {
    let file = try TemporaryDirectory.write(
      """
      version: 1
      clusters:
        small:
          cluster_kwargs: {max_workers: 2}
          adapt_kwargs: {minimum: 1, maximum: 8}
      """)
    let validate = try CommandRunner.shoal(["validate", "--config", file])
    #expect(validate.status == 0, "\(validate.stderr)")
    #expect(
      validate.stdout.contains(
        "note: clusters.small.adapt_kwargs: maximum 8 lowered to 2, the most workers LocalBackend.LocalCluster can run"
      ), "\(validate.stdout)")
    #expect(validate.stdout.contains("max_workers"))
    #expect(validate.stdout.contains("effective bounds 1..2"))

    let list = try CommandRunner.shoal(["clusters", "--config", file])
    #expect(list.status == 0, "\(list.stderr)")
    #expect(list.stdout.contains("1..2 (declared 1..8)"), "\(list.stdout)")
    let json = try CommandRunner.shoal(["clusters", "--json", "--config", file])
    #expect(json.stdout.contains("\"effective_adapt\""), "\(json.stdout)")

    let show = try CommandRunner.shoal(["clusters", "show", "small", "--config", file])
    #expect(show.stdout.contains("minimum 1, maximum 2,"), "\(show.stdout)")
    #expect(show.stdout.contains("minimum 1, maximum 8 (maximum 8 lowered to 2"), "\(show.stdout)")
  }

  @Test func clustersShowFillsInAndLeavesOutWhatDoesNotApply() throws {
    let file = try TemporaryDirectory.write(
      """
      version: 1
      clusters:
        burst:
          adapt_kwargs: {minimum: 0, maximum: 4}
        shared:
          address: 127.0.0.1:8786
          token_file: s17-token
      """)
    let burst = try CommandRunner.shoal(["clusters", "show", "burst", "--config", file])
    #expect(burst.status == 0, "\(burst.stderr)")
    #expect(burst.stdout.contains("none given (the backend's defaults apply)"), "\(burst.stdout)")
    #expect(!burst.stdout.contains("{}"))
    #expect(burst.stdout.contains("timeouts:"))

    let shared = try CommandRunner.shoal(["clusters", "show", "shared", "--config", file])
    #expect(shared.status == 0, "\(shared.stderr)")
    #expect(shared.stdout.contains("tcp://127.0.0.1:8786"), "\(shared.stdout)")
    let folder = (file as NSString).deletingLastPathComponent
    #expect(shared.stdout.contains("token_file:"), "\(shared.stdout)")
    #expect(shared.stdout.contains("\(folder)/s17-token\n"), "\(shared.stdout)")
    #expect(!shared.stdout.contains("cluster_kwargs"))
    #expect(!shared.stdout.contains("timeouts"))
    #expect(!shared.stdout.contains("adapt_kwargs"))
    let json = try CommandRunner.shoal(["clusters", "show", "shared", "--json", "--config", file])
    #expect(!json.stdout.contains("cluster_kwargs"))
    #expect(!json.stdout.contains("timeouts"))
    #expect(!json.stdout.contains("null"))
  }

  @Test func addressAcceptsHostPortWithOrWithoutScheme() throws {
    let file = try TemporaryDirectory.write(
      "clusters:\n  a: {address: 127.0.0.1:8786}\n  b: {address: tcp://127.0.0.1:8787}\n")
    let list = try CommandRunner.shoal(["clusters", "--config", file])
    #expect(list.status == 0, "\(list.stderr)")
    #expect(list.stdout.contains("tcp://127.0.0.1:8786"))
    #expect(list.stdout.contains("tcp://127.0.0.1:8787"))
    let bad = try TemporaryDirectory.write("clusters:\n  a: {address: 127.0.0.1}\n")
    let refused = try CommandRunner.shoal(["validate", "--config", bad])
    #expect(refused.status == 1)
    #expect(
      refused.stderr.contains("expected a scheduler address `tcp://HOST:PORT` (or `HOST:PORT`)"))
    let orphan = try TemporaryDirectory.write("clusters:\n  a: {token_file: t}\n")
    let noAddress = try CommandRunner.shoal(["validate", "--config", orphan])
    #expect(noAddress.status == 1)
    #expect(noAddress.stderr.contains("`token_file` names the token of an existing cluster"))
  }

  @Test func workingDirectoryIsCheckedByValidate() throws {
    let file = try TemporaryDirectory.write(
      "clusters:\n  w:\n    cluster_kwargs: {working_directory: /nonexistent/s17-dir}\n")
    let result = try CommandRunner.shoal(["validate", "--config", file])
    #expect(result.status == 1)
    #expect(
      result.stderr.contains(
        "\(file):3:41: clusters.w.cluster_kwargs.working_directory: working_directory /nonexistent/s17-dir does not exist"
      ), "\(result.stderr)")
    let run = try CommandRunner.shoal(["run", "--config", file, "--", "true"])
    #expect(run.status == 1)
    #expect(run.stderr.contains("working_directory /nonexistent/s17-dir does not exist"))
    #expect(!run.stderr.contains("cannot start"))
  }

  /// Help paragraphs are single logical lines that the parser wraps to the terminal:
  /// at 2000 columns no sentence is broken across lines.
  @Test func helpTextIsNotWrappedByHand() throws {
    let commands = [
      [], ["scheduler"], ["worker"], ["run"], ["map"], ["ps"], ["up"], ["scale"], ["adapt"],
      ["down"], ["logs"], ["validate"], ["clusters", "list"], ["clusters", "show"],
      ["plugins"], ["init"], ["image", "build"],
    ]
    for command in commands {
      let help = try CommandRunner.shoal(command + ["--help"], environment: ["COLUMNS": "2000"])
      #expect(help.status == 0, "\(command)")
      let lines = help.stdout.components(separatedBy: "\n")
      guard let overview = lines.firstIndex(where: { $0.hasPrefix("OVERVIEW:") }),
        let usage = lines.firstIndex(where: { $0.hasPrefix("USAGE:") })
      else {
        Issue.record("no OVERVIEW/USAGE in \(command) --help")
        continue
      }
      // The discussion: between OVERVIEW and USAGE. A prose line that ends without
      // punctuation and is followed by a line going on in lower case was broken.
      // Examples (indented) fit in 80 columns, where the parser would break them.
      for example in lines[overview..<usage] where example.hasPrefix("  ") {
        #expect(example.count <= 80, "\(command): example wider than 80 columns: `\(example)`")
      }
      let discussion = lines[overview..<usage].filter { !$0.hasPrefix("  ") }
      for (line, next) in zip(discussion, discussion.dropFirst())
      where !line.isEmpty && !next.isEmpty {
        let ends = line.last.map { ".:;)".contains($0) } ?? true
        let continues = next.first.map { $0.isLowercase } ?? false
        #expect(ends || !continues, "\(command): broken line `\(line)` / `\(next)`")
      }
    }
  }
}
