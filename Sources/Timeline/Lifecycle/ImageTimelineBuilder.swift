import CaptureIO
import MySQLDecoding

/// Builds each image's lifecycle from the HTTP exchanges and SQL statements of a capture.
///
/// SQL writes are the truth of what Glance stored (committed ones only); HTTP responses
/// give what the API reported, and are used for transitions only when no SQL write of the
/// image was captured (a capture of the public endpoint alone).
public struct ImageTimelineBuilder {
    private var images: [ImageLifecycle] = []
    private var indexByID: [String: Int] = [:]
    /// Images met by name only (a lookup by name before the id was known).
    private var indexByPendingName: [String: Int] = [:]
    /// image_properties row id (from an INSERT's last insert id) -> (image id, property name).
    private var propertyRows: [Int64: (image: String, name: String)] = [:]
    private var reportedStatuses: [Int: [(status: String, time: Timestamp, http: Int)]] = [:]
    private var anomalies: [Anomaly] = []
    /// Image index -> the newest image row read (statement position, row), not yet in `finalRow`.
    private var pendingRows: [Int: (position: Int, row: Int)] = [:]

    public init() {}

    /// Positions in `http` and `sql` are the facts' indices (sorted stores, or facts in index order).
    public static func build(http: HTTPFactStore, sql: SQLFactStore) -> ImageTimeline {
        var builder = ImageTimelineBuilder()
        var timeline = builder.run(http: http, sql: sql)
        // Exchanges seen only as encrypted records are named from the SQL attributed to them.
        InferredCallNaming.name(&timeline, http: http, sql: sql)
        return timeline
    }

    public static func build(http: [HTTPFact], sql: [SQLFact]) -> ImageTimeline {
        build(http: HTTPFactStore(http), sql: SQLFactStore(sql))
    }

