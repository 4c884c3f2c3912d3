import Testing
import TLSInference

/// Which encrypted connections are read as HTTP/1.1: only those whose handshake allows it.
struct HTTP1OverTLSTests {
    @Test func verdicts() {
        // The test bed's Python clients offer http/1.1 only.
        #expect(HTTP1OverTLS.verdict(offeredALPN: ["http/1.1"], negotiatedALPN: nil, httpPort: false).inferable)
        // TLS 1.2 says the server's choice in the clear.
        #expect(!HTTP1OverTLS.verdict(offeredALPN: ["h2", "http/1.1"], negotiatedALPN: "h2", httpPort: true).inferable)
        #expect(HTTP1OverTLS.verdict(offeredALPN: ["h2", "http/1.1"], negotiatedALPN: "http/1.1", httpPort: false).inferable)
        // h2 may have been chosen behind TLS 1.3: only where the port says HTTP.
        #expect(HTTP1OverTLS.verdict(offeredALPN: ["h2", "http/1.1"], negotiatedALPN: nil, httpPort: true).inferable)
        #expect(!HTTP1OverTLS.verdict(offeredALPN: ["h2", "http/1.1"], negotiatedALPN: nil, httpPort: false).inferable)
        // Another protocol (AMQP over TLS), or nothing said on an unknown port.
        #expect(!HTTP1OverTLS.verdict(offeredALPN: ["amqp"], negotiatedALPN: nil, httpPort: true).inferable)
        #expect(!HTTP1OverTLS.verdict(offeredALPN: [], negotiatedALPN: nil, httpPort: false).inferable)
        #expect(HTTP1OverTLS.verdict(offeredALPN: [], negotiatedALPN: nil, httpPort: true).inferable)
    }
}
