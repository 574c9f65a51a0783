/// The command lines Shoal runs on a host, as the single string `ssh` sends to the
/// remote login shell. Every argument is quoted; scripts are POSIX `sh`.
///
/// The worker wrapper is the heart of it:
///
///     ssh HOST 'exec sh -c WRAPPER shoal DIR NAME env K=V /path/shoal worker ADDR ... --token-file -'
///
/// It reads the token from the first line of the channel's stdin (never a command
/// line), hands it to `shoal worker --token-file -` through a pipe, records its pid in
/// `DIR/NAME.pid` so that a later `stop` can end it, and ends the worker when the SSH
/// connection goes away (its parent, the `sshd` session, is gone: on Linux the
/// wrapper's parent pid in /proc changes, elsewhere `kill -0` fails) or when it gets
/// SIGTERM/SIGHUP. The worker itself exits when it cannot reach the scheduler for
/// `--give-up-after`.
package enum RemoteCommand {
  /// `text` quoted for a POSIX shell.
  package static func quote(_ text: String) -> String {
    if !text.isEmpty,
      text.unicodeScalars.allSatisfy({
        $0.isASCII
          && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
            || "-_./=:@,+%".unicodeScalars.contains($0))
      })
    {
      return text
    }
    return "'" + text.replacing("'", with: "'\\''") + "'"
  }

  /// A remote path as a shell word: `~/x` becomes `"$HOME"/'x'`, others are quoted.
  package static func path(_ path: String) -> String {
    if path == "~" { return "\"$HOME\"" }
    if path.hasPrefix("~/") { return "\"$HOME\"/" + quote(String(path.dropFirst(2))) }
    return quote(path)
  }

  /// `exec sh -c SCRIPT NAME ARGS...` with `words` already shell words.
  package static func script(_ script: String, name: String, words: [String]) -> String {
    (["exec", "sh", "-c", quote(script), quote(name)] + words).joined(separator: " ")
  }

  /// The wrapper that runs one worker (see the type's documentation).
  /// Arguments: `DIR NAME COMMAND...`.
  package static let workerWrapper = """
    IFS= read -r t || { echo "shoal: no token on stdin" >&2; exit 97; }
    d=$1; n=$2; shift 2
    mkdir -p "$d" || exit 98
    printf '%s\\n' "$t" | "$@" & w=$!
    t=
    echo "$$ $w" > "$d/$n.pid"
    up() { if [ -r /proc/$$/stat ]; then [ "$(cut -d' ' -f4 /proc/$$/stat)" = "$PPID" ]; else kill -0 $PPID; fi; }
    ( while up; do sleep 1; done; kill -TERM $w ) </dev/null >/dev/null 2>&1 & m=$!
    trap 'kill -TERM $w 2>/dev/null' TERM HUP INT
    wait $w; s=$?
    while kill -0 $w 2>/dev/null; do wait $w; s=$?; done
    kill $m 2>/dev/null
    rm -f "$d/$n.pid"
    exit $s
    """

  /// The remote command that starts worker `name` with `command` (shell words).
  package static func worker(directory: String, name: String, command: [String]) -> String {
    script(workerWrapper, name: "shoal-worker", words: [path(directory), quote(name)] + command)
  }

  /// Checks the `shoal` binary at `$1`; prints one line `shoal-probe STATE [DETAIL]`
  /// (`missing`, `not-executable`, `broken STATUS` + output, `version V`).
  package static let probeScript = """
    p=$1
    if [ -d "$p" ]; then echo "shoal-probe not-executable"; exit 0; fi
    if [ ! -e "$p" ]; then
      case "$p" in */*) echo "shoal-probe missing"; exit 0;; esac
      command -v "$p" >/dev/null 2>&1 || { echo "shoal-probe missing"; exit 0; }
    elif [ ! -x "$p" ]; then echo "shoal-probe not-executable"; exit 0; fi
    v=$("$p" --version 2>&1); s=$?
    if [ $s -ne 0 ]; then echo "shoal-probe broken $s"; printf '%s\\n' "$v" | head -n 5; exit 0; fi
    echo "shoal-probe version $v"
    """

  /// The remote command that probes `remoteShoal`.
  package static func probe(remoteShoal: String) -> String {
    script(probeScript, name: "shoal-probe", words: [path(remoteShoal)])
  }

  /// Stops the wrappers recorded in `DIR/NAME.pid` for each name after `$2..`
  /// (all of them when there are none): SIGTERM, up to `$1` tenths of a second, SIGKILL
  /// to wrapper and worker; removes the pid files, and the folder when it is empty.
  package static let stopScript = """
    d=$1; g=$2; shift 2
    [ -d "$d" ] || exit 0
    if [ $# -eq 0 ]; then for f in "$d"/*.pid; do [ -f "$f" ] && set -- "$@" "$(basename "$f" .pid)"; done; fi
    for n in "$@"; do [ -f "$d/$n.pid" ] && kill -TERM $(cut -d' ' -f1 "$d/$n.pid") 2>/dev/null; done
    i=0
    while [ $i -lt $g ]; do
      a=0
      for n in "$@"; do [ -f "$d/$n.pid" ] && kill -0 $(cat "$d/$n.pid") 2>/dev/null && a=1; done
      [ $a = 0 ] && break
      sleep 0.1; i=$((i+1))
    done
    for n in "$@"; do
      if [ -f "$d/$n.pid" ]; then kill -KILL $(cat "$d/$n.pid") 2>/dev/null; rm -f "$d/$n.pid"; fi
    done
    rmdir "$d" 2>/dev/null
    rmdir "$(dirname "$d")" 2>/dev/null
    exit 0
    """

  /// The remote command that stops `names` (every worker of the folder when empty).
  package static func stop(directory: String, names: [String], grace: Duration) -> String {
    let tenths =
      Int(grace.components.seconds * 10)
      + Int(grace.components.attoseconds / 100_000_000_000_000_000)
    return script(
      stopScript, name: "shoal-stop",
      words: [path(directory), String(max(1, tenths))] + names.map(quote))
  }

  /// Prints `HASH  NAME` for each of `names` that exists in `DIR` (created if needed).
  package static func hashes(directory: String, names: [String]) -> String {
    script(
      "mkdir -p \"$1\" && cd \"$1\" && shift && for f in \"$@\"; do [ -f \"$f\" ] && sha256sum \"$f\"; done; exit 0",
      name: "shoal-hash", words: [path(directory)] + names.map(quote))
  }

  /// Writes stdin to `DIR/NAME` atomically (temp file, chmod 755, rename).
  package static func write(directory: String, name: String) -> String {
    script(
      "mkdir -p \"$1\" && t=\"$1/.$2.$$\" && cat > \"$t\" && chmod 755 \"$t\" && mv -f \"$t\" \"$1/$2\"",
      name: "shoal-upload", words: [path(directory), quote(name)])
  }
}
