import CaptureIO
import MySQLDecoding

/// Builds each image's lifecycle from the HTTP exchanges and SQL statements of a capture.
///
/// SQL writes are the truth of what Glance stored (committed ones only); HTTP responses
/// give what the API reported, and are used for transitions only when no SQL write of the
/// image was captured (a capture of the public endpoint alone).
package struct ImageTimelineBuilder {
    /// The images met so far, by id and by name; `identities.images[i]` is written in place.
    private var identities = ImageIdentities()
    /// image_properties row id (from an INSERT's last insert id) -> (image id, property name).
    private var propertyRows: [Int64: (image: String, name: String)] = [:]
    private var reportedStatuses: [Int: [(status: String, time: Timestamp, http: Int)]] = [:]
    private var anomalies: [Anomaly] = []
    /// Image index -> the newest image row read (statement position, row), not yet in `finalRow`.
    private var pendingRows: [Int: (position: Int, row: Int)] = [:]

    package init() {}

    /// Positions in `http` and `sql` are the facts' indices (sorted stores, or facts in index order).
    package static func build(http: HTTPFactStore, sql: SQLFactStore) -> ImageTimeline {
        var builder = ImageTimelineBuilder()
        var timeline = builder.run(http: http, sql: sql)
        // Exchanges seen only as encrypted records are named from the SQL attributed to them.
        InferredCallNaming.name(&timeline, http: http, sql: sql)
        return timeline
    }

    package static func build(http: [HTTPFact], sql: [SQLFact]) -> ImageTimeline {
        build(http: HTTPFactStore(http), sql: SQLFactStore(sql))
    }

    /// The statements' links to the requests that issued them (`httpOfSQL`, `uncertainSQL`) and
    /// nothing else: no image, anomaly, token or call link. What the `sql` list prints reads no
    /// more (with the proxy legs, applied after as for the whole timeline), and building the
    /// images' stories is most of the timeline's cost on a capture of a hundred thousand statements.
    package static func attribution(http: HTTPFactStore, sql: SQLFactStore) -> ImageTimeline {
        // The transaction log is read only by the imports' reattribution: most captures have none.
        let links = attribution(http: http, sql: sql) { SQLTransactionLog(sql).writes }
        var timeline = ImageTimeline(httpOfSQL: links.httpOfSQL)
        timeline.uncertainSQL = links.uncertain
        return timeline
    }

    /// SQL attribution, then the writes of asynchronous imports given back to their requests.
    private static func attribution(http: HTTPFactStore, sql: SQLFactStore,
                                    writes: () -> [SQLTransactionLog.Write]) -> SQLAttribution.Result {
        var links = SQLAttribution.links(sql: sql, http: http)
        let beforeBackgroundTasks = links.httpOfSQL
        BackgroundTaskAttribution.reattribute(&links.httpOfSQL, http: http, sql: sql, writes: writes)
        // An import's writes given to it after the fact (no request in progress issued them).
        for (statement, request) in links.httpOfSQL where beforeBackgroundTasks[statement] != request {
            links.uncertain[statement] = .likely(request)
        }
        return links
    }

    private mutating func run(http: HTTPFactStore, sql: SQLFactStore) -> ImageTimeline {
        let log = SQLTransactionLog(sql)
        let attribution = ImageTimelineBuilder.attribution(http: http, sql: sql) { log.writes }
        let httpOfSQL = attribution.httpOfSQL
        let uncertainSQL = attribution.uncertain
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
                if write.statement(in: sql) != nil { anomalies.append(ImageAnomalyRules.uncommittedWrite(sql[write.sql])) }
                continue
            }
            events.append((sql.time(at: write.sql), 1, .write(position)))
        }
        // `image_locations` rows, kept from the writes as they pass for `ImageDataPath`.
        var locationWrites: [(sql: Int, statement: SQLWriteStatement)] = []
        for position in sql.indices where sql.traits(at: position).contains(.keptRows) {
            events.append((sql.end(at: position), 2, .read(position)))
        }
        events.sort { ($0.time, $0.order) < ($1.time, $1.order) }

        for (_, _, event) in events {
            switch event {
            case .http(let position):
                apply(http[position])
            case .write(let position):
                let fact = sql[log.writes[position].sql]
                // Parsed here and dropped after: the writes' column maps are never all alive at once.
                guard let statement = SQLWriteStatement(parsing: fact.statement) else { continue }
                if statement.table == "image_locations" && statement.kind == .insert { locationWrites.append((fact.index, statement)) }
                if let id = apply(statement, fact: fact, http: httpOfSQL[fact.index], sql: sql) { imageOfSQL[fact.index] = id }
            case .read(let position):
                if let id = applyRows(sql.keptRows(at: position), at: position) { imageOfSQL[position] = id }
            }
        }
        for i in Array(pendingRows.keys) { settleRow(of: i, sql: sql) }
        let knownIDs = identities.idIndex
        for position in sql.indices where imageOfSQL[position] == nil {
            let isError = sql.traits(at: position).contains(.error)
            if !knownIDs.isEmpty, let id = sql.statement(at: position, naming: knownIDs) { imageOfSQL[position] = id }
            if isError, let anomaly = ImageAnomalyRules.sqlError(sql[position]) { anomalies.append(anomaly) }
        }
        finishTransitionsFromHTTP()
        for position in http.indices where http.traits(at: position).contains(.anomalous) {
            ImageAnomalyRules.exchangeAnomalies(http[position], into: &anomalies)
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
        UploadCheck.fillDigests(&identities.images, http: http)
        anomalies += ImageDataPath.fill(&identities.images, http: http,
                                        locationWrites: locationWrites.sorted { $0.sql < $1.sql })
        for image in identities.images { ImageAnomalyRules.imageAnomalies(image, http: http, into: &anomalies) }

        anomalies.sort { $0.time < $1.time }
        var timeline = ImageTimeline(images: identities.images.sorted { $0.firstSeen < $1.firstSeen }, httpOfSQL: httpOfSQL,
                                     sqlOfHTTP: sqlOfHTTP, imageOfSQL: imageOfSQL, anomalies: anomalies)
        timeline.uncertainSQL = uncertainSQL
        timeline.tokenIssueOfHTTP = tokenIssueOfHTTP
        timeline.causeOfHTTP = CallCausation.attribute(http: http)
        timeline.callsOfHTTP = CallCausation.callsByRequest(timeline.causeOfHTTP)
        return timeline
    }

    // MARK: HTTP

    private mutating func apply(_ fact: HTTPFact) {
        let i: Int
        if let id = fact.imageID {
            i = identities.image(id: id, name: fact.imageName, at: fact.time)
        } else if let name = fact.imageName {
            i = identities.image(pendingName: name, at: fact.time)
        } else {
            return
        }
        identities.images[i].http.append(fact.index)
        for (field, value) in fact.reportedFields {
            ImageIdentities.fill(&identities.images[i], field: field, value: value, overwrite: false)
        }
        if let status = fact.reportedStatus {
            reportedStatuses[i, default: []].append((status, fact.end, fact.index))
        }
        UploadCheck.record(fact, into: &identities.images[i])
    }

    private mutating func finishTransitionsFromHTTP() {
        for (i, reports) in reportedStatuses where identities.images[i].transitions.isEmpty {
            for report in reports where identities.images[i].transitions.last?.status != report.status {
                identities.images[i].transitions.append(StatusTransition(status: report.status, time: report.time,
                                                              source: .http, http: report.http, sql: nil))
            }
        }
        identities.dropHusks()
    }

    // MARK: SQL

    private mutating func apply(_ statement: SQLWriteStatement, fact: SQLFact, http: Int?, sql: SQLFactStore) -> String? {
        switch statement.table {
        case "images":
            guard let id = statement.value("id") ?? statement.condition("id") else { return nil }
            let i = identities.image(id: id, name: statement.value("name"), at: fact.time)
            settleRow(of: i, sql: sql)
            for (column, value) in statement.values {
                identities.images[i].finalRow[column] = value
                if let value { ImageIdentities.fill(&identities.images[i], field: column, value: value, overwrite: true) }
            }
            if let status = statement.value("status"), identities.images[i].transitions.last?.status != status {
                identities.images[i].transitions.append(StatusTransition(status: status, time: fact.time, source: .sql,
                                                              http: http, sql: fact.index))
            }
            return id
        case "image_properties":
            return applyProperty(statement, fact: fact)
        default:
            if let id = statement.value("image_id") ?? statement.condition("image_id"), identities.index(ofID: id) != nil { return id }
            return nil
        }
    }

    private mutating func applyProperty(_ statement: SQLWriteStatement, fact: SQLFact) -> String? {
        switch statement.kind {
        case .insert:
            guard let id = statement.value("image_id"), let name = statement.value("name") else { return nil }
            let i = identities.image(id: id, name: nil, at: fact.time)
            if let row = fact.lastInsertID { propertyRows[row] = (id, name) }
            if statement.value("deleted") != "1" { identities.images[i].setProperty(name, statement.value("value") ?? "") }
            return id
        case .update, .delete:
            let deleting = statement.kind == .delete || statement.value("deleted") == "1"
            if let rowText = statement.condition("id"), let row = Int64(rowText), let target = propertyRows[row],
               let i = identities.index(ofID: target.image) {
                if deleting {
                    identities.images[i].properties.removeAll { $0.name == target.name }
                } else if let value = statement.value("value") {
                    identities.images[i].setProperty(target.name, value)
                }
                return target.image
            }
            if let id = statement.condition("image_id"), let i = identities.index(ofID: id) {
                if deleting {
                    if let name = statement.condition("name") {
                        identities.images[i].properties.removeAll { $0.name == name }
                    } else {
                        identities.images[i].properties.removeAll()
                    }
                } else if let name = statement.condition("name"), let value = statement.value("value") {
                    identities.images[i].setProperty(name, value)
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
                  Self.imageColumn(rows, row, "disk_format") != nil, let i = identities.index(ofID: id) else { continue }
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
        identities.images[i].finalRow = normalised
    }
}
