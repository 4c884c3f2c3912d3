import CaptureIO
import PacketDecoding

/// Turns TCP segments into per-connection, per-direction ordered byte streams.
///
/// Connections are numbered in order of first appearance the way tshark numbers
/// `tcp.stream` (every TCP connection counts, followed or not; a SYN with a new ISN on a
/// known 4-tuple starts a new connection). A consumer factory, asked at each connection's
/// first payload, decides which connections are followed. Memory is bounded: in-order data
/// is handed over straight from the packet, out-of-order bytes are copied only up to the
/// per-connection and global caps (then the hole becomes a gap), idle connections are closed
/// by capture time, and closing a connection releases everything it held.
///
/// ```swift
/// let reassembler = TCPReassembler { connection, firstPayload, direction in
///     watched.contains(connection.server.port) ? HTTPStream(connection) : nil
/// }
/// reassembler.process(segment, at: record.timestamp)   // for every decoded segment
/// reassembler.finish(at: lastTimestamp)
/// let tcp = reassembler.totals                          // JSON "tcp" object
/// ```
public final class TCPReassembler {
    /// Limits and timeouts; all times are capture time.
    public struct Configuration: Sendable {
        /// Server ports always followed (the analysis hands down its defaults plus `--port`). The
        /// reassembler uses them only to tell client from server when no SYN was captured;
        /// following is the factory's call.
        public var watchedPorts: Set<UInt16> = []
        /// Out-of-order bytes buffered per connection before the hole is declared a gap.
        public var maxBufferedBytesPerConnection = 4 << 20
        /// Out-of-order bytes buffered over all connections.
        public var maxBufferedBytesTotal = 48 << 20
        /// Connections silent this long (capture time) are flushed and closed.
        public var idleTimeoutNanoseconds: Int64 = 600_000_000_000
        /// A closed connection's 4-tuple is remembered this long, so its last ACKs and
        /// retransmitted FINs do not open a new connection (Linux TIME-WAIT is 60 s).
        public var closedConnectionMemoryNanoseconds: Int64 = 120_000_000_000
        /// How long after the other side acknowledged bytes the capture never showed they are
        /// declared a gap. A capture records an ACK after the data it acknowledges, so 0 is
        /// right for one capture file; raise it for captures merged from hosts with skewed clocks.
        public var acknowledgedHoleDelayNanoseconds: Int64 = 0
        /// Estimated memory for per-connection state (connections, decoder state, pending
        /// exchanges, out-of-order bytes, remembered 4-tuples; `--memory MB`). When it is reached
        /// the connections idle longest in capture time are closed first, as Suricata's memcaps
        /// do; 0 means no budget. A normal capture stays far below the default.
        public var memoryBudgetBytes = 128 << 20
        /// Half-open connections (SYN seen, handshake never completed) silent this long are
        /// closed, as Zeek's and Suricata's short timeouts for new flows do.
        public var halfOpenTimeoutNanoseconds: Int64 = 30_000_000_000
        /// Connections seen this recently are evicted only when no idler one is left (they may
        /// be in the middle of a message).
        public var activeWindowNanoseconds: Int64 = 1_000_000_000
        /// Established segments and in-order bytes take the direct path
        /// (`TCPConnection.processEstablished`, `TCPHalfStream.takesInOrder`); tests turn it off
        /// to check that the general path decides every segment alike.
        public var handlesEstablishedSegmentsDirectly = true
        public init() {}
    }

    /// Asked once per connection, at its first in-order payload, with those bytes and their
    /// direction (so it can sniff content); returns the consumer that follows the connection,
    /// or nil to only count it. `firstPayload` is never nil and never empty (the optional is
    /// kept for source compatibility). Connections that carry no payload never reach the factory.
    public typealias ConsumerFactory = (_ connection: ConnectionInfo, _ firstPayload: UnsafeRawBufferPointer?, _ direction: FlowDirection) -> StreamConsumer?

    enum Entry {
        case open(TCPConnection)
        case closed(ClosedConnection)
    }

