import CaptureIO
import Reassembly

/// Limits that keep a hostile or broken stream from growing memory.
package struct TLSDecoderLimits: Sendable {
    /// Largest record body accepted: 2^14 + 2048 (RFC 5246 6.2.3); larger means the stream is not TLS.
    package var maximumRecordLength = 16_384 + 2048
    /// Largest handshake message reassembled (certificate chains are the big ones).
    package var maximumHandshakeMessageLength = 262_144
    /// Client bytes held back while the ServerHello that says how to read them has not arrived.
    package var maximumHeldBytes = 1_048_576
    package init() {}
}

/// Decodes the TLS record layer of one TCP connection and hands decrypted application data on.
///
/// It sits between the reassembler and the protocol decoder that reads the plaintext (HTTP,
/// MySQL): create one per connection, pass it to the reassembler as the connection's
/// `StreamConsumer`, and give it the inner consumer. Records are parsed from any split of the
/// input; the handshake is read in the clear (ClientHello, ServerHello, TLS 1.2 certificates)
/// and, with keys from `TLSKeyLog`, decrypted (TLS 1.2 AES-GCM, ChaCha20-Poly1305, AES-CBC with
/// HMAC; TLS 1.3 AES-GCM and ChaCha20-Poly1305 with KeyUpdate). Decrypted application data
/// reaches `inner.receive` in order, stamped with the capture time of the record's first byte.
///
/// A gap makes its direction undecryptable for the rest of the connection (a TLS stream has no
/// resynchronisation point: record boundaries and sequence numbers are lost) and is passed on
/// as `inner.gap`. Missing keys, failed tags and corrupt records end decryption of that direction
/// with a reason in `facts.decryption`; they never trap.
///
/// ```swift
/// let http = HTTPConnectionDecoder(...)          // any StreamConsumer
/// let tls = TLSConnectionDecoder(connection: info, keyLog: keyLog, inner: http) { facts in
///     print(facts.serverName ?? "-", facts.decryption)
/// }
/// reassembler.attach(tls)                          // however the reassembler takes consumers
/// ```
package final class TLSConnectionDecoder: StreamConsumer {
    /// The consumer of decrypted application data (or of the raw stream when it is not TLS).
    package let inner: (any StreamConsumer)?
    let keyLog: TLSKeyLog
    let limits: TLSDecoderLimits
    private let onClose: ((TLSConnectionFacts) -> Void)?

    var storedFacts: TLSConnectionFacts
    let client = TLSDirectionStream(direction: .clientToServer)
    let server = TLSDirectionStream(direction: .serverToClient)
    var clientHello: TLSClientHello?
    var serverHello: TLSServerHello?
    var serverHelloDoneSeen = false
    /// Some valid record was seen: a bad header later is corruption, not "this is not TLS".
    private var sawRecord = false
    /// The stream is not TLS: bytes go to the inner consumer untouched.
    private var passthrough = false
    private var processing: Set<Int> = []
    private var closed = false
    /// Every record (with what its protection is), lost direction, FIN and the close, as they
    /// happen: what an observer without keys can still read (see `TLSExchangeInference`).
    package var onRecordLayerEvent: ((TLSRecordLayerEvent) -> Void)?

    /// - Parameters:
    ///   - connection: the TCP connection, for the facts.
    ///   - keyLog: secrets to decrypt with; an empty log still yields handshake facts.
    ///   - inner: receives decrypted application data, gaps, FINs and the close.
    ///   - onClose: called once with the final facts when the connection closes.
    package init(connection: ConnectionInfo, keyLog: TLSKeyLog = TLSKeyLog(), inner: (any StreamConsumer)?,
                limits: TLSDecoderLimits = TLSDecoderLimits(),
                onClose: ((TLSConnectionFacts) -> Void)? = nil) {
        self.inner = inner
        self.keyLog = keyLog
        self.limits = limits
        self.onClose = onClose
        storedFacts = TLSConnectionFacts(connection: connection)
    }

    /// The facts so far, with record counts and the decryption outcome filled in.
    package var facts: TLSConnectionFacts {
        var facts = storedFacts
        facts.clientRecords = client.counts
        facts.serverRecords = server.counts
        facts.decryption = decryptionStatus()
        return facts
    }

    func stream(_ direction: FlowDirection) -> TLSDirectionStream {
        direction == .clientToServer ? client : server
    }

    // MARK: StreamConsumer

    package func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp) {
        guard !closed else { return }
        if passthrough {
            inner?.receive(bytes, direction: direction, at: time)
            return
        }
        let s = stream(direction)
        s.append(bytes, at: time)
        process(s)
    }

    package func gap(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        guard !closed else { return }
        if !passthrough {
            let s = stream(direction)
            if s.stopped == nil {
                let name = direction == .clientToServer ? "client-to-server" : "server-to-client"
                s.stop("gap in \(name) stream")
                onRecordLayerEvent?(.lost(direction, at: time))
                note("\(count)-byte gap in the \(name) stream: the rest of that direction is not decoded "
                     + "(TLS record boundaries and sequence numbers cannot be recovered after lost bytes)")
            }
        }
        inner?.gap(count, direction: direction, at: time)
    }

    package func finished(direction: FlowDirection, at time: Timestamp) {
        guard !closed else { return }
        if !passthrough, stream(direction).unreadCount > 0 {
            note("\(direction == .clientToServer ? "client" : "server") stream ended inside a record "
                 + "(\(stream(direction).unreadCount) bytes)")
        }
        if !passthrough { onRecordLayerEvent?(.finished(direction, at: time)) }
        inner?.finished(direction: direction, at: time)
    }

    package func close(reason: CloseReason, statistics: ConnectionStatistics, at time: Timestamp) {
        guard !closed else { return }
        closed = true
        if !passthrough { onRecordLayerEvent?(.closed(reason, at: time)) }
        inner?.close(reason: reason, statistics: statistics, at: time)
        onClose?(facts)
    }

    // MARK: Record layer

    /// Parses every whole record buffered in `s`.
    func process(_ s: TLSDirectionStream) {
        // A ServerHello resumes the held client stream from inside the server's loop; a stream
        // already being parsed further up the call stack picks the new state up itself.
        guard !processing.contains(s.direction.rawValue) else { return }
        processing.insert(s.direction.rawValue)
        defer { processing.remove(s.direction.rawValue) }
        while s.stopped == nil, !passthrough, s.unreadCount >= 5 {
            let i = s.readIndex
            let type = s.buffer[i], major = s.buffer[i &+ 1], minor = s.buffer[i &+ 2]
            let length = Int(s.buffer[i &+ 3]) << 8 | Int(s.buffer[i &+ 4])
            guard (20...24).contains(type), major == 3, minor <= 4, length <= limits.maximumRecordLength else {
                invalidHeader(s)
                break
            }
            guard s.unreadCount >= 5 &+ length else { break }
            if mustHold(s, type: type) { break }
            sawRecord = true
            let header = Array(s.buffer[i..<(i &+ 5)])
            let body = s.buffer[(i &+ 5)..<(i &+ 5 &+ length)]
            let time = s.time(atOffset: s.readOffset)
            s.readIndex &+= 5 &+ length
            handleRecord(s, header: header, body: body, at: time)
        }
        s.compact()
    }

    /// TLS 1.3 client records after the ClientHello can only be read once the ServerHello has
    /// said which suite and version apply; hold them (bounded) if capture order put them first.
    private func mustHold(_ s: TLSDirectionStream, type: UInt8) -> Bool {
        s.direction == .clientToServer && type == 23 && !s.isProtected && clientHello != nil
            && serverHello == nil && server.stopped == nil && s.unreadCount <= limits.maximumHeldBytes
    }

    private func invalidHeader(_ s: TLSDirectionStream) {
        if !sawRecord && s.readOffset == 0 {
            // Not TLS at all (plaintext on a TLS port): hand everything on unchanged.
            passthrough = true
            storedFacts.isTLS = false
            note("not TLS: the first bytes of the \(s.direction == .clientToServer ? "client" : "server") "
                 + "stream are not a TLS record; passed on as they are")
            for other in [client, server] where other.unreadCount > 0 {
                let time = other.time(atOffset: other.readOffset)
                other.buffer[other.readIndex...].withUnsafeBytes {
                    inner?.receive($0, direction: other.direction, at: time)
                }
                other.readIndex = other.buffer.count
                other.compact()
            }
            return
        }
        let offset = s.readOffset
        let time = s.time(atOffset: offset)
        let dropped = s.stop("corrupt record header")
        onRecordLayerEvent?(.lost(s.direction, at: time))
        note("corrupt record header at \(s.direction == .clientToServer ? "client" : "server") stream offset "
             + "\(offset): the rest of that direction is not decoded")
        inner?.gap(dropped, direction: s.direction, at: time)
    }

    private func handleRecord(_ s: TLSDirectionStream, header: [UInt8], body: ArraySlice<UInt8>, at time: Timestamp) {
        let type = header[0]
        s.counts.count(type: type, bytes: 5 &+ body.count)
        // Reported after handling, which tells whether the keys opened it; the protection is
        // the one in force before handling (a ServerHello record itself is in the clear).
        let sighting = onRecordLayerEvent == nil ? nil
            : TLSRecordSighting(direction: s.direction, time: time, contentType: type, length: body.count,
                                protection: protection(of: s))
        let decryptedBefore = s.counts.decryptedRecords
        defer {
            if var sighting {
                sighting.decrypted = s.counts.decryptedRecords != decryptedBefore
                onRecordLayerEvent?(.record(sighting))
            }
        }
        // TLS 1.3 ChangeCipherSpec is a middlebox-compatibility no-op, never protected (RFC 8446 D.4).
        if type == 20 && isTLS13 { return }
        guard s.isProtected else {
            if type == 23 {
                s.counts.undecryptedRecords &+= 1
                if s.failure == nil {
                    s.failure = clientHello == nil ? "handshake not in capture" : "ServerHello not seen"
                }
                return
            }
            dispatch(s, type: type, Array(body), at: time)
            return
        }
        guard var decryptor = s.decryptor else {
            s.counts.undecryptedRecords &+= 1
            if type == 21 { addAlert(s, level: nil, code: nil, at: time) }
            return
        }
        do {
            let (innerType, plaintext) = try decryptor.open(header: header, body: body)
            s.decryptor = decryptor
            s.counts.decryptedRecords &+= 1
            dispatch(s, type: innerType, plaintext, at: time)
        } catch {
            s.counts.undecryptedRecords &+= 1
            if isTLS13, s.direction == .clientToServer, clientHello?.earlyData == true, !s.finishedSeen,
               s.counts.decryptedRecords == 0 {
                // 0-RTT records come before the client's handshake records and use the early
                // traffic secret; skip them without spending a sequence number (trial decryption).
                note("0-RTT early data record not decrypted")
                return
            }
            s.failure = error.description
            s.decryptor = nil
            note("\(s.direction == .clientToServer ? "client" : "server") record \(s.counts.records): "
                 + "\(error.description); the rest of that direction is not decrypted")
            if type == 21 { addAlert(s, level: nil, code: nil, at: time) }
        }
    }

    /// Handles a plaintext record body of the given (inner) content type.
    private func dispatch(_ s: TLSDirectionStream, type: UInt8, _ bytes: [UInt8], at time: Timestamp) {
        switch type {
        case 20:
            changeCipherSpec(s, at: time)
        case 21:
            var i = 0
            while i &+ 1 < bytes.count {
                addAlert(s, level: bytes[i], code: bytes[i &+ 1], at: time)
                i &+= 2
            }
        case 22:
            s.handshakeBuffer += bytes
            parseHandshakeMessages(s, at: time)
        case 23:
            guard !bytes.isEmpty else { return }
            s.counts.plaintextBytes &+= bytes.count
            bytes.withUnsafeBytes { inner?.receive($0, direction: s.direction, at: time) }
        default:
            break  // heartbeat: counted only
        }
    }

    private func addAlert(_ s: TLSDirectionStream, level: UInt8?, code: UInt8?, at time: Timestamp) {
        guard storedFacts.alerts.count < 64 else { return }
        storedFacts.alerts.append(TLSAlertFact(direction: s.direction, time: time, level: level, code: code))
    }

    func note(_ text: String) {
        guard storedFacts.notes.count < 32, !storedFacts.notes.contains(text) else { return }
        storedFacts.notes.append(text)
    }

    private func decryptionStatus() -> TLSDecryptionStatus {
        let decrypted = client.counts.decryptedRecords &+ server.counts.decryptedRecords
        let undecrypted = client.counts.undecryptedRecords &+ server.counts.undecryptedRecords
        let reason = client.failure ?? server.failure
        if decrypted == 0 && undecrypted == 0 {
            // A gap or corruption before any protected record still left data unread.
            if let stopped = client.stopped ?? server.stopped, client.isProtected || server.isProtected {
                return .notDecrypted(reason: stopped)
            }
            return .notEncrypted
        }
        if undecrypted == 0 && reason == nil { return .decrypted }
        let why = reason ?? "0-RTT early data not decrypted"
        return decrypted > 0 ? .partiallyDecrypted(reason: why) : .notDecrypted(reason: why)
    }
}