    private mutating func run(http: HTTPFactStore, sql: SQLFactStore) -> ImageTimeline {
        let attribution = SQLAttribution.links(sql: sql, http: http)
        var httpOfSQL = attribution.httpOfSQL
        var uncertainSQL = attribution.uncertain
        let log = SQLTransactionLog(sql)
        let beforeBackgroundTasks = httpOfSQL
        BackgroundTaskAttribution.reattribute(&httpOfSQL, http: http, sql: sql, writes: log.writes)
        // An import's writes given to it after the fact (no request in progress issued them).
        for (statement, request) in httpOfSQL where beforeBackgroundTasks[statement] != request {
            uncertainSQL[statement] = .likely(request)
        }
        var imageOfSQL: [Int: String] = [:]

        // Events are positions (in `http`, `log.writes`, `sql`), not values: a capture can hold
        // tens of thousands of image-row SELECTs, decoded one at a time when their turn comes.
        enum Event { case http(Int), write(Int), read(Int) }
        var events: [(time: Timestamp, order: Int, event: Event)] = []
        // Only exchanges that name an image change an image's story.
        for position in http.indices where http.traits(at: position).contains(.namesImage) {
            events.append((http.time(at: position), 0, .http(position)))
        }
        for (position, write) in log.writes.enumerated() {
            guard sql.indices.contains(write.sql) else { continue }
            if !write.committed {
                let fact = sql[write.sql]
                anomalies.append(Anomaly(time: fact.time, kind: .uncommittedWrite,
                                         message: "SQL write never committed in the capture: \(Self.abbreviated(fact.statement))"))
                continue
            }
            events.append((sql.time(at: write.sql), 1, .write(position)))
        }
        for position in sql.indices where sql.traits(at: position).contains(.keptRows) {
            events.append((sql.end(at: position), 2, .read(position)))
        }
        events.sort { ($0.time, $0.order) < ($1.time, $1.order) }

        for (_, _, event) in events {
            switch event {
            case .http(let position):
                apply(http[position])
            case .write(let position):
                let write = log.writes[position]
                let fact = sql[write.sql]
                if let id = apply(write, fact: fact, http: httpOfSQL[fact.index], sql: sql) { imageOfSQL[fact.index] = id }
            case .read(let position):
                if let id = applyRows(sql.keptRows(at: position), at: position) { imageOfSQL[position] = id }
            }
        }
        for i in Array(pendingRows.keys) { settleRow(of: i, sql: sql) }
        let knownIDs = ImageIDIndex(indexByID.keys)
        for position in sql.indices where imageOfSQL[position] == nil {
            let isError = sql.traits(at: position).contains(.error)
            if !knownIDs.isEmpty, let id = sql.statement(at: position, naming: knownIDs) { imageOfSQL[position] = id }
            if isError, case .error(let code, let message) = sql[position].outcome {
                anomalies.append(Anomaly(time: sql.time(at: position), kind: .sqlError, message: "MySQL error \(code): \(message)"))
            }
        }
        finishTransitionsFromHTTP()
        for position in http.indices where http.traits(at: position).contains(.anomalous) {
            let fact = http[position]
            if let status = fact.status, status >= 500 {
                anomalies.append(Anomaly(time: fact.time, kind: .httpServerError,
                                         message: "\(fact.method) \(fact.path) answered \(status)"))
            }
            if fact.method == "-" {
                // No request at all (lost, or sent before the capture began): not an incomplete one.
                anomalies.append(Anomaly(time: fact.time, kind: .responseWithoutRequest,
                                         message: "\(fact.status.map { "\($0) response" } ?? "response") on \(fact.client) -> \(fact.server) "
                                             + "without its request in the capture"))
            } else if !fact.requestComplete {
                anomalies.append(Anomaly(time: fact.time, kind: .incompleteRequest,
                                         message: "\(fact.method) \(fact.path): request body incomplete in the capture"))
            }
        }
        var sqlOfHTTP: [Int: [Int]] = [:]
        for position in sql.positionsByStart() {
            if let request = httpOfSQL[position] { sqlOfHTTP[request, default: []].append(position) }
        }
        var issues: [String: Int] = [:]
        for position in http.positionsByStart() where http.traits(at: position).contains(.tokenIssue) {
            if let token = http[position].subjectTokenFingerprint, issues[token] == nil { issues[token] = position }
        }
        var tokenIssueOfHTTP: [Int: Int] = [:]
        if !issues.isEmpty {
            for position in http.indices where http.traits(at: position).contains(.carriesToken) {
                if let token = http[position].tokenFingerprint, let issue = issues[token] { tokenIssueOfHTTP[position] = issue }
            }
        }
        // Last, because reading them waits for the hashers, which may still be at work.
        fillUploadDigests(http: http)
        anomalies += ImageDataPath.fill(&images, http: http, writes: log.writes)
        for image in images {
            if image.upload?.matchesChecksum == false {
                anomalies.append(Anomaly(time: image.upload?.ended ?? image.firstSeen, kind: .checksumMismatch,
                                         message: "image \(image.id ?? image.name ?? "?"): uploaded bytes do not match the checksum Glance stored"))
            }
            failedUploads(of: image, http: http)
            if image.status == "killed" {
                anomalies.append(Anomaly(time: image.transitions.last?.time ?? image.firstSeen, kind: .imageKilled,
                                         message: "image \(image.id ?? image.name ?? "?") ended killed (upload failed)"))
            }
        }

        anomalies.sort { $0.time < $1.time }
        var timeline = ImageTimeline(images: images.sorted { $0.firstSeen < $1.firstSeen }, httpOfSQL: httpOfSQL,
                                     sqlOfHTTP: sqlOfHTTP, imageOfSQL: imageOfSQL, anomalies: anomalies)
        timeline.uncertainSQL = uncertainSQL
        timeline.tokenIssueOfHTTP = tokenIssueOfHTTP
        timeline.causeOfHTTP = CallCausation.attribute(http: http)
        timeline.callsOfHTTP = CallCausation.callsByRequest(timeline.causeOfHTTP)
        return timeline
    }

    // MARK: identity

    private mutating func image(id: String, name: String?, at time: Timestamp) -> Int {
        if let i = indexByID[id] {
            if let name, images[i].name == nil { images[i].name = name; adoptPending(name: name, into: i) }
            return i
        }
        if let name, let pending = indexByPendingName.removeValue(forKey: name) {
            images[pending].id = id
            indexByID[id] = pending
            return pending
        }
        images.append(ImageLifecycle(id: id, name: name, firstSeen: time))
        indexByID[id] = images.count - 1
        return images.count - 1
    }

    private mutating func adoptPending(name: String, into target: Int) {
        guard let pending = indexByPendingName.removeValue(forKey: name), pending != target else { return }
        images[target].http = (images[pending].http + images[target].http).sorted()
        images[target].firstSeen = min(images[target].firstSeen, images[pending].firstSeen)
        // Leave an empty husk rather than shifting indices; dropped at the end.
        images[pending].http = []
        images[pending].name = nil
    }

    private mutating func image(pendingName name: String, at time: Timestamp) -> Int {
        if let i = indexByPendingName[name] { return i }
        if let i = images.firstIndex(where: { $0.name == name && $0.id != nil }) { return i }
        images.append(ImageLifecycle(id: nil, name: name, firstSeen: time))
        indexByPendingName[name] = images.count - 1
        return images.count - 1
    }