    public let configuration: Configuration
    /// What a connection reads of `configuration` for every segment, passed in registers (the
    /// whole configuration was copied for each call).
    private let limits: ConnectionLimits
    private let makeConsumer: ConsumerFactory
    var table: [ConnectionKey: Entry] = [:]
    private var nextIndex = 0
    private var closedTotals = TCPTotals()
    private let budget = BufferBudget()
    private var clock = Timestamp(nanoseconds: Int64.min)
    private var nextSweep = Timestamp(nanoseconds: Int64.min)
    /// Open connections by a cheap hash of their 4-tuple, in front of the table: a bulk
    /// transfer's segments and those of a few dozen interleaved keep-alive connections then skip
    /// the table's hashing (SipHash) and its reference counting. Unretained: the table's `.open`
    /// entry holds each one, and `close` clears its slot first. A miss only costs the lookup.
    private let openCache = OpenConnectionCache()
    /// Open connections by last-seen time, and those silent past the half-open timeout that
    /// are established (`TCPReassembler+Budget`).
    var aging = AgingQueue()
    var silent = AgingQueue()
    /// Closed connections' remembered 4-tuples, oldest first.
    var remembered = AgingQueue()
    var openCount = 0
    /// Open connections by slot, reused once free: the ageing queues' entries name their slot, so
    /// that checking whether an entry's connection is still open is an array read, not a hash
    /// lookup in a table of hundreds of thousands of 4-tuples (a flood's every connection is
    /// checked twice or more on its way out).
    var slots: [TCPConnection?] = []
    private var freeSlots: [Int] = []
    var followedOpenCount = 0
    /// What the budget and the timeouts closed early.
    public internal(set) var shedding = ConnectionShedding()
    /// Told before (true) and after (false) a connection is closed by the budget or the
    /// half-open timeout, so that the facts its decoder emits while closing are counted, not listed.
    public var onShedding: ((ConnectionInfo, CloseReason, Bool) -> Void)?

    public init(configuration: Configuration = Configuration(), makeConsumer: @escaping ConsumerFactory) {
        self.configuration = configuration
        limits = ConnectionLimits(acknowledgedHoleDelay: configuration.acknowledgedHoleDelayNanoseconds,
                                  maxBufferedBytes: configuration.maxBufferedBytesPerConnection,
                                  direct: configuration.handlesEstablishedSegmentsDirectly)
        self.makeConsumer = makeConsumer
    }

    /// Totals over every connection so far (closed and open), for the JSON `tcp` object.
    public var totals: TCPTotals {
        var result = closedTotals
        for case .open(let connection) in table.values {
            result.add(connection.statistics)
            if connection.wasFollowed { result.followedConnections &+= 1 }
        }
        return result
    }

    /// Connections currently open.
    public var openConnections: Int {
        table.values.reduce(0) { count, entry in
            if case .open = entry { return count &+ 1 }
            return count
        }
    }

    /// Out-of-order bytes held now (with a fixed bookkeeping cost per held piece).
    public var bufferedBytes: Int { budget.used }

    /// Feeds one segment captured at `time`.
    public func process(_ segment: TCPSegment, at time: Timestamp) {
        let key = ConnectionKey(segment.source, segment.destination)
        process(segment, key: key, cacheSlot: TCPReassembler.cacheSlot(of: key), at: time)
    }

    /// Where a 4-tuple's connection sits in the cache of open connections. Inlinable: `info`'s
    /// logging thread works it out for every segment.
    @inlinable
    public static func cacheSlot(of key: ConnectionKey) -> Int { OpenConnectionCache.slot(of: key) }

    /// Feeds one segment whose 4-tuple in order (`ConnectionKey(segment.source,
    /// segment.destination)`) and its `cacheSlot(of:)` were worked out beforehand: by the
    /// thread that logged it, for a replay on the thread that reassembles (`info`'s ranges), so
    /// that the one thread the whole file's segments go through does less. The slot is only
    /// read from (any value is safe: a wrong one costs a miss); connections are cached at the
    /// slot their key gives.
    public func process(_ segment: TCPSegment, key: ConnectionKey, cacheSlot: Int, at time: Timestamp) {
        let slot = cacheSlot & OpenConnectionCache.setMask
        advanceClock(to: time)

        let isInitialSYN = segment.flags.contains(.syn) && !segment.flags.contains(.ack)
        if !isInitialSYN, let cached = openCache.connection(key, at: slot) {
            // Not retained: the table holds every open connection, and `close` empties its slot
            // before the table lets it go (two reference counts a packet saved).
            cached._withUnsafeGuaranteedRef { process(segment, on: $0, key: key, at: time) }
        } else {
            processUncached(segment, key: key, isInitialSYN: isInitialSYN, at: time)
        }
    }

