import CaptureIO
import HTTPDecoding

/// Follows each image's data past Glance: where Glance recorded it (`image_locations`), what the
/// store received on upload and gave on download, and whether the bytes stayed the same at every
/// hop the capture shows (client -> Glance -> Swift, Swift -> Glance -> client).
///
/// Each leg's bytes are hashed on the wire (`ImageDataRoutes`); a leg whose digests differ from
/// the leg before it names the hop where the bytes changed.
enum ImageDataPath {
    /// Fills `locations`, `upload.store` and `downloads`; returns the mismatches found.
    /// `locationWrites` are the committed `image_locations` INSERTs, in statement order.
    static func fill(_ images: inout [ImageLifecycle], http: HTTPFactStore,
                     locationWrites: [(sql: Int, statement: SQLWriteStatement)]) -> [Anomaly] {
        let locations = recordedLocations(locationWrites)
        var objectCalls: [String: [HTTPFact]] = [:]
        for position in http.indices {
            let traits = http.traits(at: position)
            guard traits.contains(.serviceCall), traits.contains(.namesImage) else { continue }
            let fact = http[position]
            if fact.service == "swift", let id = fact.imageID { objectCalls[id, default: []].append(fact) }
        }
        var anomalies: [Anomaly] = []
        for i in images.indices {
            var image = images[i]
            guard let id = image.id else { continue }
            image.locations = locations[id] ?? []
            let calls = objectCalls[id] ?? []
            if image.upload != nil {
                let store = storeWrite(of: image, calls: calls)
                image.upload?.store = store
                if let store {
                    anomalies += uploadMismatches(image, store)
                    anomalies += failedWrites(image, store, calls: calls)
                }
            }
            for position in image.http where http.indices.contains(position) {
                let fact = http[position]
                // A refused download (403 of a deactivated image) carries no image data.
                guard fact.operation == .imageDownload, (200..<300).contains(fact.status ?? 200) else { continue }
                let download = self.download(fact, of: image, calls: calls)
                image.downloads.append(download)
                anomalies += downloadMismatches(image, download)
            }
            images[i] = image
        }
        return anomalies
    }

    /// `image_locations` rows inserted (committed), by image id; `writes` holds only those
    /// INSERTs (the builder picks them).
    static func recordedLocations(_ writes: [(sql: Int, statement: SQLWriteStatement)]) -> [String: [ImageLocation]] {
        var result: [String: [ImageLocation]] = [:]
        for write in writes {
            let statement = write.statement
            guard let image = statement.value("image_id"), let url = statement.value("value") else { continue }
            let store = statement.value("meta_data").flatMap { try? JSONDocument(parsing: $0) }?["store"]?.stringValue
            result[image, default: []].append(ImageLocation(url: url, store: store, status: statement.value("status"), sql: write.sql))
        }
        return result
    }

    // MARK: upload

    /// The store's side of the image's upload: the last object Glance wrote for it (a plain
    /// object, or a manifest and the segments before it), else what the location says.
    static func storeWrite(of image: ImageLifecycle, calls: [HTTPFact]) -> StoreTransfer? {
        let location = image.locations.last
        let puts = calls.filter { $0.operation == .objectUpload }
        guard let last = puts.last else {
            guard let location else { return nil }
            return StoreTransfer(backend: location.backend, location: location.url, onWire: false)
        }
        var store = StoreTransfer(backend: "swift", location: location?.url, onWire: true)
        // A segment written last (no manifest yet): the object is the whole they make.
        let object = ImageDataRoutes.segmentNumber(last.path)?.whole ?? last.path
        (store.account, store.container, store.object) = objectPath(object)
        if last.transfer.objectManifest != nil || ImageDataRoutes.segmentNumber(last.path) != nil {
            fillSegmented(&store, manifest: last.transfer.objectManifest != nil ? last : nil, puts: puts)
        } else {
            store.http = [last.index]
            store.bytes = last.requestBytes
            store.complete = last.requestComplete
            store.md5 = last.uploadDigests?.md5
            store.sha512 = last.uploadDigests?.sha512
            store.etag = last.transfer.etagMD5
            store.matchesETag = same(store.md5, store.etag)
        }
        let firstWrite = puts.first { store.http.contains($0.index) }?.time ?? last.time
        store.deletes = calls.filter {
            $0.operation == .objectDelete && $0.time > firstWrite && ($0.path == object || ImageDataRoutes.segmentNumber($0.path)?.whole == object)
        }.map(\.index)
        store.matchesUpload = agree(md5: (store.md5, image.upload?.md5), sha512: (store.sha512, image.upload?.sha512))
        store.matchesChecksum = agree(md5: (store.md5, image.checksum),
                                      sha512: (store.sha512, (image.osHashAlgo ?? "sha512") == "sha512" ? image.osHashValue : nil))
        return store
    }

