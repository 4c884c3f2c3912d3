/// What an OpenStack API call does, by the route it matched (`image-upload`, `token-issue`):
/// the raw value is its JSON spelling (`http[].operation`).
///
/// A struct rather than a closed enum: the route table names some operations after the path
/// (`/v3/{collection}` gives `user-list`, `role-show`, ...), so the set is open. The operations
/// the timeline's rules test are the static members; rules compare with them, never with text.
package struct OpenStackOperation: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The JSON spelling (`image-upload`).
    package var rawValue: String

    /// The operation spelled `rawValue`.
    package init(rawValue: String) { self.rawValue = rawValue }
    /// The operation spelled `value`: `"image-upload"` in a route table or a test.
    package init(stringLiteral value: String) { self.rawValue = value }

    /// The JSON spelling, also in text reports.
    package var description: String { rawValue }

    /// A call no route matched.
    package static let other: OpenStackOperation = "other"
    /// An encrypted call whose SQL does not say what it was (`InferredCallNaming`).
    package static let unknown: OpenStackOperation = "unknown"

    /// `POST /v3/auth/tokens`: Keystone issues a token.
    package static let tokenIssue: OpenStackOperation = "token-issue"
    /// `GET /v3/auth/tokens`: a service validates the token it was given.
    package static let tokenValidate: OpenStackOperation = "token-validate"
    /// `HEAD /v3/auth/tokens`: a token checked without its body.
    package static let tokenCheck: OpenStackOperation = "token-check"

    /// `POST /v2/images`: the image record, status `queued`.
    package static let imageCreate: OpenStackOperation = "image-create"
    /// `PATCH /v2/images/{id}`: a JSON-patch of the image's fields.
    package static let imageUpdate: OpenStackOperation = "image-update"
    /// `GET /v2/images`.
    package static let imageList: OpenStackOperation = "image-list"
    /// `PUT /v2/images/{id}/file`: the image data.
    package static let imageUpload: OpenStackOperation = "image-upload"
    /// `PUT /v2/images/{id}/stage`: the image data, staged for an import.
    package static let imageStage: OpenStackOperation = "image-stage"
    /// `POST /v2/images/{id}/import`: an import task for staged or remote data.
    package static let imageImport: OpenStackOperation = "image-import"
    /// `GET /v2/images/{id}/file`: the image data.
    package static let imageDownload: OpenStackOperation = "image-download"

    /// A Swift object `PUT` (glance_store writing image data or a segment).
    package static let objectUpload: OpenStackOperation = "object-upload"
    /// A Swift object `GET` (glance_store reading image data).
    package static let objectDownload: OpenStackOperation = "object-download"
    /// A Swift object `DELETE`.
    package static let objectDelete: OpenStackOperation = "object-delete"

    /// A Keystone token call (`token-issue`, `token-validate`, ...).
    package var isTokenCall: Bool { rawValue.hasPrefix("token-") }
    /// A Glance task call (`task-create`, `task-list`, ...).
    package var isTaskCall: Bool { rawValue.hasPrefix("task-") }
}