    // MARK: HTTP

    private mutating func apply(_ fact: HTTPFact) {
        let i: Int
        if let id = fact.imageID {
            i = image(id: id, name: fact.imageName, at: fact.time)
        } else if let name = fact.imageName {
            i = image(pendingName: name, at: fact.time)
        } else {
            return
        }
        images[i].http.append(fact.index)
        for (field, value) in fact.reportedFields { Self.fill(&images[i], field: field, value: value, overwrite: false) }
        if let status = fact.reportedStatus {
            reportedStatuses[i, default: []].append((status, fact.end, fact.index))
        }
        if fact.operation == .imageUpload || fact.operation == .imageStage {
            images[i].upload = ImageUpload(http: fact.index, bytesOnWire: fact.requestBytes, started: fact.time,
                                           ended: fact.requestEnd ?? fact.end, complete: fact.requestComplete,
                                           md5: nil, sha512: nil, matchesChecksum: nil)
            images[i].upload?.bytesNotCaptured = fact.requestBytesNotCaptured
        }
        Self.checkUpload(&images[i])
    }

    private mutating func finishTransitionsFromHTTP() {
        for (i, reports) in reportedStatuses where images[i].transitions.isEmpty {
            for report in reports where images[i].transitions.last?.status != report.status {
                images[i].transitions.append(StatusTransition(status: report.status, time: report.time,
                                                              source: .http, http: report.http, sql: nil))
            }
        }
        images.removeAll { $0.id == nil && $0.name == nil && $0.http.isEmpty }
        for i in images.indices { Self.checkUpload(&images[i]) }
    }

    /// Glance v2 no longer leaves a failed upload `killed`: when the data cannot be read (client
    /// gone mid-upload, 500) or is refused (format inspector, 415), it sets the image back to
    /// `queued` (`saving -> queued`, `uploading`/`importing -> queued` for the import flow). That
    /// step back is the only trace of the failure in the database, so it is reported.
    private mutating func failedUploads(of image: ImageLifecycle, http: HTTPFactStore) {
        let busy: Set<String> = ["saving", "uploading", "importing"]
        for (before, after) in zip(image.transitions, image.transitions.dropFirst())
        where busy.contains(before.status) && (after.status == "queued" || after.status == "killed") {
            var cause = ""
            if let request = after.http, http.indices.contains(request) {
                let fact = http[request]
                cause = ": \(fact.method) \(fact.path) answered \(fact.status.map(String.init) ?? "nothing")"
                if !fact.requestComplete {
                    // The decoder tells a client that went away (killed mid-upload: the stream
                    // closes inside the body) from bytes the capture merely lacks.
                    cause += fact.requestStreamEndedInBody
                        ? ", the client's stream ended inside the request body" : ", request body incomplete"
                }
            }
            anomalies.append(Anomaly(time: after.time, kind: .uploadFailed,
                                     message: "image \(image.id ?? image.name ?? "?"): upload failed, \(before.status) -> \(after.status)\(cause)"))
        }
    }

    private mutating func fillUploadDigests(http: HTTPFactStore) {
        for i in images.indices {
            guard let upload = images[i].upload, http.indices.contains(upload.http),
                  let digests = http[upload.http].uploadDigests else { continue }
            images[i].upload?.md5 = digests.md5
            images[i].upload?.sha512 = digests.sha512
            Self.checkUpload(&images[i])
        }
    }

    // Static, like `fill`: a method on `self` called with `&images[i]` would get a copy of `self`
    // (the array of lifecycles included), and the write through `&images[i]` would then copy the
    // whole array: once per event, with a retain and release of every lifecycle (issue 25).
    private static func checkUpload(_ image: inout ImageLifecycle) {
        guard var upload = image.upload else { return }
        var verdict: Bool?
        if let md5 = upload.md5, let checksum = image.checksum {
            verdict = md5.lowercased() == checksum.lowercased()
        }
        if let sha = upload.sha512, let stored = image.osHashValue, (image.osHashAlgo ?? "sha512") == "sha512" {
            verdict = (verdict ?? true) && sha.lowercased() == stored.lowercased()
        }
        upload.matchesChecksum = verdict
        image.upload = upload
    }

    // MARK: SQL

