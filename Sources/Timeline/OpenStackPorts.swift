/// The server ports of an OpenStack controller: which port is which service, which are haproxy's
/// TLS fronts, and which are followed without being asked (DESIGN.md's defaults: Keystone 5000
/// and 13000 (TLS), Glance 9292 and 13292 (TLS), MySQL/MariaDB 3306).
///
/// The one place they are written: the stages below `Timeline` know no OpenStack and are handed
/// these (the reassembler's `watchedPorts`, the capture filter of `glancetrace capture`), and the
/// analysis and the reports derive their port sets from the names here.
package enum OpenStackPorts {
    /// Keystone's API.
    package static let keystoneAPI: UInt16 = 5000
    /// Keystone's legacy admin API.
    package static let keystoneAdmin: UInt16 = 35357
    /// Glance's API.
    package static let glanceAPI: UInt16 = 9292
    /// The Swift proxy (recognised by content, as Glance's store).
    package static let swiftProxy: UInt16 = 8080
    /// MySQL/MariaDB.
    package static let mysqlServer: UInt16 = 3306
    /// haproxy terminating TLS in front of Keystone (TripleO's public endpoint).
    package static let keystoneTLSFront: UInt16 = 13000
    /// haproxy terminating TLS in front of Glance (TripleO's public endpoint).
    package static let glanceTLSFront: UInt16 = 13292
    /// haproxy terminating TLS in front of the Swift proxy (TripleO's public endpoint).
    package static let swiftTLSFront: UInt16 = 13808
    /// haproxy in TCP mode in front of MariaDB (the test bed's `s-mysql-proxy`).
    package static let mysqlProxyFront: UInt16 = 13306

    /// The ports that say a call is Keystone's.
    package static let keystone: Set<UInt16> = [keystoneAPI, keystoneAdmin, keystoneTLSFront]
    /// The ports that say a call is Glance's.
    package static let glance: Set<UInt16> = [glanceAPI, glanceTLSFront]
    /// The ports that say a call is the Swift proxy's.
    package static let swift: Set<UInt16> = [swiftProxy, swiftTLSFront]
    /// The ports whose connections are MySQL when their first bytes do not say.
    package static let mysql: Set<UInt16> = [mysqlServer]

    /// Ports where a proxy terminates TLS in front of a service (TripleO's public endpoints).
    package static let tlsFronts: Set<UInt16> = [keystoneTLSFront, glanceTLSFront, swiftTLSFront]

    /// The fronts of the haproxy that the reports name as such: the test bed's (Keystone's and
    /// Glance's TLS fronts, MariaDB's TCP front).
    package static let haproxyFronts: Set<UInt16> = [keystoneTLSFront, glanceTLSFront, mysqlProxyFront]

    /// Followed without `--port`: Keystone 5000 and 13000, Glance 9292 and 13292, MySQL 3306.
    package static let watchedByDefault: Set<UInt16> =
        [keystoneAPI, keystoneTLSFront, glanceAPI, glanceTLSFront, mysqlServer]

    /// The followed ports whose connections are TLS when their first bytes do not say (a
    /// connection joined mid-way).
    package static let tlsWatchedByDefault: Set<UInt16> = tlsFronts.intersection(watchedByDefault)
}