    /// A large object: the run of segments `-00001`... written last (before the manifest, if
    /// one was seen), checked each against its ETag and as a whole by the joined digests.
    static func fillSegmented(_ store: inout StoreTransfer, manifest: HTTPFact?, puts: [HTTPFact]) {
        let cutoff = manifest?.time
        var run: [(part: Int, fact: HTTPFact)] = []
        for fact in puts where cutoff.map({ fact.time < $0 }) ?? true {
            guard let (_, part) = ImageDataRoutes.segmentNumber(fact.path) else { continue }
            if part == 1 { run = [] }
            run.append((part, fact))
        }
        store.segments = run.map { part, fact in
            let md5 = fact.uploadDigests?.md5, etag = fact.transfer.etagMD5
            return StoreSegment(object: objectPath(fact.path).object ?? fact.path, http: fact.index, bytes: fact.requestBytes,
                                md5: md5, etag: etag, matchesETag: same(md5, etag))
        }
        store.http = run.map(\.fact.index) + (manifest.map { [$0.index] } ?? [])
        store.bytes = run.reduce(0) { $0 + $1.fact.requestBytes }
        let consecutive = run.enumerated().allSatisfy { $0.offset + 1 == $0.element.part }
        store.complete = manifest != nil && consecutive && run.allSatisfy { $0.fact.requestComplete }
        if consecutive, let joined = run.last?.fact.transfer.joinedUploadDigests {
            store.md5 = joined.md5
            store.sha512 = joined.sha512
        }
        let verdicts = store.segments?.map(\.matchesETag) ?? []
        store.matchesETag = verdicts.isEmpty || verdicts.contains(nil) ? nil : !verdicts.contains(false)
    }

    static func uploadMismatches(_ image: ImageLifecycle, _ store: StoreTransfer) -> [Anomaly] {
        guard store.onWire, let upload = image.upload else { return [] }
        let name = image.id ?? image.name ?? "?"
        let object = [store.container, store.object].compactMap { $0 }.joined(separator: "/")
        let time = upload.ended
        var found: [Anomaly] = []
        if store.matchesUpload == false {
            var message = "image \(name): the bytes Glance sent to Swift (\(object), MD5 \(store.md5 ?? "?")) are not the client's upload "
                + "(MD5 \(upload.md5 ?? "?")): changed on the hop Glance -> Swift"
            if store.matchesChecksum == true { message += "; they match what Glance recorded (converted by Glance?)" }
            found.append(Anomaly(time: time, kind: .integrityMismatch, message: message))
        } else if store.matchesUpload == nil, store.matchesChecksum == false {
            found.append(Anomaly(time: time, kind: .integrityMismatch,
                                 message: "image \(name): the bytes Glance sent to Swift (\(object), MD5 \(store.md5 ?? "?")) do not match "
                                    + "the checksum Glance recorded (\(image.checksum ?? "?")): changed on the hop Glance -> Swift"))
        }
        if store.matchesETag == false {
            let bad = store.segments?.filter { $0.matchesETag == false }.map(\.object) ?? [object]
            found.append(Anomaly(time: time, kind: .integrityMismatch,
                                 message: "image \(name): Swift's ETag of \(bad.joined(separator: ", ")) is not the MD5 of the bytes Glance sent: "
                                    + "changed inside Swift, after the Glance -> Swift hop"))
        }
        return found
    }

    /// Writes Swift refused or never answered (glance_store then gives up the upload: Glance
    /// answers 500 and deletes the segments it wrote).
    static func failedWrites(_ image: ImageLifecycle, _ store: StoreTransfer, calls: [HTTPFact]) -> [Anomaly] {
        let name = image.id ?? image.name ?? "?"
        return calls.filter { store.http.contains($0.index) && !(200..<300).contains($0.status ?? 0) }.map { write in
            var message = "image \(name): Swift answered \(write.status.map(String.init) ?? "nothing") to the store's \(write.method) \(write.path)"
            if !write.requestComplete { message += " (\(write.requestBytes) bytes of the body were on the wire, the body never ended)" }
            if !store.deletes.isEmpty { message += "; Glance then deleted \(store.deletes.count) object\(store.deletes.count == 1 ? "" : "s") it had written" }
            return Anomaly(time: write.time, kind: .storeWriteFailed, message: message)
        }
    }

    // MARK: download

