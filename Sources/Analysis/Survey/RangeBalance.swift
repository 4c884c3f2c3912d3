/// How much of the file the walking thread keeps at each split, so that both threads finish
/// their ranges together: from how fast each side went the last time (wall clock, so a loaded
/// machine slows both alike). The walking thread walks slower per byte (the reassembler runs
/// there) and first replays the other thread's last range.
struct RangeBalance {
    /// Nanoseconds per byte: this thread walking, this thread replaying the other's range,
    /// the other thread walking. Nil before the first measurement.
    var own: Double?
    var replay: Double?
    var other: Double?

    /// The walking thread's next range, for `expectedOther` bytes walked by the other thread
    /// while `pendingBytes` of its last range are replayed here; at most `cap`.
    func ownLength(expectedOther: Int, pendingBytes: Int, cap: Int) -> Int {
        guard let own, let other, own > 0 else {
            // Before any measurement: the ratios measured on the 2 GB benchmark captures.
            return min(cap, Int(Double(expectedOther) * (pendingBytes == 0 ? 0.75 : 0.4)))
        }
        let time = other * Double(expectedOther) - (replay ?? 0) * Double(pendingBytes)
        return min(cap, max(Int(time / own), 1))
    }

    /// Records one split's times: `ownNanoseconds` walking `ownBytes`, `replayNanoseconds`
    /// replaying `replayedBytes`, the other thread's `otherNanoseconds` on `otherBytes`.
    mutating func measured(ownBytes: Int, ownNanoseconds: Int64, replayedBytes: Int, replayNanoseconds: Int64,
                           otherBytes: Int, otherNanoseconds: Int64) {
        // Short ranges say more about thread start-up than about the rates.
        if ownBytes >= 1 << 20 { own = Double(ownNanoseconds) / Double(ownBytes) }
        if replayedBytes >= 1 << 20 { replay = Double(replayNanoseconds) / Double(replayedBytes) }
        if otherBytes >= 1 << 20 { other = Double(otherNanoseconds) / Double(otherBytes) }
    }

    /// Nanoseconds since `start`.
    static func nanoseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds &* 1_000_000_000 &+ elapsed.components.attoseconds / 1_000_000_000
    }
}