    private mutating func apply(_ write: SQLTransactionLog.Write, fact: SQLFact, http: Int?, sql: SQLFactStore) -> String? {
        let statement = write.statement
        switch statement.table {
        case "images":
            guard let id = statement.value("id") ?? statement.condition("id") else { return nil }
            let i = image(id: id, name: statement.value("name"), at: fact.time)
            settleRow(of: i, sql: sql)
            for (column, value) in statement.values {
                images[i].finalRow[column] = value
                if let value { Self.fill(&images[i], field: column, value: value, overwrite: true) }
            }
            if let status = statement.value("status"), images[i].transitions.last?.status != status {
                images[i].transitions.append(StatusTransition(status: status, time: fact.time, source: .sql,
                                                              http: http, sql: fact.index))
            }
            Self.checkUpload(&images[i])
            return id
        case "image_properties":
            return applyProperty(statement, fact: fact)
        default:
            if let id = statement.value("image_id") ?? statement.condition("image_id"), indexByID[id] != nil { return id }
            return nil
        }
    }

    private mutating func applyProperty(_ statement: SQLWriteStatement, fact: SQLFact) -> String? {
        switch statement.kind {
        case .insert:
            guard let id = statement.value("image_id"), let name = statement.value("name") else { return nil }
            let i = image(id: id, name: nil, at: fact.time)
            if let row = fact.lastInsertID { propertyRows[row] = (id, name) }
            if statement.value("deleted") != "1" { images[i].setProperty(name, statement.value("value") ?? "") }
            return id
        case .update, .delete:
            let deleting = statement.kind == .delete || statement.value("deleted") == "1"
            if let rowText = statement.condition("id"), let row = Int64(rowText), let target = propertyRows[row],
               let i = indexByID[target.image] {
                if deleting {
                    images[i].properties.removeAll { $0.name == target.name }
                } else if let value = statement.value("value") {
                    images[i].setProperty(target.name, value)
                }
                return target.image
            }
            if let id = statement.condition("image_id"), let i = indexByID[id] {
                if deleting {
                    if let name = statement.condition("name") {
                        images[i].properties.removeAll { $0.name == name }
                    } else {
                        images[i].properties.removeAll()
                    }
                } else if let name = statement.condition("name"), let value = statement.value("value") {
                    images[i].setProperty(name, value)
                }
                return id
            }
            return nil
        }
    }

    /// Result rows that are image rows (`images.id AS images_id, images.status AS images_status, ...`).
    ///
    /// The newest such row of an image becomes its `finalRow`, but an image's row is read tens of
    /// thousands of times in a busy capture: only where it is (`pendingRows`) is noted here, and the
    /// row is built when a write changes it or at the end (`settleRow`).
    private mutating func applyRows(_ rows: MySQLRows, at position: Int) -> String? {
        var found: String?
        for row in 0..<rows.count {
            guard let id = Self.imageColumn(rows, row, "id") ?? nil, Self.imageColumn(rows, row, "status") != nil,
                  Self.imageColumn(rows, row, "disk_format") != nil, let i = indexByID[id] else { continue }
            pendingRows[i] = (position, row)
            found = id
        }
        return found
    }

    /// The value of `column` in an image row, whose columns may carry the `images_` prefix.
    private static func imageColumn(_ rows: MySQLRows, _ row: Int, _ column: String) -> String?? {
        rows.value(ofRow: row, column: "images_" + column) ?? rows.value(ofRow: row, column: column)
    }

    /// Makes the newest image row read for image `i` its `finalRow`.
    private mutating func settleRow(of i: Int, sql: SQLFactStore) {
        guard let (position, row) = pendingRows.removeValue(forKey: i) else { return }
        var normalised: [String: String?] = [:]
        for (key, value) in sql.keptRows(at: position).dictionary(ofRow: row) {
            let column = key.hasPrefix("images_") ? String(key.dropFirst("images_".count)) : key
            normalised[column] = value
        }
        images[i].finalRow = normalised
    }

    private static func fill(_ image: inout ImageLifecycle, field: String, value: String, overwrite: Bool) {
        func set(_ target: inout String?) { if overwrite || target == nil { target = value } }
        switch field {
        case "name": set(&image.name)
        case "disk_format": set(&image.diskFormat)
        case "container_format": set(&image.containerFormat)
        case "visibility": set(&image.visibility)
        case "checksum": set(&image.checksum)
        case "os_hash_algo": set(&image.osHashAlgo)
        case "os_hash_value": set(&image.osHashValue)
        case "size": if overwrite || image.size == nil, let size = Int64(value) { image.size = size }
        default: break
        }
    }

    static func abbreviated(_ text: String) -> String {
        text.count > 120 ? String(text.prefix(117)) + "..." : text
    }
}
