import Analysis
import Timeline

extension AnalysisHTML {
    /// The calls a request made while served (token validation, Swift calls), nested.
    static func callsMade(under request: Int, _ result: AnalysisResult) -> String {
        let tree = CausedCalls.tree(under: request, result)
        guard !tree.isEmpty else { return "" }
        var html = "<details><summary>\(tree.filter { $0.depth == 1 }.count) calls it made</summary><ul class=\"mono\">"
        for (call, depth) in tree {
            html += "<li style=\"margin-left:\(depth - 1)em\">\(AnalysisText.clock(call.time)) \(escape(call.method)) \(escape(call.path))"
            html += " &rarr; \(call.status.map(String.init) ?? "no response") (\(escape(call.service)) \(escape(call.operation.rawValue))"
            if let qualifier = CausedCalls.qualifier(call.index, result.timeline) { html += "; \(escape(qualifier))" }
            html += ")</li>"
        }
        return html + "</ul></details>"
    }

    /// The store's side of the upload and the downloads, for the image's table.
    static func dataPathRows(_ image: ImageLifecycle) -> [(String, String)] {
        var rows: [(String, String)] = []
        if let store = image.upload?.store {
            rows.append(("store", AnalysisText.storeSummary(store)))
            if store.onWire { rows.append(("store object", AnalysisText.objectLine(store, written: true))) }
        } else if let location = image.locations.last {
            rows.append(("location", "\(location.url) (\(location.backend))"))
        }
        for download in image.downloads {
            var text = "\(download.bytes) bytes"
            switch download.matchesChecksum {
            case true?: text += ", match what Glance stored"
            case false?: text += ", DO NOT MATCH what Glance stored"
            case nil: text += ", hashes not verifiable"
            }
            if let store = download.store {
                text += store.onWire ? "; read from " + AnalysisText.objectLine(store, written: false)
                                     : "; read from " + AnalysisText.storeSummary(store)
            }
            rows.append(("download \(AnalysisText.clock(download.time))", text))
        }
        return rows
    }
}
