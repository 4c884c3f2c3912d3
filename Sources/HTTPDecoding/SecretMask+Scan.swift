extension SecretMask {
    /// The sensitive JSON member names as ASCII bytes, for the scans below.
    static let secretWords: [[UInt8]] = sensitiveJSONMembers.sorted().map { Array($0.utf8) }

    /// Per lowercase ASCII letter (`a` is 0): 1 + the index in `secretWords` of the word that
    /// begins with it, 0 for none. The words begin with distinct letters, so a byte names at
    /// most one candidate and the scan compares only that one.
    private static let wordByFirstLetter: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 32)
        for (index, word) in secretWords.enumerated() {
            guard let first = word.first, first >= 0x61, first <= 0x7A, table[Int(first &- 0x61)] == 0 else { continue }
            table[Int(first &- 0x61)] = UInt8(index &+ 1)
        }
        return table
    }()

    /// What a scan for `secretWords` found.
    enum SecretWordScan {
        /// One of the words, ASCII letters compared case-insensitively.
        case found
        /// None, but a non-ASCII byte (whose Unicode lowercasing could make one) or, when asked,
        /// a JSON `\u` escape (which could spell one) is there.
        case uncertain
        /// None, and nothing could make one.
        case absent
    }

    /// Whether `bytes` contain one of `secretWords`, ASCII letters compared case-insensitively;
    /// true for any non-ASCII byte, whose Unicode lowercasing could make one (the Kelvin sign
    /// lowercases to `k`).
    static func mayNameSecret(_ bytes: UnsafeRawBufferPointer) -> Bool {
        secretWordScan(bytes, escapes: false) != .absent
    }

    /// Whether a JSON body may hold a member that `mask` changes: false proves that it holds none,
    /// so that it needs neither a parse nor a masked copy (nearly every body: an image list, an
    /// image document). True when a sensitive name appears anywhere (ASCII letters compared
    /// case-insensitively, as `isSensitiveMember` does), when any byte is non-ASCII (Unicode
    /// lowercasing could make a name), or when a `\u` escape could spell one (`"pass\u0077ord"`);
    /// the other JSON escapes yield no letter.
    package static func mayContainSensitiveMember(_ bytes: UnsafeRawBufferPointer) -> Bool {
        secretWordScan(bytes, escapes: true) != .absent
    }

    /// One pass: each byte is tested against the words' first letters only; it stops at the
    /// first word found.
    static func secretWordScan(_ bytes: UnsafeRawBufferPointer, escapes: Bool) -> SecretWordScan {
        let count = bytes.count
        var uncertain = false
        var i = 0
        // The tables read once a scan: named in the loop, each candidate letter went through
        // their lazy initialisers' check (a dozen calls a request).
        let wordByFirstLetter = SecretMask.wordByFirstLetter, secretWords = SecretMask.secretWords
        while i < count {
            let byte = bytes[i]
            if byte >= 0x80 {
                uncertain = true
            } else if escapes, byte == UInt8(ascii: "\\"), i &+ 1 < count, bytes[i &+ 1] == UInt8(ascii: "u") {
                uncertain = true
            } else {
                let letter = (byte | 0x20) &- 0x61
                if letter < 26, case let slot = wordByFirstLetter[Int(letter)], slot != 0 {
                    let word = secretWords[Int(slot &- 1)]
                    if count &- i >= word.count {
                        var j = 1
                        while j < word.count, bytes[i &+ j] | 0x20 == word[j] { j &+= 1 }
                        if j == word.count { return .found }
                    }
                }
            }
            i &+= 1
        }
        return uncertain ? .uncertain : .absent
    }
}
