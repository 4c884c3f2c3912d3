import Testing
@testable import HTTPDecoding

/// The in-place reading of ASCII content types must answer as the lowercasing, splitting one.
@Suite struct TextualContentTypeTests {
    @Test func asciiReadingAgreesWithTheUnicodeOne() {
        let types = ["application/json", "Application/JSON; charset=UTF-8", "text/plain", "TEXT/HTML;q=1", "application/xml",
                     "image/svg+xml", "application/octet-stream", "application/x-www-form-urlencoded",
                     "APPLICATION/X-WWW-FORM-URLENCODED ; charset=utf-8", "application/javascript", "application/jsonpatch",
                     "application/openstack-images-v2.1-json-patch", "", ";", ";;", "; text/plain", "  text/plain  ;x",
                     "\ttext/xml\t", "json", "jso", "xm", "x", "text", "text/", "application/javascripts",
                     "application/x-www-form-urlencode", "multipart/form-data; boundary=json"]
        for type in types {
            #expect(HTTPBodyCollector.isTextual(type) == HTTPBodyCollector.isTextualUnicode(type), "\(type)")
        }
        #expect(HTTPBodyCollector.isTextual(nil))
        #expect(HTTPBodyCollector.isTextual("Application/JSON; charset=UTF-8"))
        #expect(!HTTPBodyCollector.isTextual("application/octet-stream"))
        #expect(HTTPBodyCollector.isTextual("text/plain; name=é"))
    }
}
