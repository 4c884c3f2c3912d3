import Analysis
import CaptureIO
import Reassembly
import Timeline

/// The terminal report of `analyze`: each image's story, step by step, with the HTTP call and
/// the SQL behind every step, then the TCP health and anomalies.
package enum AnalysisText {
    package static func report(_ result: AnalysisResult) -> String {
        var out = ""
        let packets = result.captures.reduce(0) { $0 + $1.packets }
        let first = result.captures.compactMap(\.first).min()
        let last = result.captures.compactMap(\.last).max()
        out += "glancetrace analyze: \(result.captures.count) capture\(result.captures.count == 1 ? "" : "s"), \(packets) packets"
        if let first, let last {
            out += ", \(first.rfc3339()) .. \(last.rfc3339()) (\(seconds(last.nanoseconds(since: first))))"
        }
        out += "\n"
        for warning in result.warnings { out += "warning: \(warning)\n" }
        if result.timeline.images.isEmpty { out += "\nNo Glance image seen.\n" }
        for image in result.timeline.images { out += "\n" + describe(image, in: result) }
        out += "\n" + summary(result)
        return out
    }

    static func describe(_ image: ImageLifecycle, in result: AnalysisResult) -> String {
        var out = "Image \(image.name ?? "(no name)")"
        if let id = image.id { out += "  \(id)" }
        out += "\n"
        var facts: [String] = []
        if let status = image.status { facts.append("status \(status)") }
        if let d = image.diskFormat { facts.append("\(d)/\(image.containerFormat ?? "?")") }
        if let v = image.visibility { facts.append(v) }
        if let size = image.size { facts.append("size \(size)") }
        if !facts.isEmpty { out += "  " + facts.joined(separator: ", ") + "\n" }
        if let checksum = image.checksum { out += "  checksum \(checksum)\n" }
        if let value = image.osHashValue { out += "  \(image.osHashAlgo ?? "hash") \(abbreviated(value, 32))\n" }
        if !image.transitions.isEmpty {
            out += "  lifecycle: " + image.transitions.map(\.status).joined(separator: " -> ") + "\n"
        }

        for step in ImageStep.steps(of: image, in: result) {
            let time = step.time
            switch step {
            case .http(let fact):
                let line = ProxyHops.decoded(fact, in: result)
                if line.inferred {
                    out += "  \(clock(time))  \(InferredCallText.requestLine(line))  \(InferredCallText.summary(line))\n"
                } else {
                    out += "  \(clock(time))  \(line.method) \(line.path) -> \(line.status.map(String.init) ?? "no response")"
                    out += "  [\(line.service) \(line.operation), \(milliseconds(fact.time, fact.end)) ms]\n"
                }
                if let hops = ProxyHops.http(fact.index, in: result) { out += "      hops: \(hops)\n" }
                let statements = result.timeline.sqlOfHTTP[fact.index] ?? []
                let writes = statements.filter { isWrite(result.sql[$0].statement) }
                let likely = Set(statements.filter { result.timeline.uncertainSQL[$0]?.confidence == .likely })
                if !statements.isEmpty {
                    out += "      \(statements.count) SQL statement\(statements.count == 1 ? "" : "s")"
                    if !likely.isEmpty { out += " (\(likely.count) likely)" }
                    out += writes.isEmpty ? "\n" : ", writes:\n"
                    for i in writes.prefix(8) {
                        out += "        \(clock(result.sql[i].time))  \(likely.contains(i) ? "likely: " : "")\(abbreviated(result.sql[i].statement, 100))\n"
                    }
                    if writes.count > 8 { out += "        ... \(writes.count - 8) more writes\n" }
                }
                out += calls(under: fact.index, in: result)
            case .transition(let t):
                out += "  \(clock(t.time))  => \(t.status.uppercased())"
                if let call = t.http, result.http.indices.contains(call), result.http.traits(at: call).contains(.inferred),
                   ProxyHops.decoded(result.http[call], in: result).inferred {
                    // With a decoded proxy leg, that leg's request line says more than the records.
                    // The encrypted call is all there is to cite: which one, when, how big, what it likely was.
                    out += t.sql.map { " (SQL #\($0))" } ?? ""
                    out += " \(InferredCallText.citation(result.http[call]))"
                } else if let sql = t.sql, result.sql.indices.contains(sql) {
                    out += "  (SQL #\(sql): \(abbreviated(result.sql[sql].statement, 70)))"
                } else if t.source == .http {
                    out += "  (reported by the API)"
                }
                out += "\n"
            }
        }
        if !image.phaseDurations.isEmpty {
            out += "  phases: " + image.phaseDurations.map { "\($0.status) \(String(format3($0.seconds))) s" }
                .joined(separator: ", ") + "\n"
        }
        if let upload = image.upload {
            out += "  upload: \(upload.bytesOnWire) bytes\(upload.inferred ? " of plaintext (head and body, encrypted)" : "")"
            out += " in \(String(format3(upload.durationSeconds))) s"
            if let rate = upload.throughputBytesPerSecond { out += " (\(String(format3(rate / 1_048_576))) MiB/s)" }
            if !upload.complete { out += ", incomplete in the capture" }
            if upload.bytesNotCaptured > 0 { out += ", body not captured (snap length): \(upload.bytesNotCaptured) bytes" }
            switch upload.matchesChecksum {
            case true?: out += ", wire MD5/SHA-512 match what Glance stored"
            case false?: out += ", WIRE HASHES DO NOT MATCH what Glance stored"
            case nil: out += upload.inferred ? ", hashes not verifiable (not decrypted)" : ", hashes not verifiable"
            }
            switch upload.sizeMatches {
            case true?: out += ", upload size equals the size Glance stored"
            case false?: out += ", UPLOAD SIZE DIFFERS from the size Glance stored"
            case nil: break
            }
            out += "\n"
        }
        out += dataPath(of: image, in: result)
        if !image.properties.isEmpty {
            out += "  properties: " + image.properties.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + "\n"
        }
        return out
    }

    static func summary(_ result: AnalysisResult) -> String {
        var out = ""
        let legs = result.timeline.legs
        var byService: [String: Int] = [:]
        var requests = 0
        // From the trait bits (Glance) or the stored bytes: decoding every exchange whole to
        // count it was, on a capture of API calls, a fifth of `analyze`'s time, on one thread
        // after the decoding.
        var glance = 0
        var services = StoredTextTally()
        let http = result.http.makeReader()
        for position in result.http.indices where legs.http.isLogical(position) {
            requests += 1
            if result.http.traits(at: position).contains(.glance) {
                glance += 1
            } else if !http.withService(at: position, { services.add($0) }) {
                byService[http[position].service, default: 0] += 1
            }
        }
        if glance > 0 { byService["glance", default: 0] += glance }
        services.add(to: &byService)
        // Without proxy legs the line stays as it was: every exchange is a request.
        out += legs.http.isEmpty ? "HTTP exchanges: \(result.http.count)" : "HTTP requests: \(requests)"
        if !byService.isEmpty {
            out += " (" + byService.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        }
        let inferred = result.http.indices.filter { result.http.traits(at: $0).contains(.inferred) }.count
        if inferred > 0 { out += ", \(inferred) of them inferred from encrypted TLS records (no key)" }
        if !legs.http.isEmpty { out += ProxyHops.httpSummary(result) }
        out += "\n"
        if !legs.ambiguousHTTP.isEmpty {
            out += "\(legs.ambiguousHTTP.count) HTTP exchange\(legs.ambiguousHTTP.count == 1 ? "" : "s") could be a proxy's leg of more than"
            out += " one request: left unjoined, counted as requests\n"
        }
        var byCommand: [String: Int] = [:]
        var commands = 0, errors = 0
        let sql = result.sql.makeReader()
        for position in result.sql.indices where legs.sql.isLogical(position) {
            let read = sql.withListFields(at: position) { fields in
                byCommand[fields.command.name, default: 0] += 1
                if case .error = fields.outcome { errors += 1 }
            }
            if !read {
                let fact = sql[position]
                byCommand[fact.command.name, default: 0] += 1
                if case .error = fact.outcome { errors += 1 }
            }
            commands += 1
        }
        out += "SQL commands: \(commands)"
        if !byCommand.isEmpty {
            out += " (" + byCommand.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        }
        if errors > 0 { out += ", \(errors) errors" }
        if !legs.sql.isEmpty { out += ProxyHops.sqlSummary(result) }
        out += "\n"
        out += attributionSummary(result)
        let t = result.tcp
        out += "TCP: \(t.connections) connections (\(t.followedConnections) followed), \(t.retransmittedSegments) retransmitted"
        out += " and \(t.outOfOrderSegments) out-of-order segments, \(t.gaps) gaps (\(t.missingBytes) bytes missing)"
        if t.bytesNotCaptured > 0 { out += ", \(t.bytesNotCaptured) bytes not captured (snap length)" }
        out += "\n"
        for note in result.tls { out += "TLS \(note.client) -> \(note.server): \(note.summary)\n" }
        if !result.timeline.anomalies.isEmpty {
            out += "Anomalies:\n"
            for a in result.timeline.anomalies {
                out += "  \(clock(a.time))  \(a.kind.rawValue): \(a.message)"
                if a.count > 1, !a.examples.isEmpty {
                    out += ", e.g. " + a.examples.map { abbreviated($0, 160) }.joined(separator: "; ")
                }
                out += "\n"
            }
        }
        return out
    }

    /// How sure the SQL -> HTTP links are, when some are not certain (nothing otherwise).
    static func attributionSummary(_ result: AnalysisResult) -> String {
        let uncertain = result.timeline.uncertainSQL
        guard !uncertain.isEmpty else { return "" }
        let likely = uncertain.values.filter { $0.confidence == .likely }.count
        let ambiguous = uncertain.count - likely
        let attributed = result.timeline.httpOfSQL.count
        let none = result.sql.count - attributed - ambiguous
        return "SQL attribution: \(attributed - likely) certain, \(likely) likely, \(ambiguous) ambiguous (several requests fit equally),"
            + " \(none) outside any request\n"
    }

    static func isWrite(_ statement: String) -> Bool {
        let head = statement.prefix(8).uppercased()
        return head.hasPrefix("INSERT") || head.hasPrefix("UPDATE") || head.hasPrefix("DELETE")
    }

    /// Time of day with microseconds, UTC: the steps of one image are seconds apart.
    static func clock(_ time: Timestamp) -> String {
        let full = time.rfc3339()
        guard let t = full.firstIndex(of: "T") else { return full }
        return String(full[full.index(after: t)...].dropLast())
    }

    /// One line of at most `limit` characters (Unicode scalars): line breaks and tabs become
    /// spaces, a longer text ends in "...". Reads only the first `limit` scalars, since a
    /// listing abbreviates every one of a hundred thousand statements, some megabytes long.
    static func abbreviated(_ text: String, _ limit: Int) -> String {
        let scalars = text.unicodeScalars
        var line = text
        if let end = scalars.index(scalars.startIndex, offsetBy: limit, limitedBy: scalars.endIndex), end != scalars.endIndex {
            // More than `limit`: keep limit - 3 and mark the cut.
            line = String(scalars[..<scalars.index(scalars.startIndex, offsetBy: max(limit - 3, 0))]) + "..."
        }
        // Tab, CR and LF are single UTF-8 bytes: replacing them byte for byte keeps the text valid.
        func isBreak(_ byte: UInt8) -> Bool { byte == 0x0a || byte == 0x0d || byte == 0x09 }
        guard line.utf8.contains(where: isBreak) else { return line }
        return String(decoding: line.utf8.map { isBreak($0) ? 0x20 : $0 }, as: UTF8.self)
    }

    static func milliseconds(_ start: Timestamp, _ end: Timestamp) -> String {
        format3(Double(end.nanoseconds(since: start)) / 1e6)
    }

    static func seconds(_ nanoseconds: Int64) -> String { format3(Double(nanoseconds) / 1e9) + " s" }

    /// Three decimals without Foundation's locale-dependent formatting.
    static func format3(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        let scaled = Int64((abs(value) * 1000).rounded())
        let fraction = String(scaled % 1000)
        return (value < 0 ? "-" : "") + "\(scaled / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
