/// Which OpenStack service a MySQL connection belongs to: by its login (user or default
/// database), or, for a pool that connected before the capture began, by the tables it uses.
enum ServiceIdentity {
    /// "glance" or "keystone" when the database or user name says so.
    static func service(user: String?, database: String?) -> String? {
        for name in [database, user].compactMap({ $0?.lowercased() }) {
            if name.containsBytes("glance") { return "glance" }
            if name.containsBytes("keystone") { return "keystone" }
        }
        return nil
    }

    /// "glance" or "keystone" when the statement touches a table only that service has.
    static func service(tablesIn statement: UnsafeRawBufferPointer) -> String? {
        if glanceMarks.contains(where: { statement.containsBytes($0) }) { return "glance" }
        if keystoneMarks.contains(where: { statement.containsBytes($0) }) { return "keystone" }
        return nil
    }

    static let glanceMarks = ["images.", "image_properties", "INTO images", "UPDATE images", "image_locations", "image_tags",
                              "image_members", "task_info", "FROM tasks", "UPDATE tasks", "INTO tasks"]
    static let keystoneMarks = ["revocation_event", "local_user", "FROM project", "assignment.", "FROM user", "FROM role",
                                "implied_role", "FROM service", "FROM endpoint"]
}