    /// A Glance download and the Swift read inside it (the object `GET` of the image's object
    /// while the download was in progress).
    static func download(_ fact: HTTPFact, of image: ImageLifecycle, calls: [HTTPFact]) -> ImageDownload {
        var download = ImageDownload(http: fact.index, time: fact.time, status: fact.status, bytes: fact.transfer.responseBodyBytes,
                                     complete: fact.transfer.responseComplete, md5: fact.transfer.downloadDigests?.md5,
                                     sha512: fact.transfer.downloadDigests?.sha512)
        download.matchesChecksum = agree(md5: (download.md5, image.checksum), sha512: (download.sha512, recordedSHA512(image)))
        let location = image.locations.last
        guard let read = calls.last(where: { $0.operation == .objectDownload && $0.time >= fact.time && $0.end <= fact.end }) else {
            if let location { download.store = StoreTransfer(backend: location.backend, location: location.url, onWire: false) }
            return download
        }
        var store = StoreTransfer(backend: "swift", location: location?.url, onWire: true)
        (store.account, store.container, store.object) = objectPath(read.path)
        store.http = [read.index]
        store.bytes = read.transfer.responseBodyBytes
        store.complete = read.transfer.responseComplete
        store.md5 = read.transfer.downloadDigests?.md5
        store.sha512 = read.transfer.downloadDigests?.sha512
        store.etag = read.transfer.etag
        if let segments = image.upload?.store?.segments, read.transfer.objectManifest != nil {
            // A dynamic large object's ETag is the MD5 of its segments' ETags, quoted.
            let etags = segments.compactMap(\.etag)
            if etags.count == segments.count, let etag = read.transfer.etagMD5 {
                store.matchesETag = etag == UploadDigests.md5(of: Array(etags.joined().utf8))
            }
        } else {
            store.matchesETag = same(store.md5, read.transfer.etagMD5)
        }
        store.matchesUpload = agree(md5: (download.md5, store.md5), sha512: (download.sha512, store.sha512))
        store.matchesChecksum = agree(md5: (store.md5, image.checksum), sha512: (store.sha512, recordedSHA512(image)))
        download.store = store
        return download
    }

    static func downloadMismatches(_ image: ImageLifecycle, _ download: ImageDownload) -> [Anomaly] {
        let name = image.id ?? image.name ?? "?"
        var found: [Anomaly] = []
        func add(_ text: String) {
            found.append(Anomaly(time: download.time, kind: .integrityMismatch, message: "image \(name): \(text)"))
        }
        if let store = download.store, store.onWire {
            // Swift returning the very bytes it was given, already named by the upload's check.
            let written = image.upload?.store
            let knownChange = written?.matchesUpload == false && written?.md5 != nil && written?.md5 == store.md5
            if store.matchesChecksum == false && !knownChange {
                add("the bytes Swift returned (MD5 \(store.md5 ?? "?")) do not match the checksum Glance recorded "
                    + "(\(image.checksum ?? "?")): changed in the store, before the Swift -> Glance hop")
            }
            if store.matchesETag == false {
                add("the bytes Swift returned do not match its ETag \(store.etag ?? "?"): changed on the hop Swift -> Glance")
            }
            if store.matchesUpload == false {
                add("the bytes Glance sent the client (MD5 \(download.md5 ?? "?")) are not what Swift returned "
                    + "(MD5 \(store.md5 ?? "?")): changed on the hop Glance -> client")
            }
        } else if download.matchesChecksum == false {
            let store = download.store.map { "the \($0.backend) store" } ?? "the store"
            add("the bytes Glance sent the client (MD5 \(download.md5 ?? "?")) do not match the checksum it recorded "
                + "(\(image.checksum ?? "?")): changed between \(store) and the client (hop Glance -> client)")
        }
        return found
    }

    // MARK: helpers

    static func recordedSHA512(_ image: ImageLifecycle) -> String? {
        (image.osHashAlgo ?? "sha512") == "sha512" ? image.osHashValue : nil
    }

    /// `/v1/<account>/<container>/<object>` in parts.
    static func objectPath(_ path: String) -> (account: String?, container: String?, object: String?) {
        let parts = path.split(separator: "/", maxSplits: 3).map(String.init)
        guard parts.count == 4, parts[0] == "v1" else { return (nil, nil, nil) }
        return (parts[1], parts[2], parts[3])
    }

    static func same(_ a: String?, _ b: String?) -> Bool? {
        guard let a, let b else { return nil }
        return a.lowercased() == b.lowercased()
    }

    /// Both digests that are known on both sides agree; nil when neither pair is known.
    static func agree(md5: (String?, String?), sha512: (String?, String?)) -> Bool? {
        let verdicts = [same(md5.0, md5.1), same(sha512.0, sha512.1)].compactMap { $0 }
        return verdicts.isEmpty ? nil : !verdicts.contains(false)
    }
}
