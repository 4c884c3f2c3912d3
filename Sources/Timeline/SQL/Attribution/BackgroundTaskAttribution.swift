import CaptureIO

/// Gives the writes of Glance's asynchronous import back to the request that started them.
///
/// `POST /v2/images/{id}/import` answers 202 and Glance runs the import as a task in a thread of
/// the same worker afterwards: its writes (`UPDATE tasks SET status='processing'`, the image's
/// `importing` and `active` rows, the task's `success`) happen while no request of the image is in
/// progress, or while the client's polling `GET` is. Time nesting alone therefore leaves them
/// unattributed or pins them on a read-only request, which never writes. A write that names an
/// image or a task of an import started before it (by image id or by the task id the import
/// inserted), and is not already inside a writing request, belongs to that import.
enum BackgroundTaskAttribution {
    static func reattribute(_ attribution: inout [Int: Int], http: HTTPFactStore, sql: SQLFactStore,
                            writes: () -> [SQLTransactionLog.Write]) {
        let imports = http.positionsByStart().filter { http.traits(at: $0).contains(.imageImport) }.map { http[$0] }
        guard !imports.isEmpty else { return }
        let writes = writes()
        func exchange(_ index: Int) -> HTTPFact? { http.indices.contains(index) ? http[index] : nil }
        // Task id -> import request, from the task rows each import inserted while it ran.
        var importOfTask: [String: Int] = [:]
        // Writes are parsed again in each pass (only captures with an import come here): kept
        // parsed, all of them would be alive at once.
        for write in writes {
            guard let statement = write.statement(in: sql), statement.table == "tasks", statement.kind == .insert else { continue }
            if let task = statement.value("id"), let request = attribution[write.sql],
               exchange(request)?.operation == .imageImport {
                importOfTask[task] = request
            }
        }
        for write in writes {
            guard sql.indices.contains(write.sql) else { continue }
            if let current = attribution[write.sql], let request = exchange(current),
               request.method != "GET" && request.method != "HEAD" { continue }
            guard let statement = write.statement(in: sql) else { continue }
            var owner: Int?
            switch statement.table {
            case "tasks", "task_info":
                let task = statement.table == "tasks" ? (statement.value("id") ?? statement.condition("id"))
                                                      : (statement.value("task_id") ?? statement.condition("task_id"))
                if let task { owner = importOfTask[task] }
            default:
                let image = statement.table == "images" ? (statement.value("id") ?? statement.condition("id"))
                                                        : (statement.value("image_id") ?? statement.condition("image_id"))
                if let image {
                    owner = imports.last { $0.imageID == image && $0.time <= sql.time(at: write.sql) }?.index
                }
            }
            if let owner { attribution[write.sql] = owner }
        }
    }
}
