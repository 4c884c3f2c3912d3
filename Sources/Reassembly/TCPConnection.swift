import CaptureIO
import PacketDecoding

/// One open TCP connection: its two half-streams, its consumer and its counters.
final class TCPConnection {
    /// Whether the consumer factory was asked yet, and what it said.
    enum Decision {
        case undecided
        case following(StreamConsumer)
        case ignored
    }

    /// A gap or FIN met before the factory was asked (it is asked at the first payload);
    /// replayed to the consumer once there is one.
    private enum EarlyEvent {
        case gap(Int, FlowDirection, Timestamp)
        case notCaptured(Int, FlowDirection, Timestamp)
        case finished(FlowDirection, Timestamp)
    }

    let info: ConnectionInfo
    var statistics = ConnectionStatistics()
    private(set) var decision = Decision.undecided
    let client = TCPHalfStream(direction: .clientToServer)
    let server = TCPHalfStream(direction: .serverToClient)
    var lastSeen: Timestamp
    private(set) var sawFIN = false
    private var sawSYNACK = false
    /// The client acknowledged the server's SYN-ACK: no longer half-open.
    private var handshakeCompleted = false
    /// A SYN was captured but the three-way handshake never completed (a SYN flood's shape).
    var isHalfOpen: Bool { info.sawHandshake && !handshakeCompleted }
    /// The factory returned a consumer for this connection.
    private(set) var wasFollowed = false
    let budget: BufferBudget
    private let makeConsumer: TCPReassembler.ConsumerFactory
    private var earlyEvents: [EarlyEvent] = []
    /// Its place in the reassembler's `slots` while open (see `AgingQueue.Entry.slot`).
    var slot = -1

    init(info: ConnectionInfo, budget: BufferBudget, makeConsumer: @escaping TCPReassembler.ConsumerFactory) {
        self.info = info
        self.budget = budget
        self.makeConsumer = makeConsumer
        lastSeen = info.firstSeen
    }

    @inline(__always)
    func half(_ direction: FlowDirection) -> TCPHalfStream { direction == .clientToServer ? client : server }

    @inline(__always)
    func direction(from source: Endpoint) -> FlowDirection { source == info.client ? .clientToServer : .serverToClient }

    /// Bytes are copied while the factory has not been asked (it may want them) or follows.
    var keepsBytes: Bool {
        if case .ignored = decision { return false }
        return true
    }

    var bufferedCost: Int { client.bufferedCost &+ server.bufferedCost }

    /// True when this SYN starts a new connection on the same 4-tuple: its sequence number
    /// differs from the direction's base, which is how tshark numbers `tcp.stream`.
    func isReuse(bySYN segment: TCPSegment) -> Bool {
        guard let base = half(direction(from: segment.source)).baseSequence else { return false }
        return base != segment.sequenceNumber
    }

    /// Handles one segment of this connection. Returns why it closed, if this segment closed it.
    func process(_ segment: TCPSegment, at time: Timestamp, limits: ConnectionLimits) -> CloseReason? {
        lastSeen = time
        statistics.packets &+= 1
        // The half-streams are passed as borrowed constants of this connection rather than
        // picked into locals, which would retain and release both on every packet.
        if direction(from: segment.source) == .clientToServer {
            return process(segment, at: time, limits: limits, direction: .clientToServer, sender: client, receiver: server)
        }
        return process(segment, at: time, limits: limits, direction: .serverToClient, sender: server, receiver: client)
    }

