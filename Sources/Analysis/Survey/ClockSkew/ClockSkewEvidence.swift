import Timeline
import CaptureIO
import PacketDecoding

/// What one capture file offers for estimating its clock against another's: the TCP segments it
/// saw (to find the same packet in both files), its HTTP request spans and its SQL checkouts.
///
/// Times are the file's own, in nanoseconds. Memory is bounded by `maxSegments` and by the
/// survey's prefix: a clock skew is visible in any stretch of traffic both files hold.
package struct ClockSkewEvidence: Sendable {
    /// A closed time interval on this file's clock.
    package struct Span: Sendable, Equatable {
        /// Start, nanoseconds since the epoch.
        package var start: Int64
        /// End, nanoseconds since the epoch.
        package var end: Int64
        package init(start: Int64, end: Int64) {
            self.start = start
            self.end = max(start, end)
        }
    }

    /// When a segment was seen, which way it went, and whether it was seen more than once
    /// (a retransmission: its copies cannot be told apart, so it matches nothing).
    struct Sighting: Sendable {
        var time: Int64
        var fromLowerEndpoint: Bool
        var repeated: Bool
    }

    /// Request spans (first request byte to last response byte) of every HTTP exchange.
    package var requestSpans: [Span] = []
    /// SQL checkouts: the statements one MySQL connection carried from a `Ping` (a pool's check
    /// before handing the connection to a request) to the next, as one span; each statement on
    /// its own for a connection that never pings.
    package var sqlCheckouts: [Span] = []
    /// Segments by fingerprint (addresses, ports, sequence and acknowledgement numbers, flags,
    /// window, length, first payload bytes).
    var segments: [Int: Sighting] = [:]
    /// Packet fingerprints kept at most (memory bound).
    package let maxSegments: Int
    /// The first and last packet times read (of the prefix read).
    package var first: Int64?
    /// The latest time seen, nanoseconds.
    package var last: Int64?

    package init(maxSegments: Int = 200_000) {
        self.maxSegments = maxSegments
    }

    /// Packet fingerprints kept.
    package var segmentCount: Int { segments.count }

    /// Notes a packet's time (any packet, decoded or not).
    package mutating func note(_ time: Timestamp) {
        if first.map({ time.nanoseconds < $0 }) ?? true { first = time.nanoseconds }
        if last.map({ time.nanoseconds > $0 }) ?? true { last = time.nanoseconds }
    }

    /// True when both files hold packets of a common stretch of time (on their own clocks):
    /// captures taken at once on several hosts do; the pieces of one capture cut in turn
    /// (`tcpdump -C`, `editcap -c`) do not, and share one clock.
    package func overlaps(_ other: ClockSkewEvidence) -> Bool {
        guard let first, let last, let otherFirst = other.first, let otherLast = other.last else { return false }
        return min(last, otherLast) > max(first, otherFirst)
    }

    /// Notes one TCP segment seen at `time`.
    package mutating func add(_ segment: TCPSegment, at time: Timestamp) {
        var hasher = Hasher()
        hasher.combine(segment.source)
        hasher.combine(segment.destination)
        hasher.combine(segment.sequenceNumber)
        hasher.combine(segment.acknowledgementNumber)
        hasher.combine(segment.flags.rawValue)
        hasher.combine(segment.window)
        hasher.combine(segment.payloadLength)
        hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: segment.payload.prefix(64)))
        let key = hasher.finalize()
        if segments[key] != nil {
            segments[key]?.repeated = true
        } else if segments.count < maxSegments {
            segments[key] = Sighting(time: time.nanoseconds, fromLowerEndpoint: segment.source < segment.destination,
                                     repeated: false)
        }
    }

    /// Takes the request spans and SQL checkouts of an analysis of this file alone.
    package mutating func add(http: HTTPFactStore, sql: SQLFactStore) {
        for position in http.indices {
            requestSpans.append(Span(start: http.time(at: position).nanoseconds, end: http.end(at: position).nanoseconds))
        }
        var byConnection: [Int: [Int]] = [:]
        for position in sql.positionsByStart() { byConnection[sql.connection(at: position), default: []].append(position) }
        for positions in byConnection.values {
            let commands = positions.map { sql[$0].command }
            let pings = commands.contains(.ping)
            var current: Span?
            for (position, command) in zip(positions, commands) {
                let span = Span(start: sql.time(at: position).nanoseconds, end: sql.end(at: position).nanoseconds)
                if let open = current, pings && command != .ping {
                    current = Span(start: open.start, end: max(open.end, span.end))
                    continue
                }
                if let open = current { sqlCheckouts.append(open) }
                current = span
            }
            if let open = current { sqlCheckouts.append(open) }
        }
        requestSpans.sort { $0.start < $1.start }
        sqlCheckouts.sort { $0.start < $1.start }
    }
}
