import CaptureIO

/// One HTTP request and its response.
public struct HTTPExchange {
    public init() {}
}