    /// What every segment does first, absorbed or not: moves the capture clock, and runs the
    /// sweep and the half-open timeout it has brought due.
    @inline(__always)
    private func advanceClock(to time: Timestamp) {
        if time > clock { clock = time }
        if clock >= nextSweep { sweep(at: clock) }
        if let oldest = aging.front, clock.nanoseconds &- oldest.stamp > configuration.halfOpenTimeoutNanoseconds {
            expireHalfOpen(at: clock)
        }
    }

    /// A segment whose connection is not in the cache: a new one, a SYN, a straggler. Kept out
    /// of line so that the cached path above stays small.
    @inline(never)
    private func processUncached(_ segment: TCPSegment, key: ConnectionKey, isInitialSYN: Bool, at time: Timestamp) {
        guard let found = lookUp(key, segment, isInitialSYN: isInitialSYN, at: time) else { return }
        openCache.set(key, Unmanaged.passUnretained(found), at: OpenConnectionCache.slot(of: key))
        process(segment, on: found, key: key, at: time)
    }

    /// The segment's work once its connection is known.
    @inline(__always)
    private func process(_ segment: TCPSegment, on connection: TCPConnection, key: ConnectionKey, at time: Timestamp) {
        let wasFollowed = connection.wasFollowed
        let reason = connection.process(segment, at: time, limits: limits)
        if !wasFollowed && connection.wasFollowed { followedOpenCount &+= 1 }
        if let reason {
            closed(connection, key: key, reason: reason, at: time)
        } else if budget.used > configuration.maxBufferedBytesTotal {
            shedBufferedBytes(preferring: connection, at: time)
        }
        if configuration.memoryBudgetBytes > 0 && estimatedBytes > configuration.memoryBudgetBytes { keepWithinBudget(at: clock) }
    }

    /// A segment closed `connection`. Out of line: one segment of many does it.
    @inline(never)
    private func closed(_ connection: TCPConnection, key: ConnectionKey, reason: CloseReason, at time: Timestamp) {
        // Not touched after: closing drops the table's reference, maybe the last one (and a
        // closed connection holds no bytes to give up).
        close(connection, key: key, reason: reason, at: time)
        if budget.used > configuration.maxBufferedBytesTotal { shedBufferedBytes(preferring: nil, at: time) }
    }

    /// The open connection a segment belongs to, opening one when it starts a new connection;
    /// nil for a straggler of a closed connection (which keeps its number).
    private func lookUp(_ key: ConnectionKey, _ segment: TCPSegment, isInitialSYN: Bool, at time: Timestamp) -> TCPConnection? {
        let connection: TCPConnection
        switch table[key] {
        case .open(let existing):
            if isInitialSYN && existing.isReuse(bySYN: segment) {
                close(existing, key: key, reason: .reused, at: time)
                connection = open(key, segment, at: time)
            } else {
                connection = existing
            }
        case .closed(var closed):
            let direction: FlowDirection = segment.source == closed.client ? .clientToServer : .serverToClient
            let base = direction == .clientToServer ? closed.baseSequence.0 : closed.baseSequence.1
            let isNewSYN = isInitialSYN && base.map { $0 != segment.sequenceNumber } ?? true
            guard isNewSYN || closed.closedByIdleTimeout else {
                // A straggler of the closed connection (last ACK, retransmitted FIN): it keeps its number.
                closed.lastSeen = time
                table[key] = .closed(closed)
                return nil
            }
            connection = open(key, segment, at: time)
        case nil:
            connection = open(key, segment, at: time)
        }
        return connection
    }

    // MARK: Runs of established segments taken at once (`EstablishedRun`, `info`'s ranges)

    /// Whether runs may be absorbed over a stretch whose other segments, those not absorbed,
    /// number `otherSegments`: the configuration takes established segments as runs sum them
    /// up, and neither the out-of-order cap nor the memory budget can act before the stretch
    /// ends, whatever those segments do (each opens at most one connection, and the cap keeps
    /// the out-of-order bytes at most `maxBufferedBytesTotal` whenever the budget is checked).
    /// An absorbed connection is already at the stretch's end, and the ticks hold it unretained:
    /// the budget must not close it inside the stretch.
    public func admitsRuns(otherSegments: Int) -> Bool {
        guard configuration.handlesEstablishedSegmentsDirectly, configuration.acknowledgedHoleDelayNanoseconds == 0,
              budget.used <= configuration.maxBufferedBytesTotal else { return false }
        guard configuration.memoryBudgetBytes > 0 else { return true }
        let perConnection = ConnectionCost.open &+ ConnectionCost.followed &+ ConnectionCost.closed
        let (growth, overflow) = otherSegments.multipliedReportingOverflow(by: perConnection)
        return !overflow && estimatedBytes &- budget.used &+ growth &+ configuration.maxBufferedBytesTotal
            <= configuration.memoryBudgetBytes
    }

