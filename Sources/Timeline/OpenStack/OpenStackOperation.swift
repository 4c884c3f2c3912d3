/// What an OpenStack API call does, by the route it matched (`image-upload`, `token-issue`):
/// the raw value is its JSON spelling (`http[].operation`).
///
/// A struct rather than a closed enum: the route table names some operations after the path
/// (`/v3/{collection}` gives `user-list`, `role-show`, ...), so the set is open. The operations
/// the timeline's rules test are the static members; rules compare with them, never with text.
public struct OpenStackOperation: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    /// The JSON spelling, also in text reports.
    public var description: String { rawValue }

    /// A call no route matched.
    public static let other: OpenStackOperation = "other"
    /// An encrypted call whose SQL does not say what it was (`InferredCallNaming`).
    public static let unknown: OpenStackOperation = "unknown"

    public static let tokenIssue: OpenStackOperation = "token-issue"
    public static let tokenValidate: OpenStackOperation = "token-validate"
    public static let tokenCheck: OpenStackOperation = "token-check"

    public static let imageCreate: OpenStackOperation = "image-create"
    public static let imageUpdate: OpenStackOperation = "image-update"
    public static let imageList: OpenStackOperation = "image-list"
    /// `PUT /v2/images/{id}/file`: the image data.
    public static let imageUpload: OpenStackOperation = "image-upload"
    /// `PUT /v2/images/{id}/stage`: the image data, staged for an import.
    public static let imageStage: OpenStackOperation = "image-stage"
    public static let imageImport: OpenStackOperation = "image-import"
    public static let imageDownload: OpenStackOperation = "image-download"

    public static let objectUpload: OpenStackOperation = "object-upload"
    public static let objectDownload: OpenStackOperation = "object-download"
    public static let objectDelete: OpenStackOperation = "object-delete"

    /// A Keystone token call (`token-issue`, `token-validate`, ...).
    public var isTokenCall: Bool { rawValue.hasPrefix("token-") }
    /// A Glance task call (`task-create`, `task-list`, ...).
    public var isTaskCall: Bool { rawValue.hasPrefix("task-") }
}
