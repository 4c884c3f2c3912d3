import PacketDecoding

/// One connection's segments over a stretch of a capture, summed up where every one of them is
/// what `TCPConnection.processEstablished` takes: an acknowledgement without SYN, FIN or RST,
/// its bytes (if any) all captured and following the side's bytes before them in the stretch,
/// its acknowledgement no earlier than the side's one before it and never beyond what the other
/// side sent. Such segments change nothing of the connection but its place in each stream, what
/// each side acknowledged, when it was last seen and its counters, so a reassembler whose
/// connection is in the state the stretch assumes (`TCPReassembler.admits`) can take them all at
/// once (`TCPReassembler.absorb`), each segment then only ticking its clock and the connection's
/// last-seen time in its place (`tick(at:seenOn:)`), exactly as it would have taken them one by
/// one.
///
/// Built by whichever of `info`'s threads walks a range (`SurveyedRange`), so that the thread
/// that reassembles the whole file does not take those segments one by one: a capture of API
/// calls is nearly all such segments, on a few dozen keep-alive connections.
///
/// The sides are the `ConnectionKey`'s: the lower endpoint's first.
public struct EstablishedRun {
    /// What one side sent in the stretch.
    public struct Side {
        /// Segments it sent (each one an acknowledgement).
        @usableFromInline var segments = 0
        /// Payload bytes it sent, and the sequence numbers of the first and after the last.
        @usableFromInline var bytes = 0
        @usableFromInline var dataStart: UInt32 = 0
        @usableFromInline var dataEnd: UInt32 = 0
        /// Its first and its latest acknowledgement (of the other side's bytes).
        @usableFromInline var firstAcknowledgement: UInt32 = 0
        @usableFromInline var lastAcknowledgement: UInt32 = 0

        @inlinable init() {}
    }

    @usableFromInline var lower = Side()
    @usableFromInline var upper = Side()
    @usableFromInline var zeroWindows = 0
    /// Every segment so far was one the run can sum up.
    public var isSummable: Bool { summable }
    @usableFromInline var summable = true
    /// Segments added, summable or not.
    public var packets: Int { count }
    @usableFromInline var count = 0

    /// A stream or a run of acknowledgements longer than this is not summed up: every signed
    /// comparison of sequence numbers inside a run stays far from wrapping (the reassembler's
    /// own plausible distance is 2^30).
    @usableFromInline static let span = 1 << 29

    @inlinable public init() {}

    /// Adds the next segment of the connection in the stretch, sent by the upper endpoint when
    /// `fromUpper`. Once a segment cannot be summed up, the run is not summable.
    @inlinable
    public mutating func add(fromUpper: Bool, sequence: UInt32, acknowledgement: UInt32, flags: UInt16, window: UInt16,
                             captured: Int, length: Int) {
        count &+= 1
        guard summable else { return }
        if fromUpper {
            summable = EstablishedRun.add(sender: &upper, receiver: lower, sequence: sequence, acknowledgement: acknowledgement,
                                            flags: flags, captured: captured, length: length)
        } else {
            summable = EstablishedRun.add(sender: &lower, receiver: upper, sequence: sequence, acknowledgement: acknowledgement,
                                            flags: flags, captured: captured, length: length)
        }
        if window == 0 { zeroWindows &+= 1 }
    }

    /// The checks of `processEstablished` and `takesInOrder` that the stretch itself can decide
    /// (the connection's own state is checked when the run is absorbed). False: not summable.
    @inlinable
    static func add(sender: inout Side, receiver: Side, sequence: UInt32, acknowledgement: UInt32, flags: UInt16,
                    captured: Int, length: Int) -> Bool {
        let control = TCPFlags.syn.rawValue | TCPFlags.fin.rawValue | TCPFlags.rst.rawValue | TCPFlags.ack.rawValue
        guard flags & control == TCPFlags.ack.rawValue, length >= 0 else { return false }
        if sender.segments == 0 {
            sender.firstAcknowledgement = acknowledgement
        } else {
            // The reassembler keeps the latest acknowledgement; nondecreasing ones keep it the last.
            let step = Int32(bitPattern: acknowledgement &- sender.lastAcknowledgement)
            guard step >= 0, Int(acknowledgement &- sender.firstAcknowledgement) < span else { return false }
        }
        sender.lastAcknowledgement = acknowledgement
        // Never beyond the other side's stream, where the stretch shows where it is (else the
        // reassembler declares the bytes acknowledged but not captured a gap).
        if receiver.bytes > 0 && Int32(bitPattern: acknowledgement &- receiver.dataEnd) > 0 { return false }
        sender.segments &+= 1
        guard length > 0 else { return true }
        guard captured >= length else { return false }
        if sender.bytes == 0 {
            sender.dataStart = sequence
            // The other side's acknowledgements before these first bytes must not pass them.
            if receiver.segments > 0 && Int32(bitPattern: receiver.lastAcknowledgement &- sequence) > 0 { return false }
        } else if sequence != sender.dataEnd {
            return false
        }
        sender.dataEnd = sequence &+ UInt32(truncatingIfNeeded: length)
        sender.bytes &+= length
        return sender.bytes < span
    }
}
