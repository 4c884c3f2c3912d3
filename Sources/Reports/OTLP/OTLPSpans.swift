import CaptureIO
import OTLPProtocol
import Timeline

/// The spans of a trace, made from facts with OpenTelemetry's semantic conventions (HTTP server
/// and database client spans, stable since semconv 1.26); glancetrace's own attributes are under
/// `glancetrace.`. Shared by `analyze --format otlp` and the live export.
enum OTLPSpans {
    /// The SERVER span of an HTTP request as the server saw it: its own start and end times.
    /// - Parameter indexed: adds `glancetrace.http.index`, the request's place in the report's
    ///   `http` array (not for live facts: they are numbered as they complete).
    static func request(_ fact: HTTPFact, trace: [UInt8], parent: [UInt8]?, inferred: Bool, indexed: Bool = true) -> OTLPSpan {
        var span = OTLPSpan()
        span.traceID = trace
        span.spanID = TraceIdentity.spanID(of: fact)
        if let parent { span.parentSpanID = parent }
        span.flags = 0x101  // sampled; the parent (if any) is local to this trace, not remote
        let route = OpenStackRoute.matching(service: fact.service, method: fact.method, path: fact.path)?.pattern
        span.name = route.map { "\(fact.method) \($0)" } ?? fact.method
        span.kind = .server
        span.startTimeUnixNano = unixNanoseconds(fact.time)
        span.endTimeUnixNano = unixNanoseconds(max(fact.end, fact.time))
        var attributes = [
            OTLPKeyValue("http.request.method", fact.method),
            OTLPKeyValue("url.path", fact.path),
            OTLPKeyValue("url.scheme", fact.tls ? "https" : "http"),
            OTLPKeyValue("network.protocol.name", "http"),
        ]
        if let route { attributes.append(OTLPKeyValue("http.route", route)) }
        if let status = fact.status { attributes.append(OTLPKeyValue("http.response.status_code", status)) }
        attributes += endpoint("server", fact.server) + endpoint("client", fact.client)
        attributes.append(OTLPKeyValue("http.request.body.size", fact.requestBytes))
        attributes.append(OTLPKeyValue("http.response.size", fact.responseBytes))
        attributes.append(OTLPKeyValue("glancetrace.openstack.service", fact.service))
        attributes.append(OTLPKeyValue("glancetrace.openstack.operation", fact.operation.rawValue))
        if let id = fact.requestID { attributes.append(OTLPKeyValue("glancetrace.openstack.request_id", id)) }
        if let id = fact.imageID { attributes.append(OTLPKeyValue("glancetrace.image.id", id)) }
        if indexed { attributes.append(OTLPKeyValue("glancetrace.http.index", fact.index)) }
        if inferred { attributes.append(OTLPKeyValue("glancetrace.inferred", true)) }
        if !fact.notes.isEmpty { attributes.append(OTLPKeyValue("glancetrace.notes", fact.notes)) }
        // A server span is an error for 5xx only (a 4xx is the client's); no response at all
        // is one too: the capture never saw the request answered.
        if fact.status.map({ $0 >= 500 }) ?? true {
            let type = fact.status.map(String.init) ?? "no_response"
            attributes.append(OTLPKeyValue("error.type", type))
            span.status = .init(code: .error, message: fact.status == nil ? "no response in the capture" : "HTTP \(type)")
        }
        span.attributes = attributes
        return span
    }

    /// The CLIENT span of a statement the service sent during a request, child of its span.
    static func statement(_ fact: SQLFact, trace: [UInt8], parent: [UInt8], indexed: Bool = true) -> OTLPSpan {
        var span = OTLPSpan()
        span.traceID = trace
        span.spanID = TraceIdentity.spanID(of: fact)
        span.parentSpanID = parent
        span.flags = 0x101
        let operation = operationName(fact)
        span.name = fact.database.map { "\(operation) \($0)" } ?? operation
        span.kind = .client
        span.startTimeUnixNano = unixNanoseconds(fact.time)
        span.endTimeUnixNano = unixNanoseconds(max(fact.end, fact.time))
        var attributes = [
            OTLPKeyValue("db.system.name", "mysql"),
            OTLPKeyValue("db.operation.name", operation),
            // As every other output has it: literal values included, MySQL auth data never
            // read by the decoder in the first place.
            OTLPKeyValue("db.query.text", fact.statement),
        ]
        if let database = fact.database { attributes.append(OTLPKeyValue("db.namespace", database)) }
        attributes += endpoint("server", fact.server)
        if indexed { attributes.append(OTLPKeyValue("glancetrace.sql.index", fact.index)) }
        attributes.append(OTLPKeyValue("glancetrace.mysql.command", fact.command.name))
        if let thread = fact.threadID { attributes.append(OTLPKeyValue("glancetrace.mysql.connection_id", thread)) }
        switch fact.outcome {
        case .rows(let count):
            attributes.append(OTLPKeyValue("db.response.returned_rows", count))
        case .ok(let affected?):
            attributes.append(OTLPKeyValue("glancetrace.mysql.affected_rows", Int(clamping: affected)))
        case .error(let code, let message):
            attributes.append(OTLPKeyValue("db.response.status_code", String(code)))
            attributes.append(OTLPKeyValue("error.type", String(code)))
            span.status = .init(code: .error, message: (fact.sqlstate.map { "\($0) " } ?? "") + message)
        case .ok(nil), .none:
            break
        }
        span.attributes = attributes
        return span
    }

    /// The service a span belongs to: `service.name` as OpenTelemetry's resource conventions
    /// have it, one instance per server endpoint.
    static func resource(service: String, instance: String) -> OTLPResource {
        OTLPResource(attributes: [
            OTLPKeyValue("service.name", service == "other" ? "unknown_service" : service),
            OTLPKeyValue("service.namespace", "openstack"),
            OTLPKeyValue("service.instance.id", instance),
        ])
    }

    /// `SELECT`, `INSERT`, `COMMIT`... for a text statement; the command otherwise (`Ping`).
    static func operationName(_ fact: SQLFact) -> String {
        guard fact.command == .query || fact.command == .stmtPrepare || fact.command == .stmtExecute else { return fact.command.name }
        let word = fact.statement.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "(" }.prefix { $0.isLetter }
        return word.isEmpty ? fact.command.name : word.uppercased()
    }

    /// `server.address` and `server.port` (or `client.`) of an `ip:port` / `[v6]:port` endpoint.
    static func endpoint(_ role: String, _ text: String) -> [OTLPKeyValue] {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            return text.isEmpty ? [] : [OTLPKeyValue("\(role).address", text)]
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return [OTLPKeyValue("\(role).address", host), OTLPKeyValue("\(role).port", port)]
    }

    static func unixNanoseconds(_ time: Timestamp) -> UInt64 { UInt64(max(time.nanoseconds, 0)) }
}
