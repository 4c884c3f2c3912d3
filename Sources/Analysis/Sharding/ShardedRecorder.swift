import CaptureIO
import Reassembly
import Timeline

/// Records facts with several decoding workers: the reading thread keeps what is global (the
/// reader, the packet decoder, the one reassembler with its connection numbering, memory budget,
/// timeouts and shedding) and decides which connections are followed; each followed connection's
/// events go to one worker, which builds its decoder and records its facts (issue 25).
///
/// The result equals one thread's: a connection's events reach its worker in the reassembler's
/// order; facts are merged into one store sorted as one thread sorts them (by time, connection,
/// then arrival, and a connection's facts are all in one worker, in order); TLS notes are sorted
/// by connection, shed counts added up. When uploads are hashed, the connections that may carry
/// the numbered parts of one object (`UploadChain`: parts may travel on different connections,
/// and are hashed in the order they are met) all go to worker 0, in order; only connections to
/// Keystone, Glance and MySQL ports are spread.
///
/// With `mysqlOnly`, only the MySQL connections go to the workers and the reading thread decodes
/// the rest itself (`CaptureAnalysis.Options.decodesMySQLApart`): on an upload capture, handing
/// each upload segment over would cost the reader more than decoding its HTTP framing, while the
/// MySQL decoding is worth a core of its own. The sniffer's facts are merged with the workers'.
final class ShardedRecorder: FactRecorder {
    /// How big batches grow and how many wait (`CaptureAnalysis.Options.sharding`).
    private let limits: ShardingLimits
    /// Server ports spread over the workers when uploads are hashed (see the type's comment).
    static let spreadWhenHashing: Set<UInt16> = OpenStackPorts.keystone.union(OpenStackPorts.glance)
        .union(OpenStackPorts.mysql).union([OpenStackPorts.mysqlProxyFront])

    /// The reading thread's router: it sniffs new connections and holds the key log's warnings.
    private let sniffer: ProtocolRouter
    private let hashUploads: Bool
    private let workers: [DecodingWorker]
    /// Workers without a thread of their own (the system refused one): replayed inline.
    private var inline: [Bool]
    private var filling: [EventBatch]
    /// Record bytes the reading thread has passed, for `maxBatchLag`.
    private var consumed = 0
    private var nextLagCheck = 0
    /// The map the last mapped bytes lay in (one registry lookup per map, not per chunk), its
    /// bounds, and a serial number per map met (batches retain each map they point into once).
    private var region: StableRegion?
    private var regionStart: UInt = 0
    private var regionLength: UInt = 0
    private var regionSerial = 0
    /// Connections closed early: noted here, in the reassembler's order; their decoders' shed
    /// facts are counted by the workers.
    private var shed = ShedFacts()
    private var pages: MapPageRelease
    /// The workers were told the input ended.
    private var stopped = false
    /// Only MySQL connections go to the workers; the sniffer decodes the others.
    private let mysqlOnly: Bool

    init(sniffer: ProtocolRouter, options: CaptureAnalysis.Options, workers count: Int, mysqlOnly: Bool = false) {
        self.sniffer = sniffer
        self.mysqlOnly = mysqlOnly
        hashUploads = options.hashUploads
        limits = options.sharding
        var workers: [DecodingWorker] = []
        for _ in 0..<max(count, 1) {
            let router = ProtocolRouter(watchedPorts: options.watchedPorts, keyLogPaths: [],
                                        hashUploads: options.hashUploads, recordsMessageTexts: options.recordsMessageTexts)
            router.portProtocols = options.portProtocols
            router.keyLog = sniffer.keyLog
            workers.append(DecodingWorker(router: router, queueCapacity: options.sharding.queueCapacity))
        }
        self.workers = workers
        pages = MapPageRelease(workers: workers.count)
        inline = workers.map { !$0.start() }
        filling = workers.map { _ in EventBatch(capacity: options.sharding.eventsPerBatch) }
    }

