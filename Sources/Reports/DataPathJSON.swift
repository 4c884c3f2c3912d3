import CaptureIO
import Timeline

/// The JSON members of issue 27: who caused a call (`http[].caused_by`), the store's side of an
/// image's upload (`images[].upload.store`), its locations and its downloads.
enum DataPathJSON {
    /// Members appended to each `http[]` element.
    static func httpMembers(_ fact: HTTPFact, _ timeline: ImageTimeline) -> [(String, JSONValue)] {
        let cause = timeline.causeOfHTTP[fact.index]
        return [
            ("caused_by", .optional(cause?.request)),
            ("attribution", .optional(cause?.confidence.rawValue)),
            ("candidates", .array((cause?.candidates ?? []).map { .int($0) })),
            ("cause_evidence", .optional(cause?.evidence.rawValue)),
            ("calls", .array((timeline.callsOfHTTP[fact.index] ?? []).map { .int($0) })),
            ("download_md5", .optional(fact.transfer.downloadDigests?.md5)),
            ("download_sha512", .optional(fact.transfer.downloadDigests?.sha512)),
            ("etag", .optional(fact.transfer.etag)),
            ("trans_id", .optional(fact.transfer.transID)),
        ]
    }

    static func store(_ store: StoreTransfer?) -> JSONValue {
        guard let store else { return .null }
        return .object([
            ("backend", .string(store.backend)),
            ("location", .optional(store.location)),
            ("bytes", .optional(store.bytes)),
            ("md5", .optional(store.md5)),
            ("sha512", .optional(store.sha512)),
            ("etag", .optional(store.etag)),
            ("matches_upload", .optional(store.matchesUpload)),
            ("segments", store.segments.map { segments in
                .array(segments.map {
                    .object([("object", .string($0.object)), ("http", .int($0.http)), ("bytes", .int($0.bytes)),
                             ("md5", .optional($0.md5)), ("etag", .optional($0.etag)), ("matches_etag", .optional($0.matchesETag))])
                })
            } ?? .null),
            ("on_wire", .bool(store.onWire)),
            ("account", .optional(store.account)),
            ("container", .optional(store.container)),
            ("object", .optional(store.object)),
            ("http", .array(store.http.map { .int($0) })),
            ("complete", .bool(store.complete)),
            ("matches_etag", .optional(store.matchesETag)),
            ("matches_checksum", .optional(store.matchesChecksum)),
            ("deletes", .array(store.deletes.map { .int($0) })),
        ])
    }

    static func locations(_ image: ImageLifecycle) -> JSONValue {
        .array(image.locations.map {
            .object([("url", .string($0.url)), ("backend", .string($0.backend)), ("store", .optional($0.store)),
                     ("status", .optional($0.status)), ("sql", .int($0.sql))])
        })
    }

    static func downloads(_ image: ImageLifecycle, precision p: TimestampPrecision) -> JSONValue {
        .array(image.downloads.map {
            .object([("http", .int($0.http)), ("time", .string($0.time.rfc3339(precision: p))), ("status", .optional($0.status)),
                     ("bytes", .int($0.bytes)), ("complete", .bool($0.complete)), ("md5", .optional($0.md5)),
                     ("sha512", .optional($0.sha512)), ("matches_checksum", .optional($0.matchesChecksum)),
                     ("store", store($0.store))])
        })
    }
}
