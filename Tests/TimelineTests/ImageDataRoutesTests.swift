import Testing
@testable import Timeline

/// Which bodies are image data, how a location names its store, and that a location's password
/// never reaches a report.
@Suite struct ImageDataRoutesTests {
    @Test(arguments: [
        ("/v1/AUTH_p/glance/0b9c8d1e-2f3a-4b5c-8d6e-7f8091a2b3c4", true),
        ("/v1/AUTH_p/glance/a/b", true),
        ("/v1/AUTH_p/glance", false),
        ("/v1/AUTH_p/glance/", false),
        ("/v1/AUTH_p", false),
        ("/v1/secrets/abc/payload", false),  // Barbican's shape: not a Swift account
        ("/v2/images/abc/file", false),
    ])
    func swiftObjects(path: String, isObject: Bool) {
        #expect(ImageDataRoutes.isSwiftObject(path) == isObject)
    }

    @Test func segmentsAreNumberedParts() {
        let whole = "/v1/AUTH_p/glance/0b9c8d1e-2f3a-4b5c-8d6e-7f8091a2b3c4"
        #expect(ImageDataRoutes.uploadPart("PUT", whole + "-00003")! == (whole, 3))
        #expect(ImageDataRoutes.uploadPart("PUT", whole) == nil)
        #expect(ImageDataRoutes.uploadPart("PUT", whole + "-0003") == nil)
        #expect(ImageDataRoutes.uploadPart("PUT", whole + "-00000") == nil)
        #expect(ImageDataRoutes.uploadPart("GET", whole + "-00001") == nil)
    }

    @Test func theRulesHashWhatCarriesImageData() {
        #expect(ImageDataRoutes.hashesUpload("PUT", "/v2/images/x/file") && ImageDataRoutes.hashesUpload("PUT", "/v1/AUTH_p/c/o"))
        #expect(!ImageDataRoutes.hashesUpload("PUT", "/v1/AUTH_p/c") && !ImageDataRoutes.hashesUpload("POST", "/v1/AUTH_p/c/o"))
        #expect(ImageDataRoutes.hashesDownload("GET", "/v1/AUTH_p/c/o", 200) && ImageDataRoutes.hashesDownload("GET", "/v2/images/x/file", 206))
        #expect(!ImageDataRoutes.hashesDownload("GET", "/v1/AUTH_p/c/o", 404) && !ImageDataRoutes.hashesDownload("GET", "/v1/AUTH_p/c", 200))
    }

    @Test(arguments: [
        ("swift+config://ref1/glance/id", "swift"), ("swift+https://u:k@host/v3/glance/id", "swift"),
        ("file:///var/lib/glance/images/id", "file"), ("rbd://fsid/images/id/snap", "rbd"),
        ("cinder://volume-id", "cinder"), ("s3+https://key:secret@host/bucket/id", "s3"), ("https://example.org/x.img", "http"),
    ])
    func locationsNameTheirStore(url: String, backend: String) {
        #expect(ImageLocation.backend(of: url) == backend)
    }

    @Test func aLocationsPasswordIsMasked() {
        let location = ImageLocation(url: "swift+http://service%3Aglance:s3cr3tkey@127.0.0.1:5000/v3/glance/id", store: nil,
                                     status: "active", sql: 1)
        #expect(!location.url.contains("s3cr3tkey"))
        #expect(location.url.hasPrefix("swift+http://service%3Aglance:<masked sha256:") && location.url.hasSuffix("@127.0.0.1:5000/v3/glance/id"))
        #expect(ImageLocation(url: "file:///a@b/c", store: nil, status: nil, sql: 1).url == "file:///a@b/c")
    }
}
