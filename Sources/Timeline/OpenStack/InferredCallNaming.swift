import CaptureIO

/// Names what an exchange seen only as encrypted records was, from the SQL attributed to it
/// and its size, and puts it into the story of the image it changed.
///
/// Glance and Keystone leave a signature in their database for each call that changes
/// something: `INSERT INTO images` is an image-create; the `saving` (or `uploading`) status write
/// with a request as large as the image is an upload; `image_properties` writes are an update;
/// Keystone looks a user up by name to issue a password token and reads `revocation_event` to
/// validate one. When none of these is there, the operation stays "unknown": a guess would be
/// worse than no answer. So does a call whose telling statement was written while another
/// encrypted call to the same service was in progress: attribution by time cannot say which of
/// them issued it (a decoded call's image id breaks such ties; an encrypted one has none). Each
/// finding goes to the exchange's `evidence`.
package enum InferredCallNaming {
    /// A request this much larger than the image still carries exactly the image: its start
    /// line and headers (a Keystone token, a few hundred bytes), plus chunk framing of at most
    /// 1/256 of the body (chunks of 4 KiB or more).
    static let headAllowance = 16_384

    /// Names every inferred exchange of `http` (rewriting it in the store) and links it to its image.
    package static func name(_ timeline: inout ImageTimeline, http: HTTPFactStore, sql: SQLFactStore) {
        let inferred = http.indices.filter { http.traits(at: $0).contains(.inferred) }
        guard !inferred.isEmpty else { return }
        var transitionsByCall: [Int: [(image: Int, status: String, previous: String?, sql: Int?)]] = [:]
        for (i, image) in timeline.images.enumerated() {
            for (k, transition) in image.transitions.enumerated() {
                guard let call = transition.http else { continue }
                transitionsByCall[call, default: []].append((i, transition.status, k > 0 ? image.transitions[k - 1].status : nil,
                                                             transition.sql))
            }
        }
        let overlaps = Overlaps(http: http, positions: inferred)
        // Image statements the attribution could not give to one request: each counts against
        // every call it might belong to, since that call's own evidence may be missing it.
        var ambiguousImageSQL: [Int: [Int]] = [:]
        for (statement, link) in timeline.uncertainSQL where link.http == nil && timeline.imageOfSQL[statement] != nil {
            for candidate in link.candidates { ambiguousImageSQL[candidate, default: []].append(statement) }
        }
        for position in inferred {
            var fact = http[position]
            let statements = timeline.sqlOfHTTP[position] ?? []
            var naming = Naming(fact: fact)
            if fact.service == "keystone" {
                naming.keystone(statements, sql: sql)
            } else {
                naming.glance(statements, transitions: transitionsByCall[position] ?? [], timeline: timeline, sql: sql)
            }
            if naming.operation != .unknown, let deciding = naming.decidingSQL, sql.indices.contains(deciding) {
                let others = overlaps.count(at: sql.time(at: deciding), service: fact.service, excluding: position)
                if others > 0 { naming.setAside(becauseOf: others) }
            }
            if naming.operation != .unknown, let unsure = ambiguousImageSQL[position]?.min() {
                naming.setAside(ambiguous: unsure, among: timeline.uncertainSQL[unsure]?.candidates.count ?? 0)
            }
            fact.operation = naming.operation
            fact.imageID = naming.imageID ?? fact.imageID
            fact.evidence += naming.evidence
            http.replace(at: position, with: fact)
            link(fact, position: position, naming: naming, to: &timeline)
        }
    }

    /// Puts the call into its image's story; an upload becomes the image's upload.
    private static func link(_ fact: HTTPFact, position: Int, naming: Naming, to timeline: inout ImageTimeline) {
        guard let id = fact.imageID, let i = timeline.images.firstIndex(where: { $0.id == id }) else { return }
        if !timeline.images[i].http.contains(position) {
            timeline.images[i].http.append(position)
            timeline.images[i].http.sort()
        }
        guard [.imageUpload, .imageStage].contains(fact.operation), timeline.images[i].upload == nil else { return }
        var upload = ImageUpload(http: position, bytesOnWire: fact.requestBytes, started: fact.time,
                                 ended: fact.requestEnd ?? fact.end, complete: true, md5: nil, sha512: nil, matchesChecksum: nil)
        upload.inferred = true
        upload.sizeMatches = naming.sizeMatches
        timeline.images[i].upload = upload
        if naming.sizeMatches == false, let size = timeline.images[i].size {
            timeline.anomalies.append(Anomaly(time: fact.time, kind: .uploadSizeMismatch,
                                              message: "image \(id): the encrypted upload carried \(fact.requestBytes) bytes of "
                                                  + "plaintext, which cannot hold the \(size) bytes Glance stored"))
            timeline.anomalies.sort { $0.time < $1.time }
        }
    }

    /// The inferred calls in progress at a time, per service.
    struct Overlaps {
        var calls: [(start: Int64, end: Int64, position: Int, service: String)] = []
        var longest: Int64 = 0

        init(http: HTTPFactStore, positions: [Int]) {
            for position in positions {
                let fact = http[position]
                calls.append((fact.time.nanoseconds, fact.end.nanoseconds, position, fact.service))
                longest = max(longest, fact.end.nanoseconds &- fact.time.nanoseconds)
            }
            calls.sort { $0.start < $1.start }
        }

        /// Calls of `service` other than `excluding` in progress at `time`.
        func count(at time: Timestamp, service: String, excluding: Int) -> Int {
            let t = time.nanoseconds
            var low = 0, high = calls.count
            while low < high {
                let mid = (low + high) / 2
                if calls[mid].start <= t { low = mid + 1 } else { high = mid }
            }
            var n = 0, i = low - 1
            while i >= 0, calls[i].start >= t &- longest {
                let call = calls[i]
                if call.end >= t, call.service == service, call.position != excluding { n += 1 }
                i -= 1
            }
            return n
        }
    }

    /// The verdict on one call, built rule by rule.
    struct Naming {
        let fact: HTTPFact
        var operation = OpenStackOperation.unknown
        var imageID: String?
        var evidence: [String] = []
        var sizeMatches: Bool?
        /// The statement the name rests on.
        var decidingSQL: Int?

        /// Withdraws the name: others calls to the service were in progress when its statement ran.
        /// An image statement that may be this call's was left ambiguous by the attribution: the
        /// evidence that names the call may be incomplete.
        mutating func setAside(ambiguous statement: Int, among candidates: Int) {
            evidence.append("so it would be \(operation), but SQL #\(statement) on an image may be this call's or one of "
                            + "\(max(candidates - 1, 1)) other request\(candidates == 2 ? "'s" : "s'") (ambiguous attribution): "
                            + "the operation stays unknown")
            operation = .unknown
            imageID = nil
            sizeMatches = nil
        }

        mutating func setAside(becauseOf others: Int) {
            evidence.append("so it would be \(operation), but \(others) other encrypted call\(others == 1 ? " to \(fact.service) was" : "s to \(fact.service) were") "
                            + "in progress when SQL #\(decidingSQL.map(String.init) ?? "?") ran: time alone cannot tell which "
                            + "issued it, so the operation stays unknown")
            operation = .unknown
            imageID = nil
            sizeMatches = nil
        }

        init(fact: HTTPFact) { self.fact = fact }

        mutating func keystone(_ statements: [Int], sql: SQLFactStore) {
            guard !statements.isEmpty else {
                evidence.append("no SQL statement attributed to it: nothing tells what it was")
                return
            }
            var byName: Int?, revocation: Int?, tokenInsert: Int?, applicationCredential: Int?
            for position in statements {
                let text = sql.text(at: position).statement
                if byName == nil, text.containsBytes("local_user.name =") { byName = position }
                if revocation == nil, text.containsBytes("revocation_event") { revocation = position }
                if tokenInsert == nil, text.containsBytes("INSERT INTO token") { tokenInsert = position }
                if applicationCredential == nil, text.containsBytes("FROM application_credential") { applicationCredential = position }
            }
            if let position = byName ?? tokenInsert ?? applicationCredential {
                operation = "token-issue"
                decidingSQL = position
                let how = position == byName ? "looked a user up by name to check a password"
                    : position == tokenInsert ? "stored a new token" : "read an application credential"
                evidence.append("token-issue: Keystone \(how) (SQL #\(position)), which only authentication does")
            } else if let position = revocation {
                operation = "token-validate"
                decidingSQL = position
                evidence.append("token-validate: Keystone read the revocation events (SQL #\(position)) without authenticating anyone")
            } else {
                evidence.append("\(statements.count) Keystone SQL statements, none of authentication or token validation")
            }
        }

        mutating func glance(_ statements: [Int], transitions: [(image: Int, status: String, previous: String?, sql: Int?)],
                             timeline: ImageTimeline, sql: SQLFactStore) {
            guard !statements.isEmpty else {
                evidence.append("no SQL statement attributed to it: nothing tells what it was")
                return
            }
            var created: (id: String, sql: Int)?, deleted: (id: String, sql: Int)?, updated: (id: String, sql: Int)?
            var rowUpdated: (id: String, sql: Int)?, importTask: (id: String, sql: Int)?
            var readImages: [String] = []
            for position in statements {
                let id = timeline.imageOfSQL[position]
                if let id, !readImages.contains(id) { readImages.append(id) }
                guard sql.traits(at: position).contains(.mayWrite) else { continue }
                guard let write = SQLWriteStatement(parsing: sql.text(at: position).statement) else { continue }
                switch (write.table, write.kind) {
                case ("images", .insert):
                    if created == nil, let id = write.value("id") { created = (id, position) }
                case ("images", .delete):
                    if deleted == nil, let id = write.condition("id") ?? id { deleted = (id, position) }
                case ("images", .update):
                    if write.value("deleted") == "1" || write.value("status") == "deleted" || write.value("status") == "pending_delete",
                       deleted == nil, let id = write.condition("id") ?? id {
                        deleted = (id, position)
                    } else if rowUpdated == nil, let id = write.condition("id") ?? id {
                        rowUpdated = (id, position)
                    }
                case ("tasks", .insert):
                    if importTask == nil, write.value("type")?.hasSuffix("import") == true, let id = write.value("image_id") ?? id {
                        importTask = (id, position)
                    }
                case ("image_properties", _), ("image_tags", _):
                    if updated == nil, let id { updated = (id, position) }
                default:
                    break
                }
            }
            let changes = transitions.filter { $0.status != $0.previous }
            if let created {
                name("image-create", created.id, "INSERT INTO images (SQL #\(created.sql)): the image was created during this call", sql: created.sql)
            } else if let deleted {
                name("image-delete", deleted.id, "Glance marked the image deleted (SQL #\(deleted.sql))", sql: deleted.sql)
            } else if let change = changes.first(where: { ["saving", "uploading"].contains($0.status) }) {
                let image = timeline.images[change.image]
                name(change.status == "saving" ? "image-upload" : "image-stage", image.id,
                     "\(change.status) written during this call (SQL #\(change.sql.map(String.init) ?? "?"))"
                        + (changes.contains { $0.status == "active" } ? ", then active" : ""), sql: change.sql)
                checkSize(of: image)
            } else if let importTask {
                name("image-import", importTask.id, "Glance inserted an import task (SQL #\(importTask.sql)): the call that starts an import", sql: importTask.sql)
            } else if let change = changes.first(where: { $0.status == "deactivated" || $0.previous == "deactivated" }) {
                name(change.status == "deactivated" ? "image-deactivate" : "image-reactivate", timeline.images[change.image].id,
                     "\(change.previous ?? "?") -> \(change.status) written during this call (SQL #\(change.sql.map(String.init) ?? "?"))",
                     sql: change.sql)
            } else if let change = changes.first(where: { $0.status == "importing" || $0.previous == "importing" }) {
                // Glance's import task runs after the import call has answered: its writes land in
                // whatever call is in progress then (often the client polling the image).
                imageID = timeline.images[change.image].id
                evidence.append("\(change.previous ?? "?") -> \(change.status) written during this call (SQL #\(change.sql.map(String.init) ?? "?")) "
                                + "by Glance's import task, which runs on its own after the import call: the call itself is not told")
            } else if let updated {
                name("image-update", updated.id, "the image's properties or tags were written (SQL #\(updated.sql))", sql: updated.sql)
            } else if let rowUpdated {
                name("image-update", rowUpdated.id, "the image's row was rewritten without a status change (SQL #\(rowUpdated.sql))", sql: rowUpdated.sql)
            } else if readImages.count == 1 {
                imageID = readImages[0]
                evidence.append("\(statements.count) Glance SQL statements read image \(readImages[0]) and wrote nothing: "
                                + "a read of the image (show, download, or a list) that the records cannot tell apart")
            } else {
                evidence.append("\(statements.count) Glance SQL statements, no image written")
            }
        }

        private mutating func name(_ operation: OpenStackOperation, _ id: String?, _ why: String, sql: Int?) {
            self.operation = operation
            imageID = id
            decidingSQL = sql
            evidence.append("\(operation): \(why)")
        }

        /// The upload check the records allow: the plaintext the client sent must hold the image
        /// and little more (hashes cannot be verified without the bytes).
        private mutating func checkSize(of image: ImageLifecycle) {
            guard let size = image.size.map(Int.init) else {
                evidence.append("size not checked: the size Glance stored was not captured")
                return
            }
            let most = fact.requestBytes
            let least = fact.minimumBytes?.request ?? most
            let allowance = InferredCallNaming.headAllowance + size / 256
            let carried = least == most ? "\(HTTPFact.grouped(most)) bytes" : "\(HTTPFact.grouped(least)) to \(HTTPFact.grouped(most)) bytes"
            if most >= size, least &- size <= allowance {
                sizeMatches = true
                evidence.append("upload size equals the size Glance stored: \(HTTPFact.grouped(size)) bytes stored, the request "
                                + "carried \(carried) of plaintext (the rest is its start line and headers)")
            } else {
                sizeMatches = false
                evidence.append("upload size differs from the size Glance stored: \(HTTPFact.grouped(size)) bytes stored, the "
                                + "request carried \(carried) of plaintext")
            }
        }
    }
}
