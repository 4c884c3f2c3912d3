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
        details{margin:.2em 0}
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
            case nil: text += " — hashes not verifiable"
            }
            rows.append(("upload", text))
        }
        html += "<table>" + rows.map { "<tr><th>\(escape($0.0))</th><td class=\"mono\">\(escape($0.1))</td></tr>" }.joined() + "</table>\n"
        html += "<table><tr><th>time (UTC)</th><th>step</th><th>evidence</th></tr>\n"
        for step in ImageStep.steps(of: image, in: result) {
            let time = step.time
            switch step {
            case .http(let f):
                let sql = (result.timeline.sqlOfHTTP[f.index] ?? []).map { result.sql[$0] }
                var evidence = "\(escape(f.service)) \(escape(f.operation)), \(AnalysisText.milliseconds(f.time, f.end)) ms"
                if !sql.isEmpty {
                    evidence += "<details><summary>\(sql.count) SQL statements</summary><ol class=\"mono\">"
                    evidence += sql.map { "<li>\(escape(AnalysisText.abbreviated($0.statement, 400)))</li>" }.joined()
                    evidence += "</ol></details>"
                }
                html += "<tr><td class=\"mono\">\(AnalysisText.clock(time))</td><td class=\"mono\">\(escape(f.method)) \(escape(f.path)) &rarr; \(f.status.map(String.init) ?? "no response")</td><td>\(evidence)</td></tr>\n"
            case .transition(let t):
                var evidence = t.source == .http ? "reported by the API" : ""
                if let s = t.sql, result.sql.indices.contains(s) {
                    evidence = "<span class=\"mono\">\(escape(AnalysisText.abbreviated(result.sql[s].statement, 300)))</span>"
                }
                html += "<tr><td class=\"mono\">\(AnalysisText.clock(time))</td><td class=\"status\">\(escape(t.status))</td><td>\(evidence)</td></tr>\n"
            }
        }
        return html + "</table>\n"
    }

    static func httpTable(_ result: AnalysisResult) -> String {
        var html = "<h2>HTTP exchanges (\(result.http.count))</h2>\n<table><tr><th>time</th><th>service</th><th>operation</th><th>request</th><th>status</th><th>ms</th><th>SQL</th></tr>\n"
        for f in result.http {
            html += "<tr><td class=\"mono\">\(AnalysisText.clock(f.time))</td><td>\(escape(f.service))</td><td>\(escape(f.operation))</td>"
            html += "<td class=\"mono\">\(escape(f.method)) \(escape(f.path))</td><td>\(f.status.map(String.init) ?? "")</td>"
            html += "<td>\(AnalysisText.milliseconds(f.time, f.end))</td><td>\(result.timeline.sqlOfHTTP[f.index]?.count ?? 0)</td></tr>\n"
        }
        return html + "</table>\n"
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
