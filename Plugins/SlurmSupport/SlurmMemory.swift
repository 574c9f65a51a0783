/// A job's memory (`memory: 4G`), written as dask-jobqueue takes it: a number with an
/// optional unit (`K`, `M`, `G`, `T`, also `KB`/`KiB`, ...; powers of 1024 as Slurm
/// reads them; no unit is megabytes, as `sbatch --mem` reads a bare number).
package struct SlurmMemory: Sendable, Hashable, CustomStringConvertible {
  /// The size in mebibytes, rounded up.
  package var megabytes: Int

  /// A size of `megabytes` MiB.
  package init(megabytes: Int) { self.megabytes = megabytes }

  /// Parses `4G`, `512M`, `1.5GiB`, `4000`; nil when malformed or zero.
  package init?(parsing text: String) {
    var number = text.trimmingSpaces().uppercased()
    for suffix in ["IB", "B"] where number.hasSuffix(suffix) {
      number.removeLast(suffix.count)
      break
    }
    var factor = 1.0
    if let last = number.last, let index = "KMGT".firstIndex(of: last) {
      factor =
        [1.0 / 1024, 1, 1024, 1024 * 1024]["KMGT".distance(from: "KMGT".startIndex, to: index)]
      number.removeLast()
    }
    guard let value = Double(number.trimmingSpaces()), value.isFinite, value > 0 else {
      return nil
    }
    let megabytes = (value * factor).rounded(.up)
    guard megabytes < 1e12 else { return nil }
    self.megabytes = Int(megabytes)
  }

  /// What `#SBATCH --mem=` gets: `4G` when a whole number of GiB, else `1536M`.
  package var description: String {
    megabytes % 1024 == 0 ? "\(megabytes / 1024)G" : "\(megabytes)M"
  }
}
