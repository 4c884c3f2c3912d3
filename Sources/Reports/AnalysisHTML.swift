import CaptureIO
import Reassembly
import Timeline

/// A self-contained HTML page (no external assets): one section per image with its lifecycle
/// as a timeline table, the HTTP exchanges with their SQL, and the full JSON report embedded
/// for scripts (`<script type="application/json" id="glancetrace-data">`).
public enum AnalysisHTML {
    public static func page(_ result: AnalysisResult) -> String {
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>glancetrace report</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:2em;color:#222}
        h1{font-size:1.4em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
        table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
        td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
        th{background:#f4f4f4}.mono{font-family:ui-monospace,monospace}
        .status{font-weight:bold;text-transform:uppercase}.bad{color:#b00}.good{color:#070}
        .lifecycle span{display:inline-block;padding:.2em .6em;margin:.1em;border-radius:.8em;background:#e8eef8}
        details{margin:.2em 0}.inferred{font-style:italic;color:#555}
        </style></head><body>
        <h1>glancetrace report</h1>

        """
        html += "<p>" + result.captures.map { c in
            "\(escape(c.info.path)): \(c.packets) packets, \(escape(c.first?.rfc3339() ?? "n/a")) .. \(escape(c.last?.rfc3339() ?? "n/a"))"
        }.joined(separator: "<br>") + "</p>\n"
        for warning in result.warnings { html += "<p class=\"bad\">warning: \(escape(warning))</p>\n" }
        if result.timeline.images.isEmpty { html += "<p>No Glance image seen.</p>\n" }
        for image in result.timeline.images { html += section(image, result) }
        html += httpTable(result)
        html += anomalies(result)
        let json = AnalysisJSON.document(result).serialized(pretty: false)
        html += "<script type=\"application/json\" id=\"glancetrace-data\">\(json)</script>\n</body></html>\n"
        return html
    }

    static func section(_ image: ImageLifecycle, _ result: AnalysisResult) -> String {
        var html = "<h2>Image \(escape(image.name ?? "(no name)")) <span class=\"mono\">\(escape(image.id ?? ""))</span></h2>\n"
        html += "<p class=\"lifecycle\">" + image.transitions.map { "<span>\(escape($0.status))</span>" }.joined(separator: " &rarr; ") + "</p>\n"
        var rows: [(String, String)] = []
        rows.append(("status", image.status ?? "unknown"))
        if let d = image.diskFormat { rows.append(("formats", "\(d) / \(image.containerFormat ?? "?")")) }
        if let v = image.visibility { rows.append(("visibility", v)) }
        if let s = image.size { rows.append(("size", String(s))) }
        if let c = image.checksum { rows.append(("checksum", c)) }
        if let h = image.osHashValue { rows.append((image.osHashAlgo ?? "os_hash_value", h)) }
        for p in image.properties { rows.append(("property " + p.name, p.value)) }
        if let u = image.upload {
            var text = "\(u.bytesOnWire) bytes in \(AnalysisText.format3(u.durationSeconds)) s"
            switch u.matchesChecksum {
            case true?: text += " — wire hashes match"
            case false?: text += " — wire hashes DO NOT match"
            case nil: text += u.inferred ? " — hashes not verifiable (encrypted, not decrypted)" : " — hashes not verifiable"
            }
            switch u.sizeMatches {
            case true?: text += " — upload size equals the size Glance stored"
            case false?: text += " — upload size DIFFERS from the size Glance stored"
            case nil: break
            }
            rows.append(("upload", text))
        }
        rows += dataPathRows(image)
        html += "<table>" + rows.map { "<tr><th>\(escape($0.0))</th><td class=\"mono\">\(escape($0.1))</td></tr>" }.joined() + "</table>\n"
        html += "<table><tr><th>time (UTC)</th><th>step</th><th>evidence</th></tr>\n"
        for step in ImageStep.steps(of: image, in: result) {
            let time = step.time
            switch step {
            case .http(let f) where f.inferred:
                html += "<tr><td class=\"mono\">\(AnalysisText.clock(time))</td><td class=\"mono inferred\">\(escape(InferredCallText.requestLine(f)))</td>"
                html += "<td>\(escape(InferredCallText.summary(f)))\(inferredEvidence(f, result))</td></tr>\n"
            case .http(let f):
                let sql = (result.timeline.sqlOfHTTP[f.index] ?? []).map { result.sql[$0] }
                let line = ProxyHops.decoded(f, in: result)
                var evidence = "\(escape(line.service)) \(escape(line.operation)), \(AnalysisText.milliseconds(f.time, f.end)) ms"
                if let hops = ProxyHops.http(f.index, in: result) { evidence += "<br><span class=\"mono\">hops: \(escape(hops))</span>" }
                if !sql.isEmpty {
                    evidence += "<details><summary>\(sql.count) SQL statements</summary><ol class=\"mono\">"
                    evidence += sql.map { "<li>\(escape(AnalysisText.abbreviated($0.statement, 400)))</li>" }.joined()
                    evidence += "</ol></details>"
                }
                evidence += callsMade(under: f.index, result)
                html += "<tr><td class=\"mono\">\(AnalysisText.clock(time))</td><td class=\"mono\">\(escape(line.method)) \(escape(line.path)) &rarr; \(line.status.map(String.init) ?? "no response")</td><td>\(evidence)</td></tr>\n"
            case .transition(let t):
                var evidence = t.source == .http ? "reported by the API" : ""
                if let s = t.sql, result.sql.indices.contains(s) {
                    evidence = "<span class=\"mono\">\(escape(AnalysisText.abbreviated(result.sql[s].statement, 300)))</span>"
                }
                if let call = t.http, result.http.indices.contains(call), result.http.traits(at: call).contains(.inferred),
                   ProxyHops.decoded(result.http[call], in: result).inferred {
                    // With a decoded proxy leg, that leg's request line says more than the records.
                    evidence += "<br><span class=\"inferred\">\(escape(InferredCallText.citation(result.http[call])))</span>"
                }
                html += "<tr><td class=\"mono\">\(AnalysisText.clock(time))</td><td class=\"status\">\(escape(t.status))</td><td>\(evidence)</td></tr>\n"
            }
        }
        return html + "</table>\n"
    }

    static func httpTable(_ result: AnalysisResult) -> String {
        let links = result.timeline.legs.http
        // One row per logical request; its proxy legs are in its hops (and every leg in the JSON).
        let heading = links.isEmpty ? "HTTP exchanges (\(result.http.count))"
            : "HTTP requests (\(result.http.count - links.legOf.count), \(result.http.count) exchanges with their proxy legs)"
        var html = "<h2>\(heading)</h2>\n<table><tr><th>time</th><th>service</th><th>operation</th><th>request</th><th>status</th><th>ms</th><th>SQL</th></tr>\n"
        for f in result.http where links.isLogical(f.index) {
            html += "<tr><td class=\"mono\">\(AnalysisText.clock(f.time))</td><td>\(escape(f.service))</td><td>\(escape(f.operation))</td>"
            let line = ProxyHops.decoded(f, in: result)
            if line.inferred {
                html += "<td class=\"mono inferred\">\(escape(InferredCallText.call(f))) (\(escape(InferredCallText.operation(f))))"
                if let hops = ProxyHops.http(f.index, in: result) { html += "<br>\(escape(hops))" }
                html += "</td><td>?</td>"
            } else {
                html += "<td class=\"mono\">\(escape(line.method)) \(escape(line.path))"
                if let hops = ProxyHops.http(f.index, in: result) { html += "<br>\(escape(hops))" }
                html += "</td><td>\(line.status.map(String.init) ?? "")</td>"
            }
            html += "<td>\(AnalysisText.milliseconds(f.time, f.end))</td><td>\(result.timeline.sqlOfHTTP[f.index]?.count ?? 0)</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// Why an inferred call is said to be what it is, and its SQL, folded.
    static func inferredEvidence(_ f: HTTPFact, _ result: AnalysisResult) -> String {
        var html = "<details><summary>inferred from encrypted records: evidence</summary><ul>"
        html += (f.evidence + f.notes).map { "<li>\(escape($0))</li>" }.joined() + "</ul></details>"
        let sql = (result.timeline.sqlOfHTTP[f.index] ?? []).map { result.sql[$0] }
        if !sql.isEmpty {
            html += "<details><summary>\(sql.count) SQL statements</summary><ol class=\"mono\">"
            html += sql.map { "<li>\(escape(AnalysisText.abbreviated($0.statement, 400)))</li>" }.joined() + "</ol></details>"
        }
        return html
    }

    static func anomalies(_ result: AnalysisResult) -> String {
        let t = result.tcp
        var html = "<h2>Network and anomalies</h2>\n<p>TCP: \(t.connections) connections, \(t.retransmittedSegments) retransmitted and \(t.outOfOrderSegments) out-of-order segments, \(t.gaps) gaps (\(t.missingBytes) bytes missing).</p>\n"
        for note in result.tls { html += "<p>TLS \(escape(note.client)) &rarr; \(escape(note.server)): \(escape(note.summary))</p>\n" }
        if !result.timeline.anomalies.isEmpty {
            html += "<ul>" + result.timeline.anomalies.map {
                "<li class=\"bad\"><span class=\"mono\">\(AnalysisText.clock($0.time))</span> \(escape($0.kind)): \(escape($0.message))</li>"
            }.joined() + "</ul>\n"
        }
        return html
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