    /// Which worker decodes `connection`.
    private func worker(for connection: ConnectionInfo) -> Int {
        if hashUploads && !ShardedRecorder.spreadWhenHashing.contains(connection.server.port) { return 0 }
        return connection.index % workers.count
    }

    func consumer(for connection: ConnectionInfo, firstPayload: UnsafeRawBufferPointer?,
                  direction: FlowDirection) -> StreamConsumer? {
        guard let content = sniffer.following(connection, firstPayload: firstPayload, direction: direction) else { return nil }
        if mysqlOnly && content != .mysql { return sniffer.consumer(for: connection, content: content, direction: direction) }
        let k = worker(for: connection)
        let batch = filling[k]
        var event = StreamEvent(.open, connection: connection.index, direction: direction)
        event.value = UInt(batch.opened.count)
        batch.opened.append(OpenedConnection(connection: connection, content: content, direction: direction))
        record(event, worker: k)
        return ShardProxy(connection: connection.index, worker: k, recorder: self)
    }

    func shedding(_ connection: ConnectionInfo, reason: CloseReason, starting: Bool) {
        if starting { shed.note(connection, reason: reason) }
        // A connection the sniffer decodes itself: what its decoders emit while closing is counted
        // by the sniffer (noted once, here).
        if mysqlOnly { sniffer.sheddingConnection = starting ? connection.index : nil }
        record(StreamEvent(starting ? .sheddingStarts : .sheddingEnds, connection: connection.index), worker: worker(for: connection))
    }

    func addSecrets(_ secrets: [DecryptionSecrets]) {
        // The sniffer decodes connections itself too (HTTPS among them).
        if mysqlOnly { sniffer.addSecrets(secrets) }
        for k in workers.indices {
            var event = StreamEvent(.secrets, connection: -1)
            event.value = UInt(filling[k].secrets.count)
            filling[k].secrets.append(secrets)
            record(event, worker: k)
        }
    }

    /// The reading thread is at `record` (every record before it was fed).
    func advance(past record: UnsafeRawBufferPointer) {
        consumed &+= record.count
        guard consumed >= nextLagCheck else { return }
        nextLagCheck = consumed &+ (limits.batchLag >> 2)
        for k in filling.indices where !filling[k].isEmpty && consumed &- filling[k].startedAt > limits.batchLag {
            handOver(k)
        }
        pages.release(cursor: UInt(bitPattern: record.baseAddress), workers: workers, filling: filling)
    }

    func record(_ event: StreamEvent, worker k: Int) {
        let batch = filling[k]
        if batch.isEmpty { batch.startedAt = consumed }
        batch.events.append(event)
        if batch.events.count >= limits.eventsPerBatch { handOver(k) }
    }

    func recordClose(_ closed: ClosedStream, connection: Int, worker k: Int, time: Timestamp) {
        let batch = filling[k]
        var event = StreamEvent(.close, connection: connection, time: time)
        event.value = UInt(batch.closed.count)
        batch.closed.append(closed)
        record(event, worker: k)
    }

    func record(_ bytes: UnsafeRawBufferPointer, connection: Int, worker k: Int, direction: FlowDirection, time: Timestamp,
                position: StreamPosition?) {
        let address = UInt(bitPattern: bytes.baseAddress)
        // MySQL alone is a small share of an upload capture's bytes: copied, the worker never
        // faults back in the map's pages the reader already gave back.
        if !mysqlOnly, address &- regionStart >= regionLength || UInt(bytes.count) > regionStart &+ regionLength &- address {
            lookUpRegion(bytes)
        }
        let batch = filling[k]
        if batch.isEmpty { batch.startedAt = consumed }
        var event = StreamEvent(.mapped, connection: connection, direction: direction, time: time)
        event.count = bytes.count
        event.setPosition(position)
        if !mysqlOnly, address &- regionStart < regionLength && UInt(bytes.count) <= regionStart &+ regionLength &- address,
           let region {
            if batch.heldRegion != regionSerial {
                batch.regions.append(region)
                batch.heldRegion = regionSerial
            }
            event.value = address
            batch.mappedBytes &+= bytes.count
            if address < batch.mappedLow { batch.mappedLow = address }
            if address &+ UInt(bytes.count) > batch.mappedHigh { batch.mappedHigh = address &+ UInt(bytes.count) }
        } else {
            event.kind = .copied
            event.value = UInt(batch.bytes.count)
            batch.bytes.append(contentsOf: bytes)
        }
        batch.events.append(event)
        if batch.events.count >= limits.eventsPerBatch || batch.bytes.count >= limits.copiedBytesPerBatch
            || batch.mappedBytes >= limits.mappedBytesPerBatch {
            handOver(k)
        }
    }

