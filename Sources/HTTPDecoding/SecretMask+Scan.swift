extension SecretMask {
    /// The sensitive JSON member names as ASCII bytes, for the scans below.
    static let secretWords: [[UInt8]] = sensitiveJSONMembers.sorted().map { Array($0.utf8) }

    /// Bit `n` set when a word of `secretWords` begins with the byte `0x60 + n` (`a` is bit 1).
    private static let firstLetters: UInt32 = secretWords.reduce(0) { bits, word in
        guard let first = word.first, first >= 0x60, first < 0x80 else { return bits }
        return bits | 1 << UInt32(first &- 0x60)
    }

    /// Whether `bytes` contain one of `secretWords`, ASCII letters compared case-insensitively;
    /// true for any non-ASCII byte, whose Unicode lowercasing could make one (the Kelvin sign
    /// lowercases to `k`).
    static func mayNameSecret(_ bytes: UnsafeRawBufferPointer) -> Bool {
        scan(bytes, escapes: false)
    }

    /// Whether a JSON body may hold a member that `mask` changes: false proves that it holds none,
    /// so that it needs neither a parse nor a masked copy (nearly every body: an image list, an
    /// image document). True when a sensitive name appears anywhere (ASCII letters compared
    /// case-insensitively, as `isSensitiveMember` does), when any byte is non-ASCII (Unicode
    /// lowercasing could make a name), or when a `\u` escape could spell one (`"pass\u0077ord"`);
    /// the other JSON escapes yield no letter.
    package static func mayContainSensitiveMember(_ bytes: UnsafeRawBufferPointer) -> Bool {
        scan(bytes, escapes: true)
    }

    /// One pass: each byte is tested against the words' first letters only.
    private static func scan(_ bytes: UnsafeRawBufferPointer, escapes: Bool) -> Bool {
        let count = bytes.count
        let firstLetters = SecretMask.firstLetters
        var i = 0
        while i < count {
            let byte = bytes[i]
            if byte >= 0x80 { return true }
            if escapes, byte == UInt8(ascii: "\\"), i &+ 1 < count, bytes[i &+ 1] == UInt8(ascii: "u") { return true }
            let lower = byte | 0x20
            guard lower >= 0x60, firstLetters & (1 << UInt32(lower &- 0x60)) != 0 else {
                i &+= 1
                continue
            }
            for word in secretWords where word[0] == lower && count &- i >= word.count {
                var j = 1
                while j < word.count, bytes[i &+ j] | 0x20 == word[j] { j &+= 1 }
                if j == word.count { return true }
            }
            i &+= 1
        }
        return false
    }
}