    @inline(__always)
    private func process(_ segment: TCPSegment, at time: Timestamp, limits: ConnectionLimits,
                         direction: FlowDirection, sender: TCPHalfStream, receiver: TCPHalfStream) -> CloseReason? {
        if limits.direct && processEstablished(segment, at: time, limits: limits, direction: direction,
                                               sender: sender, receiver: receiver) { return nil }
        let flags = segment.flags
        if sender.baseSequence == nil {
            sender.baseSequence = flags.contains(.syn) ? segment.sequenceNumber : segment.sequenceNumber &- 1
        }
        if flags.contains(.ack) && receiver.baseSequence == nil {
            receiver.baseSequence = segment.acknowledgementNumber &- 1
        }
        if flags.contains(.syn) {
            if flags.contains(.ack) { sawSYNACK = true }
        } else if sawSYNACK && direction == .clientToServer && flags.contains(.ack) {
            handshakeCompleted = true
        }
        if flags.contains(.rst) {
            statistics.resets &+= 1
            return .reset
        }
        if segment.window == 0 && !flags.contains(.syn) { statistics.zeroWindows &+= 1 }
        if segment.payloadLength > 0 { countPayload(segment.payloadLength, direction) }
        if flags.contains(.fin) { sawFIN = true }
        if flags.contains(.ack) {
            receiver.noteAcknowledgement(segment.acknowledgementNumber)
            // Bytes the peer acknowledged were sent before this segment: a hole the capture
            // missed before them is declared first, so that a request held behind a lost
            // segment reaches the decoder before the response that acknowledges it.
            receiver.checkAcknowledgedHole(at: time, delay: limits.acknowledgedHoleDelay, on: self)
        }

        // The acknowledgement as a place in the receiver's stream, taken before this segment's
        // own bytes move anything: decoders pair a response with the request it acknowledges.
        let acknowledged = flags.contains(.ack) ? receiver.streamOffset(of: segment.acknowledgementNumber) : nil
        sender.receive(segment, at: time, acknowledged: acknowledged, inOrderDirectly: limits.direct, on: self)
        keepWithinCap(limits.maxBufferedBytes, at: time)
        sender.checkAcknowledgedHole(at: time, delay: limits.acknowledgedHoleDelay, on: self)
        receiver.checkAcknowledgedHole(at: time, delay: limits.acknowledgedHoleDelay, on: self)
        return client.isFinished && server.isFinished ? .fin : nil
    }

    /// What most segments are once both sides have started: an acknowledgement, without SYN,
    /// FIN or RST, and either no bytes or bytes `TCPHalfStream.takesInOrder` accepts, from a side
    /// that has sent no FIN. Does what the general path above does with it, step for step in
    /// its order, without the steps that cannot apply (they were a third of the reassembler's
    /// instructions on a capture of API calls). False, having changed nothing, for any other
    /// segment; true means the segment closed nothing (its sender cannot have finished).
    @inline(__always)
    private func processEstablished(_ segment: TCPSegment, at time: Timestamp, limits: ConnectionLimits,
                                    direction: FlowDirection, sender: TCPHalfStream, receiver: TCPHalfStream) -> Bool {
        let control = TCPFlags.syn.rawValue | TCPFlags.fin.rawValue | TCPFlags.rst.rawValue | TCPFlags.ack.rawValue
        guard segment.flags.rawValue & control == TCPFlags.ack.rawValue,
              sender.baseSequence != nil, receiver.baseSequence != nil,
              segment.payloadLength == 0 ? sender.finSequence == nil : sender.takesInOrder(segment) else { return false }
        if sawSYNACK && direction == .clientToServer { handshakeCompleted = true }
        if segment.window == 0 { statistics.zeroWindows &+= 1 }
        let delay = limits.acknowledgedHoleDelay
        receiver.noteAcknowledgement(segment.acknowledgementNumber)
        receiver.checkAcknowledgedHole(at: time, delay: delay, on: self)
        if segment.payloadLength > 0 {
            countPayload(segment.payloadLength, direction)
            sender.receiveInOrder(segment, at: time, acknowledged: receiver.streamOffset(of: segment.acknowledgementNumber),
                                  on: self)
        }
        keepWithinCap(limits.maxBufferedBytes, at: time)
        sender.checkAcknowledgedHole(at: time, delay: delay, on: self)
        receiver.checkAcknowledgedHole(at: time, delay: delay, on: self)
        return true
    }

    @inline(__always)
    private func countPayload(_ length: Int, _ direction: FlowDirection) {
        if direction == .clientToServer {
            statistics.clientPayloadBytes &+= length
        } else {
            statistics.serverPayloadBytes &+= length
        }
    }

    /// Whether `run` (this connection's summable segments over a stretch, `EstablishedRun`) can
    /// be taken at once: nobody follows the connection (no byte is delivered), it is no longer
    /// half-open (the half-open timeout cannot close it inside the stretch), and both directions
    /// are where the run assumes them.
    func admitsRun(_ run: EstablishedRun, lowerIsClient: Bool) -> Bool {
        guard case .ignored = decision, !isHalfOpen else { return false }
        let (fromClient, fromServer) = lowerIsClient ? (run.lower, run.upper) : (run.upper, run.lower)
        return client.admitsRun(dataStart: fromClient.bytes > 0 ? fromClient.dataStart : nil,
                                acknowledged: fromServer.segments > 0 ? (fromServer.firstAcknowledgement, fromServer.lastAcknowledgement) : nil)
            && server.admitsRun(dataStart: fromServer.bytes > 0 ? fromServer.dataStart : nil,
                                acknowledged: fromClient.segments > 0 ? (fromClient.firstAcknowledgement, fromClient.lastAcknowledgement) : nil)
    }