    /// Whether `run`, the segments of `key`'s connection over a stretch whose latest capture
    /// time is `latest`, can be absorbed: the connection is open and in the state the run
    /// assumes (`TCPConnection.admitsRun`), and the idle timeout cannot close it before the
    /// stretch ends even with the run's segments not yet seen.
    public func admits(_ run: EstablishedRun, key: ConnectionKey, latest: Timestamp) -> Bool {
        guard run.isSummable, run.packets > 0, case .open(let connection) = table[key] else { return false }
        let end = max(clock, latest)
        guard end.nanoseconds(since: connection.lastSeen) <= configuration.idleTimeoutNanoseconds else { return false }
        return connection.admitsRun(run, lowerIsClient: key.lower == connection.info.client)
    }

    /// A connection that took a run (`absorb`), for the ticks of the run's segments. Unretained:
    /// the connection stays open until the stretch ends (`admits`, `admitsRuns`).
    public struct AbsorbedConnection {
        let connection: Unmanaged<TCPConnection>
    }

    /// Takes `run` for its connection at once (`admits` said yes, and `admitsRuns` for the
    /// stretch), all but its last-seen time: the run's segments are then passed to
    /// `tick(at:seenOn:)` in their places, which move that as each segment would.
    public func absorb(_ run: EstablishedRun, key: ConnectionKey) -> AbsorbedConnection? {
        guard case .open(let connection) = table[key] else { return nil }
        connection.absorbRun(run, lowerIsClient: key.lower == connection.info.client)
        return AbsorbedConnection(connection: Unmanaged.passUnretained(connection))
    }

    /// What `process` does for a segment of an absorbed run besides what the run took: the
    /// capture clock, the sweeps and timeouts it drives, the connection's last-seen time (which
    /// orders the ageing queues, and so when the timeouts are looked at), the out-of-order cap
    /// and the budget, all in the segment's place among the others.
    @inline(__always)
    public func tick(at time: Timestamp, seenOn absorbed: AbsorbedConnection) {
        advanceClock(to: time)
        absorbed.connection._withUnsafeGuaranteedRef { $0.lastSeen = time }
        // The run's connection holds nothing out of order: preferring it gives way to the rest.
        if budget.used > configuration.maxBufferedBytesTotal { shedBufferedBytes(preferring: nil, at: time) }
        if configuration.memoryBudgetBytes > 0 && estimatedBytes > configuration.memoryBudgetBytes { keepWithinBudget(at: clock) }
    }

    /// Flushes and closes every open connection (end of input), in connection order.
    public func finish(at time: Timestamp) {
        if time > clock { clock = time }
        let flooded = !shedding.isEmpty
        for (key, connection) in openConnectionsByIndex() {
            // Once the budget or the half-open timeout had to act, the half-open connections
            // left are the flood's too: counted with it, not listed one by one.
            if flooded && connection.isHalfOpen {
                shedAtEnd(connection, key: key, at: time)
                continue
            }
            close(connection, key: key, reason: .endOfCapture, at: time)
        }
    }

    private func open(_ key: ConnectionKey, _ segment: TCPSegment, at time: Timestamp) -> TCPConnection {
        let server = serverEndpoint(of: segment)
        let client = server == segment.destination ? segment.source : segment.destination
        let info = ConnectionInfo(index: nextIndex, client: client, server: server, firstSeen: time,
                                  sawHandshake: segment.flags.contains(.syn))
        nextIndex &+= 1
        closedTotals.connections &+= 1
        let connection = TCPConnection(info: info, budget: budget, makeConsumer: makeConsumer)
        table[key] = .open(connection)
        openCount &+= 1
        if let free = freeSlots.popLast() {
            connection.slot = free
            slots[free] = connection
        } else {
            connection.slot = slots.count
            slots.append(connection)
        }
        aging.push(.init(key: key, index: info.index, stamp: time.nanoseconds, slot: connection.slot))
        return connection
    }

