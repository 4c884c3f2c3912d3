import CaptureIO

/// The memory budget and the capture-time timeouts that keep a flood of connections (a SYN
/// flood, a client retry storm) in bounded memory (issue 19). None of it acts on a normal
/// capture: its connections complete their handshakes and stay far below the budget.
extension TCPReassembler {
    /// Estimated bytes of per-connection state held now (see `ConnectionCost`).
    var estimatedBytes: Int {
        let closedCount = table.count &- openCount
        return openCount &* ConnectionCost.open &+ followedOpenCount &* ConnectionCost.followed
            &+ closedCount &* ConnectionCost.closed &+ bufferedBytes
    }

    /// The open connection an ageing entry names, if it is still that connection.
    private func liveConnection(_ entry: AgingQueue.Entry) -> TCPConnection? {
        guard entry.slot >= 0, entry.slot < slots.count, let connection = slots[entry.slot],
              connection.info.index == entry.index else { return nil }
        return connection
    }

    /// Closes half-open connections silent past their timeout; established connections silent
    /// that long move to the `silent` queue (the existing idle timeout closes them).
    func expireHalfOpen(at now: Timestamp) {
        let limit = configuration.halfOpenTimeoutNanoseconds
        while let entry = aging.front, now.nanoseconds &- entry.stamp > limit {
            _ = aging.popFront()
            guard let connection = liveConnection(entry) else { continue }
            if connection.lastSeen.nanoseconds != entry.stamp {
                aging.push(.init(key: entry.key, index: entry.index, stamp: connection.lastSeen.nanoseconds, slot: entry.slot))
            } else if connection.isHalfOpen {
                shed(connection, key: entry.key, reason: .halfOpenTimeout, at: now)
                shedding.halfOpenTimedOut &+= 1
            } else {
                silent.push(entry)
            }
        }
        forgetRemembered(olderThan: configuration.closedConnectionMemoryNanoseconds, at: now)
        // Entries of connections that closed pile up behind live ones; rebuild now and then.
        if silent.count > 2 &* openCount &+ 4096 { silent.compact { liveConnection($0) != nil } }
        if remembered.count > 2 &* (table.count &- openCount) &+ 4096 { remembered.compact { isRemembered($0) } }
    }

    private func isRemembered(_ entry: AgingQueue.Entry) -> Bool {
        guard case .closed(let closed) = table[entry.key] else { return false }
        return closed.index == entry.index
    }

    /// Forgets closed connections' 4-tuples silent longer than `age` (the sweep does the same
    /// by walking the table; this keeps the table small between sweeps in a flood).
    private func forgetRemembered(olderThan age: Int64, at now: Timestamp) {
        while let entry = remembered.front, now.nanoseconds &- entry.stamp > age {
            _ = remembered.popFront()
            // One hash lookup for the check and the removal (a flood forgets hundreds of thousands).
            guard let place = table.index(forKey: entry.key), case .closed(let closed) = table[place].value,
                  closed.index == entry.index else { continue }
            if closed.lastSeen.nanoseconds > entry.stamp {
                remembered.push(.init(key: entry.key, index: entry.index, stamp: closed.lastSeen.nanoseconds))
            } else {
                table.remove(at: place)
            }
        }
    }

    /// Over the budget: forget closed connections' 4-tuples first (at most a quarter of the
    /// budget), then close the connections idle longest, down to 7/8 of the budget so that
    /// eviction is not paid on every packet.
    func keepWithinBudget(at now: Timestamp) {
        let budgetBytes = configuration.memoryBudgetBytes
        let target = budgetBytes - budgetBytes / 8
        while (table.count &- openCount) &* ConnectionCost.closed > budgetBytes / 4, let entry = remembered.popFront() {
            guard let place = table.index(forKey: entry.key), case .closed(let closed) = table[place].value,
                  closed.index == entry.index else { continue }
            table.remove(at: place)
            shedding.forgottenClosed &+= 1
        }
        while estimatedBytes > target, let (entry, connection) = idlest() {
            let active = now.nanoseconds &- connection.lastSeen.nanoseconds < configuration.activeWindowNanoseconds
            shed(connection, key: entry.key, reason: .evicted, at: now)
            shedding.evicted &+= 1
            if active { shedding.evictedActive &+= 1 }
        }
    }

    /// The open connection idle longest: the older of the two queues' tops, after dropping
    /// entries of closed connections and pushing again those seen since their entry was made.
    /// Connections seen within `activeWindowNanoseconds` (maybe in the middle of a message) come
    /// last by this order: they are evicted only when no idler connection is left.
    private func idlest() -> (AgingQueue.Entry, TCPConnection)? {
        while true {
            let fromSilent: Bool
            switch (aging.front, silent.front) {
            case (nil, nil): return nil
            case (.some, nil): fromSilent = false
            case (nil, .some): fromSilent = true
            case (.some(let a), .some(let s)): fromSilent = s.stamp <= a.stamp
            }
            guard let entry = fromSilent ? silent.popFront() : aging.popFront() else { return nil }
            guard let connection = liveConnection(entry) else { continue }
            if connection.lastSeen.nanoseconds != entry.stamp {
                aging.push(.init(key: entry.key, index: entry.index, stamp: connection.lastSeen.nanoseconds, slot: entry.slot))
                continue
            }
            return (entry, connection)
        }
    }

    /// A half-open connection still open at the end of a flooded capture.
    func shedAtEnd(_ connection: TCPConnection, key: ConnectionKey, at time: Timestamp) {
        shed(connection, key: key, reason: .halfOpenTimeout, at: time)
        shedding.halfOpenAtEnd &+= 1
    }

    /// Closes a connection early: its consumer is told why, and the hook around it lets the
    /// analysis count what the consumer emits while closing instead of listing it.
    private func shed(_ connection: TCPConnection, key: ConnectionKey, reason: CloseReason, at time: Timestamp) {
        onShedding?(connection.info, reason, true)
        close(connection, key: key, reason: reason, at: time)
        onShedding?(connection.info, reason, false)
    }
}
