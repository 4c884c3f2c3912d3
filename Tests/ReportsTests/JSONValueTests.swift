import Foundation
import TestSupport
import Testing
@testable import Reports

/// The report writer's strings: Foundation's parser must read back exactly what went in, and
/// nothing that could close a `<script>` or break a JavaScript string survives unescaped.
struct JSONValueTests {
    static func roundTrip(_ text: String) throws -> String? {
        let json = JSONValue.array([.string(text)]).serialized(pretty: false)
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String]
        return parsed?.first
    }

    @Test func specialCharactersAreEscapedAndReadBack() throws {
        let text = "a\"b\\c\nd\re\tf\u{01}g\u{1f}h<script>&amp;</script>i\u{2028}j\u{2029}k é ✓ 😀"
        let json = JSONValue.string(text).serialized(pretty: false)
        for forbidden in ["<", ">", "&", "\u{2028}", "\u{2029}", "\n", "\u{01}"] {
            #expect(!json.contains(forbidden), "\(forbidden.unicodeScalars.first!.value) left raw")
        }
        #expect(json.contains("\\u003cscript\\u003e") && json.contains("\\u0001") && json.contains("\\u2028"))
        #expect(try JSONValueTests.roundTrip(text) == text)
    }

    @Test func randomStringsReadBackUnchanged() throws {
        var generator = SplitMix64(seed: 0x2545F4914F6CDD1D)
        func next() -> UInt64 { generator.next() }
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "<", ">", "&", "\n", "\r", "\t", "\u{0}", "\u{7}",
                                          "\u{1f}", "\u{7f}", "\u{e9}", "\u{2028}", "\u{2029}", "\u{2027}", "\u{20ac}", "\u{1F600}"]
        for _ in 0..<500 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int(next() % 40) { text.append(alphabet[Int(next() % UInt64(alphabet.count))]) }
            let string = String(text)
            #expect(try JSONValueTests.roundTrip(string) == string)
        }
    }
}