    /// The SYN's sender is the client and the SYN-ACK's sender the server; without them a
    /// watched port marks the server, and failing that the lower port (services listen low,
    /// clients get ephemeral ports).
    private func serverEndpoint(of segment: TCPSegment) -> Endpoint {
        if segment.flags.contains(.syn) {
            return segment.flags.contains(.ack) ? segment.source : segment.destination
        }
        let sourceWatched = configuration.watchedPorts.contains(segment.source.port)
        let destinationWatched = configuration.watchedPorts.contains(segment.destination.port)
        if sourceWatched != destinationWatched { return sourceWatched ? segment.source : segment.destination }
        return segment.source.port < segment.destination.port ? segment.source : segment.destination
    }

    func close(_ connection: TCPConnection, key: ConnectionKey, reason: CloseReason, at time: Timestamp) {
        openCache.remove(connection, key: key)
        connection.close(reason: reason, at: time)
        if connection.slot >= 0 && connection.slot < slots.count && slots[connection.slot] === connection {
            slots[connection.slot] = nil
            freeSlots.append(connection.slot)
        }
        connection.slot = -1
        openCount &-= 1
        if connection.wasFollowed { followedOpenCount &-= 1 }
        if reason == .idleTimeout { shedding.idleTimedOut &+= 1 }
        remembered.push(.init(key: key, index: connection.info.index, stamp: time.nanoseconds))
        closedTotals.add(connection.statistics)
        if connection.wasFollowed { closedTotals.followedConnections &+= 1 }
        let closed = ClosedConnection(
            index: connection.info.index, client: connection.info.client,
            baseSequence: (connection.client.baseSequence, connection.server.baseSequence),
            closedAt: time, lastSeen: time, closedByIdleTimeout: false)
        table[key] = .closed(closed)
    }

    /// Closes idle connections and forgets old closed ones. Runs every so often in capture time,
    /// so its cost is spread thin.
    private func sweep(at time: Timestamp) {
        let interval = max(configuration.idleTimeoutNanoseconds / 8, 1_000_000_000)
        nextSweep = time.adding(nanoseconds: interval)
        var forgotten: [ConnectionKey] = []
        for (key, entry) in table {
            if case .closed(let closed) = entry,
               time.nanoseconds(since: closed.lastSeen) > configuration.closedConnectionMemoryNanoseconds {
                forgotten.append(key)
            }
        }
        for key in forgotten { table.removeValue(forKey: key) }
        for (key, connection) in openConnectionsByIndex() {
            if time.nanoseconds(since: connection.lastSeen) > configuration.idleTimeoutNanoseconds {
                close(connection, key: key, reason: connection.sawFIN ? .fin : .idleTimeout, at: time)
                if case .closed(var closed) = table[key] {
                    closed.closedByIdleTimeout = true
                    table[key] = .closed(closed)
                }
            } else if configuration.acknowledgedHoleDelayNanoseconds > 0 {
                for half in [connection.client, connection.server] {
                    half.checkAcknowledgedHole(at: time, delay: configuration.acknowledgedHoleDelayNanoseconds, on: connection)
                }
            }
        }
    }

    /// Over the global cap: give up holes, first on the connection that just grew, then on
    /// whichever holds the most.
    private func shedBufferedBytes(preferring current: TCPConnection?, at time: Timestamp) {
        var candidate: TCPConnection? = current ?? largestBuffering()
        while budget.used > configuration.maxBufferedBytesTotal, let connection = candidate {
            let fuller = connection.client.bufferedCost >= connection.server.bufferedCost ? connection.client : connection.server
            if !fuller.skipHole(at: time, on: connection) { candidate = largestBuffering() }
        }
    }

    /// The open connection holding the most out-of-order bytes, if any holds some.
    private func largestBuffering() -> TCPConnection? {
        var largest: TCPConnection?
        for case .open(let other) in table.values where other.bufferedCost > (largest?.bufferedCost ?? 0) {
            largest = other
        }
        return largest
    }

    private func openConnectionsByIndex() -> [(ConnectionKey, TCPConnection)] {
        var result: [(ConnectionKey, TCPConnection)] = []
        for (key, entry) in table {
            if case .open(let connection) = entry { result.append((key, connection)) }
        }
        result.sort { $0.1.info.index < $1.1.info.index }
        return result
    }
}
