import Foundation
import Shoal
import ShoalCore
import Testing

/// `security:` in clusters.yaml: defaults, overrides, and located errors.
@Suite struct SecurityConfigTests {
  func parse(_ text: String) throws -> ShoalConfig {
    try ShoalConfig.parse(text, file: "clusters.yaml", environment: ["HOME": "/home/user"])
  }

  @Test func autoByDefaultTopLevelAndPerClusterOverride() throws {
    let config = try parse(
      """
      version: 1
      security: {tls: off}
      clusters:
        a: {}
        b:
          security: {tls: auto}
        c:
          address: tcp://10.0.0.5:8786
          security:
            tls: {ca_file: pki/ca.pem, cert_file: ~/client.pem, key_file: /etc/k.pem}
      """)
    #expect(try config.cluster(named: "a").security.isOff)
    #expect(try config.cluster(named: "b").security.tls == .auto)
    let files = try #require(try config.cluster(named: "c").security.tls.files)
    #expect(files.caFile.hasSuffix("/pki/ca.pem"))
    #expect(files.certFile == "/home/user/client.pem")
    #expect(files.keyFile == "/etc/k.pem")
    #expect(try parse("clusters:\n  x: {}\n").cluster(named: "x").security.tls == .auto)
  }

  @Test func anUnknownModeIsALocatedErrorWithASuggestion() throws {
    let error = #expect(throws: ShoalError.self) {
      try parse(
        """
        clusters:
          x:
            security: {tls: atuo}
        """)
    }
    #expect(error?.message.contains("unknown tls mode `atuo`; did you mean `auto`?") == true)
    #expect(error?.location?.line == 3)
  }

  @Test func aMissingFileKeyAndAnUnknownKeyAreLocated() throws {
    let missing = #expect(throws: ShoalError.self) {
      try parse(
        """
        clusters:
          x:
            address: tcp://10.0.0.5:8786
            security:
              tls: {ca_file: a.pem, cert_file: b.pem}
        """)
    }
    #expect(missing?.message.contains("missing `key_file`") == true)
    #expect(missing?.location?.line == 5)
    let unknown = #expect(throws: ShoalError.self) {
      try parse(
        """
        security: {tsl: auto}
        clusters:
          x: {}
        """)
    }
    #expect(unknown?.message.contains("did you mean `tls`") == true)
    #expect(unknown?.location?.line == 1)
  }

  @Test func plainTCPToANetworkAddressNeedsTLSOff() throws {
    let config = try parse(
      """
      clusters:
        remote: {address: "tcp://10.0.0.5:8786"}
        open:
          address: tcp://10.0.0.5:8786
          security: {tls: off}
        near: {address: "tcp://127.0.0.1:8786"}
      """)
    #expect(ClusterSecurity.protection(of: try config.cluster(named: "remote")).contains("refused"))
    #expect(ClusterSecurity.protection(of: try config.cluster(named: "open")).contains("tls: off"))
    #expect(ClusterSecurity.protection(of: try config.cluster(named: "near")).contains("loopback"))
  }
}

/// The in-process CA and the role markers.
@Suite struct CertificateTests {
  @Test func issuedCertificatesCarryTheirRole() throws {
    let authority = try CertificateAuthority(name: "s13")
    for role in [CertificateRole.scheduler, .worker, .client] {
      let identity = try authority.issue(role: role, name: "n-\(role)")
      #expect(TLSSettings.mutual(identity).role == role)
      #expect(identity.privateKeyPEM.contains("PRIVATE KEY"))
      #expect(
        identity.caCertificatePEM
          == (try authority.issue(role: .client, name: "x")).caCertificatePEM)
    }
  }

  /// The role is read with swift-nio-ssl alone (ShoalTLS): a certificate without an
  /// `OU=shoal-...` (the CA's own, or one of the user's PKI) and bytes that are no
  /// certificate have no role.
  @Test func unmarkedOrUnreadableCertificatesHaveNoRole() throws {
    let authority = try CertificateAuthority(name: "s13")
    let leaf = try authority.issue(role: .worker, name: "w")
    let caAsLeaf = TLSIdentity(
      caCertificatePEM: leaf.caCertificatePEM, certificatePEM: leaf.caCertificatePEM,
      privateKeyPEM: leaf.privateKeyPEM)
    #expect(TLSSettings.mutual(leaf).role == .worker)
    #expect(TLSSettings.mutual(caAsLeaf).role == nil)
    #expect(TLSSettings.off.role == nil)
    #expect(CertificateRole.marked(inDER: []) == nil)
    #expect(CertificateRole.marked(inDER: [0x30, 0x03, 0x02, 0x01, 0x00]) == nil)
  }

  @Test func credentialBundleRoundTripsAndStaysOneLine() throws {
    let identity = try CertificateAuthority(name: "s13").issue(role: .worker, name: "w")
    let bundle = CredentialBundle(token: "t0k", identity: identity)
    #expect(!bundle.encoded.contains("\n"))
    #expect(try CredentialBundle(decoding: bundle.encoded) == bundle)
    #expect(
      try CredentialBundle(decoding: "plain-token")
        == CredentialBundle(token: "plain-token", identity: nil))
    #expect(throws: TLSError.self) { try CredentialBundle(decoding: "shoal-credentials-v1:%%%") }
  }
}
