import Dispatch
import PacketDecoding
import Testing
@testable import HTTPDecoding

/// Comparing or hashing digests (and the exchanges that hold them) never waits for a hasher.
@Suite struct UploadDigestsTests {
    /// Runs `body` on a thread of its own; false when it did not return within two seconds
    /// (it then stays blocked: the old `==` waited on the hashers forever).
    static func returnsPromptly(_ body: @escaping @Sendable () -> Void) -> Bool {
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            body()
            finished.signal()
        }
        return finished.wait(timeout: .now() + 2) == .success
    }

    static func exchange(_ digests: UploadDigests) -> HTTPExchange {
        let endpoint = Endpoint(address: IPAddress(ipv4: 0x0a00_0001), port: 9292)
        return HTTPExchange(connection: 0, sequence: 0, client: endpoint, server: endpoint,
                            request: nil, response: nil, uploadDigests: digests)
    }

    @Test func digestsStillComputingCompareAndHashWithoutWaiting() {
        // Never delivered: a hasher that has not got to them yet.
        let a = UploadDigests(), b = UploadDigests()
        let known = UploadDigests(md5: "x", sha512: "y")
        #expect(Self.returnsPromptly {
            _ = a == b
            _ = a == known
            var hasher = Hasher()
            a.hash(into: &hasher)
            _ = Set([a, b, known]).count
            _ = Self.exchange(a) == Self.exchange(b)
            _ = Self.exchange(a).hashValue
        })
        #expect(a == a)
        #expect(a != b)
        #expect(a.finishedValues == nil)
        a.deliver(md5: "x")
        b.deliver(md5: "x")
        #expect(a.finishedValues == nil)
        a.deliver(sha512: "y")
        b.deliver(sha512: "y")
        // Computed: equal by value, and hashing alike.
        #expect(a == b && a == known)
        #expect(Self.exchange(a) == Self.exchange(b))
        #expect(Self.exchange(a).hashValue == Self.exchange(known).hashValue)
        #expect(a.waitForValues().md5 == "x" && a.waitForValues().sha512 == "y")
    }
}
