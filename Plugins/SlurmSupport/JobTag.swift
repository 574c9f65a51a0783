/// The tag every job of a cluster carries in its `--comment`:
/// `shoal;cluster=NAME;id=CLUSTER_ID;owner=HOST:PID:START`. A later `shoal` lists the
/// jobs of cluster NAME with it and cancels those whose owner is gone.
package struct JobTag: Sendable, Hashable {
  /// The cluster's name in clusters.yaml.
  package var cluster: String
  /// The run's id.
  package var clusterID: String
  /// The owning `shoal` (see `OwnerStamp`).
  package var owner: String

  package init(cluster: String, clusterID: String, owner: String) {
    self.cluster = cluster
    self.clusterID = clusterID
    self.owner = owner
  }

  /// The comment text.
  package var comment: String { "shoal;cluster=\(cluster);id=\(clusterID);owner=\(owner)" }

  /// The tag a comment carries; nil for jobs Shoal did not submit.
  package init?(comment: String) {
    let fields = comment.split(separator: ";")
    guard fields.first == "shoal" else { return nil }
    var values: [String: String] = [:]
    for field in fields.dropFirst() {
      let pair = field.split(separator: "=", maxSplits: 1)
      if pair.count == 2 { values[String(pair[0])] = String(pair[1]) }
    }
    guard let cluster = values["cluster"], let id = values["id"], let owner = values["owner"]
    else { return nil }
    self.init(cluster: cluster, clusterID: id, owner: owner)
  }
}
