import Analysis
import Timeline

extension AnalysisText {
    /// The calls a request made while served, nested under its step.
    static func calls(under request: Int, in result: AnalysisResult) -> String {
        let tree = CausedCalls.tree(under: request, result)
        guard !tree.isEmpty else { return "" }
        let direct = tree.filter { $0.depth == 1 }.count
        var out = "      made \(direct) call\(direct == 1 ? "" : "s"):\n"
        for (call, depth) in tree {
            out += String(repeating: "  ", count: depth + 3)
            out += "\(clock(call.time))  \(call.method) \(call.path) -> \(call.status.map(String.init) ?? "no response")"
            out += "  [\(call.service) \(call.operation), \(milliseconds(call.time, call.end)) ms"
            if let qualifier = CausedCalls.qualifier(call.index, result.timeline) { out += "; \(qualifier)" }
            out += "]\n"
        }
        return out
    }

    /// Where the image's data went past Glance, and whether it arrived unchanged at each hop.
    static func dataPath(of image: ImageLifecycle, in result: AnalysisResult) -> String {
        var out = ""
        if let store = image.upload?.store {
            out += "  store: " + storeSummary(store) + "\n"
            if store.onWire {
                out += "    " + objectLine(store, written: true) + "\n"
                for segment in store.segments ?? [] {
                    out += "      segment \(segment.object): \(segment.bytes) bytes, MD5 \(segment.md5 ?? "unknown")"
                    out += ", ETag \(segment.etag ?? "unknown")\(verdict(segment.matchesETag, "matches", "DOES NOT MATCH"))\n"
                }
            }
        } else if let location = image.locations.last {
            out += "  location: \(location.url) (\(location.backend))\n"
        }
        for download in image.downloads {
            out += "  download \(clock(download.time)): \(download.bytes) bytes"
            if !download.complete { out += ", incomplete in the capture" }
            switch download.matchesChecksum {
            case true?: out += ", match what Glance stored"
            case false?: out += ", DO NOT MATCH what Glance stored"
            case nil: out += ", hashes not verifiable"
            }
            out += "\n"
            if let store = download.store {
                out += store.onWire ? "    read from " + objectLine(store, written: false) + "\n"
                                    : "    read from: " + storeSummary(store) + "\n"
            }
        }
        return out
    }

    static func storeSummary(_ store: StoreTransfer) -> String {
        var text = store.backend
        if !store.onWire { text += ", not visible in the capture" }
        if let location = store.location { text += " (\(location))" }
        return text
    }

    /// One line on an object written (upload) or read (download) and its checks.
    static func objectLine(_ store: StoreTransfer, written: Bool) -> String {
        let name = [store.account, store.container, store.object].compactMap { $0 }.joined(separator: "/")
        var text = "object \(name): \(store.bytes.map(String.init) ?? "?") bytes"
        if let segments = store.segments {
            let manifest = store.http.count > segments.count ? "and a manifest" : "without a manifest"
            text += " in \(segments.count) segment\(segments.count == 1 ? "" : "s") \(manifest)"
        }
        if !store.complete { text += ", incomplete in the capture" }
        if let etag = store.etag { text += ", ETag \(etag)" }
        var checks: [String] = []
        if let matches = store.matchesUpload {
            let other = written ? "the client's upload" : "what Glance sent the client"
            checks.append(matches ? "same bytes as \(other)" : "NOT THE BYTES OF \(other.uppercased())")
        }
        if let matches = store.matchesETag { checks.append(matches ? "ETag matches" : "ETAG DOES NOT MATCH") }
        if let matches = store.matchesChecksum { checks.append(matches ? "checksum matches" : "CHECKSUM DOES NOT MATCH") }
        if checks.isEmpty { checks.append("hashes not verifiable") }
        text += "; " + checks.joined(separator: ", ")
        if !store.deletes.isEmpty { text += "; deleted again by \(store.deletes.count) DELETE\(store.deletes.count == 1 ? "" : "s")" }
        return text
    }

    static func verdict(_ value: Bool?, _ yes: String, _ no: String) -> String {
        value.map { $0 ? " (\(yes))" : " (\(no))" } ?? ""
    }
}