    /// Takes `run` as its segments one by one through `processEstablished` would (`admitsRun`
    /// said yes): the streams move on, the acknowledgements are noted, the counters grow. The
    /// last-seen time moves with each segment's tick (`TCPReassembler.tick(at:seenOn:)`).
    func absorbRun(_ run: EstablishedRun, lowerIsClient: Bool) {
        let (fromClient, fromServer) = lowerIsClient ? (run.lower, run.upper) : (run.upper, run.lower)
        statistics.packets &+= run.packets
        statistics.zeroWindows &+= run.zeroWindows
        statistics.clientPayloadBytes &+= fromClient.bytes
        statistics.serverPayloadBytes &+= fromServer.bytes
        if sawSYNACK && fromClient.segments > 0 { handshakeCompleted = true }
        client.absorbRun(bytes: fromClient.bytes, lastAcknowledgement: fromServer.segments > 0 ? fromServer.lastAcknowledgement : nil)
        server.absorbRun(bytes: fromServer.bytes, lastAcknowledgement: fromClient.segments > 0 ? fromClient.lastAcknowledgement : nil)
    }

    /// Gives up holes, in the direction holding more, while the connection holds more
    /// out-of-order bytes than `cap`.
    @inline(__always)
    private func keepWithinCap(_ cap: Int, at time: Timestamp) {
        while bufferedCost > cap {
            let fuller = client.bufferedCost >= server.bufferedCost ? client : server
            guard fuller.skipHole(at: time, on: self) else { break }
        }
    }

    /// Flushes both directions, tells the consumer, and releases every buffer.
    func close(reason: CloseReason, at time: Timestamp) {
        client.flush(at: time, on: self)
        server.flush(at: time, on: self)
        client.release(budget: budget)
        server.release(budget: budget)
        if case .following(let consumer) = decision {
            consumer.close(reason: reason, statistics: statistics, at: time)
        }
        decision = .ignored
        earlyEvents = []
    }

    // MARK: Delivery, called by the half-streams

    func deliver(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp, position: StreamPosition) {
        guard !bytes.isEmpty else { return }
        switch decision {
        case .following(let consumer):
            consumer.receive(bytes, direction: direction, at: time, position: position)
        case .ignored:
            return
        case .undecided:
            guard let consumer = makeConsumer(info, bytes, direction) else {
                decision = .ignored
                earlyEvents = []
                client.dropStoredBytes(budget: budget)
                server.dropStoredBytes(budget: budget)
                return
            }
            decision = .following(consumer)
            wasFollowed = true
            for event in earlyEvents {
                switch event {
                case .gap(let count, let direction, let time): consumer.gap(count, direction: direction, at: time)
                case .notCaptured(let count, let direction, let time): consumer.notCaptured(count, direction: direction, at: time)
                case .finished(let direction, let time): consumer.finished(direction: direction, at: time)
                }
            }
            earlyEvents = []
            consumer.receive(bytes, direction: direction, at: time, position: position)
        }
    }

    func deliverGap(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        guard count > 0 else { return }
        statistics.gaps &+= 1
        statistics.missingBytes &+= count
        switch decision {
        case .following(let consumer): consumer.gap(count, direction: direction, at: time)
        case .undecided: earlyEvents.append(.gap(count, direction, time))
        case .ignored: break
        }
    }

    /// Bytes the snap length cut: on the wire, so counted apart from the lost ones.
    func deliverNotCaptured(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        guard count > 0 else { return }
        statistics.bytesNotCaptured &+= count
        switch decision {
        case .following(let consumer): consumer.notCaptured(count, direction: direction, at: time)
        case .undecided: earlyEvents.append(.notCaptured(count, direction, time))
        case .ignored: break
        }
    }

    /// Bytes of a connection nobody follows reached the stream position; nothing to deliver.
    func deliverUntracked(_ count: Int, direction: FlowDirection) {}

    func deliverFinished(direction: FlowDirection, at time: Timestamp) {
        switch decision {
        case .following(let consumer): consumer.finished(direction: direction, at: time)
        case .undecided: earlyEvents.append(.finished(direction, time))
        case .ignored: break
        }
    }
}

/// The part of `TCPReassembler.Configuration` a connection reads for every segment.
struct ConnectionLimits {
    /// `acknowledgedHoleDelayNanoseconds`.
    var acknowledgedHoleDelay: Int64
    /// `maxBufferedBytesPerConnection`.
    var maxBufferedBytes: Int
    /// `handlesEstablishedSegmentsDirectly`.
    var direct: Bool
}
