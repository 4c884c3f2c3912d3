import CaptureIO
import Timeline

// The live view's image status events, as SQL and API responses report them.
extension ProtocolRouter {
    /// Emits a live status event when the image's status differs from the last one announced.
    func announce(_ id: String, _ status: String, at time: Timestamp, fromSQL: Bool) {
        let last = liveStatus[id]
        if !fromSQL, last?.fromSQL == true { return }
        liveStatus[id] = (status, fromSQL || last?.fromSQL == true)
        guard last?.status != status else { return }
        onEvent?(.status(imageID: id, status: status, time: time, source: fromSQL ? "sql" : "http"))
    }
}
