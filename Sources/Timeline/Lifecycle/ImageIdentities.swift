import CaptureIO

/// Which image a fact names: the lifecycles met so far, found by id, or by name while the id
/// is not yet known (a lookup by name before the create answered).
///
/// The builder mutates `images[i]` in place through this value (`&identities.images[i]`):
/// it is a stored property of the builder, so such a write never copies the array.
struct ImageIdentities {
    /// Every image met so far; an index into it names an image for the whole build.
    var images: [ImageLifecycle] = []
    private var indexByID: [String: Int] = [:]
    /// Images met by name only (a lookup by name before the id was known).
    private var indexByPendingName: [String: Int] = [:]

    /// The index of the image with id `id`, if it was met.
    func index(ofID id: String) -> Int? { indexByID[id] }

    /// The image with id `id`, made when it is new; a name given the first time it is known
    /// joins the image met earlier by that name alone.
    mutating func image(id: String, name: String?, at time: Timestamp) -> Int {
        if let i = indexByID[id] {
            if let name, images[i].name == nil { images[i].name = name; adoptPending(name: name, into: i) }
            return i
        }
        if let name, let pending = indexByPendingName.removeValue(forKey: name) {
            images[pending].id = id
            indexByID[id] = pending
            return pending
        }
        images.append(ImageLifecycle(id: id, name: name, firstSeen: time))
        indexByID[id] = images.count - 1
        return images.count - 1
    }

    /// The image named `name` whose id is not known from this fact.
    mutating func image(pendingName name: String, at time: Timestamp) -> Int {
        if let i = indexByPendingName[name] { return i }
        if let i = images.firstIndex(where: { $0.name == name && $0.id != nil }) { return i }
        images.append(ImageLifecycle(id: nil, name: name, firstSeen: time))
        indexByPendingName[name] = images.count - 1
        return images.count - 1
    }

    private mutating func adoptPending(name: String, into target: Int) {
        guard let pending = indexByPendingName.removeValue(forKey: name), pending != target else { return }
        images[target].http = (images[pending].http + images[target].http).sorted()
        images[target].firstSeen = min(images[target].firstSeen, images[pending].firstSeen)
        // Leave an empty husk rather than shifting indices; dropped at the end.
        images[pending].http = []
        images[pending].name = nil
    }

    /// Drops the husks `adoptPending` left; indices are no longer valid afterwards.
    mutating func dropHusks() {
        images.removeAll { $0.id == nil && $0.name == nil && $0.http.isEmpty }
    }

    /// The ids met, indexed for finding which of them a statement names (`ImageIDIndex`).
    var idIndex: ImageIDIndex { ImageIDIndex(indexByID.keys) }

    /// Sets a field an HTTP response reported or a SQL write stored (`overwrite`: the write wins).
    ///
    /// Static, like `UploadCheck.check`: a method on `self` called with `&images[i]` would get a
    /// copy of `self` (the array of lifecycles included), and the write through `&images[i]`
    /// would then copy the whole array: once per event, with a retain and release of every
    /// lifecycle (issue 25).
    static func fill(_ image: inout ImageLifecycle, field: String, value: String, overwrite: Bool) {
        func set(_ target: inout String?) { if overwrite || target == nil { target = value } }
        switch field {
        case "name": set(&image.name)
        case "disk_format": set(&image.diskFormat)
        case "container_format": set(&image.containerFormat)
        case "visibility": set(&image.visibility)
        case "checksum": set(&image.checksum)
        case "os_hash_algo": set(&image.osHashAlgo)
        case "os_hash_value": set(&image.osHashValue)
        case "size": if overwrite || image.size == nil, let size = Int64(value) { image.size = size }
        default: break
        }
    }
}
