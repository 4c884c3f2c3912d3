import Analysis
import CaptureIO
import Crypto
import Foundation
import Mustache
import Reassembly
import Timeline

/// The HTML report: one self-contained page (no external script, style or font) with the
/// sequence view (a lane per party on a shared, zoomable time axis, drawn by the page's script
/// from the embedded `SequenceViewModel` JSON), each image's story as tables, and the network's
/// health. Rendered from `SequencePageTemplate` by swift-mustache, which escapes every value.
package enum AnalysisHTML {
    package static func page(_ result: AnalysisResult, relations: RequestRelations? = nil) -> String {
        let relations = relations ?? RequestRelations(result)
        switch templates {
        case .success(let (page, library)):
            return page.render(context(result, relations: relations), library: library)
        case .failure(let error):
            // The templates are constants checked by the tests: this is a build defect, not input.
            return "<!DOCTYPE html><title>glancetrace</title><p>report template error: \(escape(String(describing: error)))</p>\n"
        }
    }

    /// The page template and the library holding its partials, parsed once.
    static let templates: Result<(MustacheTemplate, MustacheLibrary), Error> = Result {
        var library = MustacheLibrary()
        try library.register(SequencePageTemplate.style, named: "style")
        try library.register(SequenceViewScript.source, named: "script")
        return (try MustacheTemplate(string: SequencePageTemplate.page), library)
    }

    /// `sha256-...` of an inline element's text, for the page's Content-Security-Policy.
    static func cspHash(_ text: String) -> String {
        "sha256-" + Data(SHA256.hash(data: Data(text.utf8))).base64EncodedString()
    }

    static func context(_ result: AnalysisResult, relations: RequestRelations) -> [String: Any] {
        let t = result.tcp
        return [
            "styleHash": cspHash(SequencePageTemplate.style),
            "scriptHash": cspHash(SequenceViewScript.source),
            "captures": result.captures.map { c -> [String: Any] in
                ["path": c.info.path, "packets": c.packets, "first": c.first?.rfc3339() ?? "n/a", "last": c.last?.rfc3339() ?? "n/a"]
            },
            "warnings": result.warnings,
            "images": result.timeline.images.enumerated().map { image($1, index: $0, result) },
            "tcp": ["connections": t.connections, "retransmitted": t.retransmittedSegments, "outOfOrder": t.outOfOrderSegments,
                    "gaps": t.gaps, "missing": t.missingBytes, "notCaptured": t.bytesNotCaptured > 0 ? String(t.bytesNotCaptured) : false] as [String: Any],
            "tls": result.tls.map { ["client": $0.client, "server": $0.server, "summary": $0.summary] },
            "anomalies": result.timeline.anomalies.map { ["clock": AnalysisText.clock($0.time), "kind": $0.kind.rawValue, "message": $0.message] },
            "viewJSON": SequenceViewModel.json(result, relations: relations).serialized(pretty: false),
        ]
    }

    static func image(_ image: ImageLifecycle, index: Int, _ result: AnalysisResult) -> [String: Any] {
        var facts: [(String, String)] = [("status", image.status ?? "unknown")]
        if let d = image.diskFormat { facts.append(("formats", "\(d) / \(image.containerFormat ?? "?")")) }
        if let v = image.visibility { facts.append(("visibility", v)) }
        if let s = image.size { facts.append(("size", String(s))) }
        if let c = image.checksum { facts.append(("checksum", c)) }
        if let h = image.osHashValue { facts.append((image.osHashAlgo ?? "os_hash_value", h)) }
        for p in image.properties { facts.append(("property " + p.name, p.value)) }
        if let u = image.upload {
            var text = "\(u.bytesOnWire) bytes in \(AnalysisText.format3(u.durationSeconds)) s"
            if u.bytesNotCaptured > 0 { text += ", body not captured (snap length): \(u.bytesNotCaptured) bytes" }
            if u.inferred {
                // Encrypted: the size is all that can be checked.
                switch u.sizeMatches {
                case true?: text += " (encrypted) — size equals what Glance stored; hashes not verifiable"
                case false?: text += " (encrypted) — size DOES NOT equal what Glance stored; hashes not verifiable"
                case nil: text += " (encrypted) — hashes not verifiable"
                }
            } else {
                switch u.matchesChecksum {
                case true?: text += " — wire hashes match"
                case false?: text += " — wire hashes DO NOT match"
                case nil: text += " — hashes not verifiable"
                }
            }
            facts.append(("upload", text))
        }
        facts += dataPathRows(image)
        let steps: [[String: Any]] = ImageStep.steps(of: image, in: result).map { step in
            switch step {
            case .http(let f):
                let count = result.timeline.sqlOfHTTP[f.index]?.count ?? 0
                // An encrypted front shows the request line of the proxy leg that was decoded, if any.
                let line = ProxyHops.decoded(f, in: result)
                let request = line.inferred ? InferredCallText.call(line) : "\(line.method) \(line.path)"
                let calls: [[String: Any]] = CausedCalls.tree(under: f.index, result).map { call, depth in
                    ["clock": AnalysisText.clock(call.time), "indent": depth - 1, "index": call.index,
                     "request": call.inferred ? InferredCallText.call(call) : "\(call.method) \(call.path)",
                     "status": call.status.map(String.init) ?? "no response", "service": call.service, "operation": call.operation.rawValue,
                     "qualifier": CausedCalls.qualifier(call.index, result.timeline).map { "; " + $0 } ?? ""]
                }
                return ["http": [
                    "clock": AnalysisText.clock(f.time), "index": f.index, "request": request, "inferred": line.inferred,
                    "status": line.inferred ? "?" : (line.status.map(String.init) ?? "no response"),
                    "service": line.service, "operation": line.inferred ? InferredCallText.operation(line) : line.operation.rawValue,
                    "milliseconds": AnalysisText.milliseconds(f.time, f.end), "sqlCount": count > 0 ? String(count) : false,
                    "hops": ProxyHops.http(f.index, in: result) ?? false, "calls": calls, "hasCalls": !calls.isEmpty,
                ] as [String: Any]]
            case .transition(let t):
                var row: [String: Any] = ["clock": AnalysisText.clock(t.time), "status": t.status,
                                          "evidence": t.source == .http ? "reported by the API" : "", "statement": false]
                if let s = t.sql, result.sql.indices.contains(s) {
                    row["statement"] = AnalysisText.abbreviated(result.sql[s].statement, 300)
                }
                if let call = t.http, result.http.indices.contains(call), result.http.traits(at: call).contains(.inferred),
                   ProxyHops.decoded(result.http[call], in: result).inferred {
                    row["citation"] = InferredCallText.citation(result.http[call])
                } else {
                    row["citation"] = false
                }
                return ["transition": row]
            }
        }
        return [
            "index": index, "name": image.name ?? "(no name)", "id": image.id ?? "",
            "transitions": image.transitions.map { ["status": $0.status] },
            "facts": facts.map { ["name": $0.0, "value": $0.1] },
            "steps": steps,
        ]
    }

    /// For the one message written without the template engine.
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