    /// The map holding `bytes`, if any, becomes the one checked first.
    private func lookUpRegion(_ bytes: UnsafeRawBufferPointer) {
        guard let found = StableMemory.region(containing: bytes) else { return }
        region = found
        regionSerial &+= 1
        regionStart = UInt(bitPattern: found.start)
        regionLength = UInt(bitPattern: found.end) &- regionStart
        pages.use(found, serial: regionSerial)
    }

    private func handOver(_ k: Int) {
        let full = filling[k]
        guard !full.isEmpty else { return }
        if inline[k] {
            workers[k].replay(full)
            full.reset()
            return
        }
        pages.handingOver(full, to: k)
        workers[k].queue.push(full)
        filling[k] = workers[k].spare.withLock { $0.popLast() } ?? EventBatch(capacity: limits.eventsPerBatch)
    }

    /// Hands over what is left and waits for every worker to replay it; once.
    private func stopWorkers() {
        guard !stopped else { return }
        stopped = true
        for k in workers.indices {
            handOver(k)
            if !inline[k] { workers[k].queue.push(nil) }
        }
        for worker in workers { worker.join() }
    }

    /// A run abandoned before its end (a capture that failed to read) leaves no thread behind.
    deinit {
        stopWorkers()
    }

    func finishRecording() -> RecordedFacts {
        stopWorkers()
        filling = []
        for worker in workers { worker.spare.withLock { $0 = [] } }
        // What the workers freed (their decoders, their batches) lies in their own malloc arenas,
        // which glibc does not trim by itself: give it back before the merged index is built.
        ProcessMemory.releaseFreePages()
        let routers = workers.map(\.router) + (mysqlOnly ? [sniffer] : [])
        let http = HTTPFactStore(merging: routers.map(\.httpFacts))
        let sql = SQLFactStore(merging: routers.map(\.sqlFacts))
        var warnings = sniffer.warnings
        ProtocolRouter.finish(http, sql, warnings: &warnings)
        var shed = self.shed
        for router in routers {
            shed.httpExchanges &+= router.shed.httpExchanges
            shed.sqlCommands &+= router.shed.sqlCommands
        }
        // Each worker's notes are in connection order; connections are disjoint between workers.
        let notes = routers.flatMap(\.tlsNotes).enumerated().sorted {
            ($0.element.connection, $0.offset) < ($1.element.connection, $1.offset)
        }.map(\.element)
        return RecordedFacts(http: http, sql: sql, shed: shed, tlsNotes: notes, warnings: warnings,
                             anomalies: routers.flatMap(\.anomalies))
    }
}

/// How the reading thread batches events for the workers. Batches small enough that a worker
/// reads the mapped bytes soon after the reader (`NativeCaptureReader` releases the pages behind
/// its cursor every megabyte), big enough that a hand-over (a wake-up) is paid per thousand events.
package struct ShardingLimits: Sendable {
    package var eventsPerBatch = 1024
    package var copiedBytesPerBatch = 64 << 10
    package var mappedBytesPerBatch = 256 << 10
    /// A batch not full after this many record bytes is handed over anyway (a worker with few
    /// connections would otherwise read its bytes long after the reader released them).
    package var batchLag = 512 << 10
    /// Batches waiting per worker: past them the reader waits (bounded memory).
    package var queueCapacity = 2
    package init() {}
}
