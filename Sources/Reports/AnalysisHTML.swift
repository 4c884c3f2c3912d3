import Analysis
import CaptureIO
import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials  // Data's base64: Foundation itself is not linked (PageTemplate)
#else
import Foundation
#endif
import Reassembly
import Timeline

/// The HTML report: one self-contained page (no external script, style or font) with the
/// sequence view (a lane per party on a shared, zoomable time axis, drawn by the page's script
/// from the embedded `SequenceViewModel` JSON), each image's story as tables, and the network's
/// health. Rendered from `SequencePageTemplate` by `PageTemplate`, which escapes every value.
package enum AnalysisHTML {
    package static func page(_ result: AnalysisResult, relations: RequestRelations? = nil) -> String {
        let relations = relations ?? RequestRelations(result)
        switch templates {
        case .success(let page):
            return page.render(context(result, relations: relations))
        case .failure(let error):
            // The templates are constants checked by the tests: this is a build defect, not input.
            return "<!DOCTYPE html><title>glancetrace</title><p>report template error: \(escape(String(describing: error)))</p>\n"
        }
    }

    /// The page template with its partials, parsed once.
    static let templates: Result<PageTemplate, Error> = Result {
        try PageTemplate(SequencePageTemplate.page, partials: ["style": SequencePageTemplate.style, "script": SequenceViewScript.source])
    }

    /// `sha256-...` of an inline element's text, for the page's Content-Security-Policy.
    static func cspHash(_ text: String) -> String {
        "sha256-" + Data(SHA256.hash(data: Data(text.utf8))).base64EncodedString()
    }

    static func context(_ result: AnalysisResult, relations: RequestRelations) -> TemplateValue {
        let t = result.tcp
        return [
            "styleHash": .text(cspHash(SequencePageTemplate.style)),
            "scriptHash": .text(cspHash(SequenceViewScript.source)),
            "captures": .list(result.captures.map { c in
                ["path": .text(c.info.path), "packets": .number(c.packets),
                 "first": .text(c.first?.rfc3339() ?? "n/a"), "last": .text(c.last?.rfc3339() ?? "n/a")]
            }),
            "warnings": .list(result.warnings.map(TemplateValue.text)),
            "images": .list(result.timeline.images.enumerated().map { image($1, index: $0, result) }),
            "tcp": ["connections": .number(t.connections), "retransmitted": .number(t.retransmittedSegments),
                    "outOfOrder": .number(t.outOfOrderSegments), "gaps": .number(t.gaps), "missing": .number(t.missingBytes),
                    "notCaptured": t.bytesNotCaptured > 0 ? .number(t.bytesNotCaptured) : false],
            "tls": .list(result.tls.map { ["client": .text($0.client), "server": .text($0.server), "summary": .text($0.summary)] }),
            "anomalies": .list(result.timeline.anomalies.map {
                ["clock": .text(AnalysisText.clock($0.time)), "kind": .text($0.kind.rawValue), "message": .text($0.message)]
            }),
            "viewJSON": .text(SequenceViewModel.json(result, relations: relations).serialized(pretty: false)),
        ]
    }

    static func image(_ image: ImageLifecycle, index: Int, _ result: AnalysisResult) -> TemplateValue {
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
        let steps: [TemplateValue] = ImageStep.steps(of: image, in: result).map { step in
            switch step {
            case .http(let f):
                let count = result.timeline.sqlOfHTTP[f.index]?.count ?? 0
                // An encrypted front shows the request line of the proxy leg that was decoded, if any.
                let line = ProxyHops.decoded(f, in: result)
                let request = line.inferred ? InferredCallText.call(line) : "\(line.method) \(line.path)"
                let calls: [TemplateValue] = CausedCalls.tree(under: f.index, result).map { call, depth in
                    ["clock": .text(AnalysisText.clock(call.time)), "indent": .number(depth - 1), "index": .number(call.index),
                     "request": .text(call.inferred ? InferredCallText.call(call) : "\(call.method) \(call.path)"),
                     "status": .text(call.status.map(String.init) ?? "no response"), "service": .text(call.service),
                     "operation": .text(call.operation.rawValue),
                     "qualifier": .text(CausedCalls.qualifier(call.index, result.timeline).map { "; " + $0 } ?? "")]
                }
                return ["http": [
                    "clock": .text(AnalysisText.clock(f.time)), "index": .number(f.index), "request": .text(request), "inferred": .flag(line.inferred),
                    "status": .text(line.inferred ? "?" : (line.status.map(String.init) ?? "no response")),
                    "service": .text(line.service), "operation": .text(line.inferred ? InferredCallText.operation(line) : line.operation.rawValue),
                    "milliseconds": .text(AnalysisText.milliseconds(f.time, f.end)), "sqlCount": count > 0 ? .number(count) : false,
                    "hops": ProxyHops.http(f.index, in: result).map(TemplateValue.text) ?? false, "calls": .list(calls), "hasCalls": .flag(!calls.isEmpty),
                ]]
            case .transition(let t):
                var row: [String: TemplateValue] = ["clock": .text(AnalysisText.clock(t.time)), "status": .text(t.status),
                                                    "evidence": t.source == .http ? "reported by the API" : "", "statement": false]
                if let s = t.sql, result.sql.indices.contains(s) {
                    row["statement"] = .text(AnalysisText.abbreviated(result.sql[s].statement, 300))
                }
                if let call = t.http, result.http.indices.contains(call), result.http.traits(at: call).contains(.inferred),
                   ProxyHops.decoded(result.http[call], in: result).inferred {
                    row["citation"] = .text(InferredCallText.citation(result.http[call]))
                } else {
                    row["citation"] = false
                }
                return ["transition": .object(row)]
            }
        }
        return [
            "index": .number(index), "name": .text(image.name ?? "(no name)"), "id": .text(image.id ?? ""),
            "transitions": .list(image.transitions.map { ["status": .text($0.status)] }),
            "facts": .list(facts.map { ["name": .text($0.0), "value": .text($0.1)] }),
            "steps": .list(steps),
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
