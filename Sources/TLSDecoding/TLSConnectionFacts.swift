/// Handshake facts of one TLS connection (issue: TLS on the public endpoints).
public struct TLSConnectionFacts {
    public init() {}
}
