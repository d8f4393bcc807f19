import MantaABI
import MantaIO
import MantaModel

/// The writer's connection and its prepared statements.
final class StoreConnection: @unchecked Sendable {
    // @unchecked: a database connection (a C handle: sqlite3 opened NOMUTEX,
    // or libpq's) and its statements. The writer creates it before its
    // thread exists and from then on uses it only inside jobs on that one
    // thread.
    let db: any StoreDatabase
    let telemetry: any TelemetryRows
    let device, plugin, point, price, interval, command, outcome, control, audit, event, backtest, run, timing: any StoreStatement
    let vppDefinition, instruction, loopCheck, importCap, importCapCleared, envelope, envelopeCleared, token, tokenRevoked: any StoreStatement
    let trading: TradingWriter
    let edge: EdgeWriter

    init(_ db: any StoreDatabase) throws(StoreError) {
        self.db = db
        trading = try TradingWriter(db)
        edge = try EdgeWriter(db)
        switch db.dialect {
        case .sqlite: telemetry = try SQLiteTelemetryRows(db)
        case .postgres: telemetry = try PostgresTelemetryRows(db)
        }
        device = try db.prepare("""
            INSERT INTO devices (id, instance, key, kind, site, manufacturer, model, serial, rated_w, max_charge_w,
                                 max_discharge_w, capacity_wh, soc_min, soc_max, first_seen_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, site = excluded.site,
                manufacturer = excluded.manufacturer, model = excluded.model, serial = excluded.serial,
                rated_w = excluded.rated_w, max_charge_w = excluded.max_charge_w,
                max_discharge_w = excluded.max_discharge_w, capacity_wh = excluded.capacity_wh,
                soc_min = excluded.soc_min, soc_max = excluded.soc_max
            """)
        plugin = try db.prepare("""
            INSERT OR REPLACE INTO plugins (instance, plugin_id, version, kind, path, state, loaded_ms, detail)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        point = try db.prepare("INSERT OR REPLACE INTO points (id, name, unit) VALUES (?, ?, ?)")
        price = try db.prepare("""
            INSERT OR REPLACE INTO prices (region, interval_end_ms, rrp, demand_mw, firm, source, raise1sec, raise6sec,
                raise60sec, raise5min, raisereg, lower1sec, lower6sec, lower60sec, lower5min, lowerreg)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        interval = try db.prepare("""
            INSERT OR REPLACE INTO dispatch_intervals
                (id, run, vpp, interval_end_ms, price, strategy, status, reason, decided_ms, decide_us, soc_estimated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        command = try db.prepare("""
            INSERT INTO dispatch_commands
                (id, interval_id, device, requested_w, target_w, note, valid_from_ms, valid_until_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        outcome = try db.prepare("""
            INSERT OR REPLACE INTO dispatch_outcomes (command_id, outcome, applied_w, message, t_ms) VALUES (?, ?, ?, ?, ?)
            """)
        control = try db.prepare("""
            INSERT OR REPLACE INTO control_commands
                (id, t_ms, device, mode, value_w, source, valid_until_ms, outcome, applied_w, message, run)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        audit = try db.prepare("INSERT INTO audit_log (t_ms, principal, peer, method, params, outcome) VALUES (?, ?, ?, ?, ?, ?)")
        event = try db.prepare("INSERT INTO events (t_ms, severity, source, kind, message, run) VALUES (?, ?, ?, ?, ?, ?)")
        backtest = try db.prepare("""
            INSERT OR REPLACE INTO backtests (id, created_ms, finished_ms, state, request, summary, error)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        timing = try db.prepare("UPDATE dispatch_intervals SET dispatch_us = ?, applied_us = ? WHERE id = ?")
        loopCheck = try db.prepare("UPDATE dispatch_intervals SET actual_w = ?, deviation_w = ?, corrected = ? WHERE id = ?")
        vppDefinition = try db.prepare("""
            INSERT OR REPLACE INTO vpp_definitions (id, definition, updated_ms, principal) VALUES (?, ?, ?, ?)
            """)
        importCap = try db.prepare("INSERT OR REPLACE INTO import_caps (target, definition, updated_ms) VALUES (?, ?, ?)")
        importCapCleared = try db.prepare("DELETE FROM import_caps WHERE target = ?")
        envelope = try db.prepare("INSERT OR REPLACE INTO operating_envelopes (target, definition, updated_ms) VALUES (?, ?, ?)")
        envelopeCleared = try db.prepare("DELETE FROM operating_envelopes WHERE target = ?")
        token = try db.prepare("INSERT OR REPLACE INTO api_tokens (target, definition, updated_ms) VALUES (?, ?, ?)")
        tokenRevoked = try db.prepare("DELETE FROM api_tokens WHERE target = ?")
        instruction = try db.prepare("""
            INSERT OR REPLACE INTO dispatch_instructions
                (id, run, vpp, target_w, start_ms, end_ms, reason, principal, created_ms, state, actual_w, deviation_w)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        run = try db.prepare("""
            INSERT OR REPLACE INTO runs (id, started_ms, clock, replay_start_ms, speed, config) VALUES (?, ?, ?, ?, ?, ?)
            """)
    }

    /// One transaction for the whole batch; nil on success.
    func commit(_ b: StoreBatch) -> StoreError? {
        guard !b.isEmpty else { return nil }
        do throws(StoreError) {
            try db.transaction { () throws(StoreError) in try insert(b) }
            return nil
        } catch {
            telemetry.rolledBack()
            return error
        }
    }

    private func insert(_ b: StoreBatch) throws(StoreError) {
        if let r = b.runRow {
            run.bind(1, r.id); run.bind(2, r.startedMs); run.bind(3, r.clock)
            if let s = r.replayStartMs { run.bind(4, s) } else { run.bindNull(4) }
            run.bind(5, r.speed); run.bind(6, r.config)
            try run.run()
        }
        for p in b.points {
            point.bind(1, Int64(p.id)); point.bind(2, p.name); point.bind(3, p.unit)
            try point.run()
        }
        for d in b.devices {
            device.bind(1, Int64(d.number)); device.bind(2, d.instance); device.bind(3, d.key)
            device.bind(4, d.kind.name); device.bind(5, d.site); device.bind(6, d.manufacturer)
            device.bind(7, d.model); device.bind(8, d.serial); device.bind(9, d.ratings.ratedPowerW)
            device.bind(10, d.ratings.maxChargeW); device.bind(11, d.ratings.maxDischargeW)
            device.bind(12, d.ratings.capacityWh); device.bind(13, d.ratings.socMin)
            device.bind(14, d.ratings.socMax); device.bind(15, b.devicesSeenMs)
            try device.run()
        }
        for p in b.plugins {
            plugin.bind(1, p.instance); plugin.bind(2, p.pluginID); plugin.bind(3, p.version); plugin.bind(4, p.kind)
            plugin.bind(5, p.path); plugin.bind(6, p.state); plugin.bind(7, p.loadedMs); plugin.bind(8, p.detail)
            try plugin.run()
        }
        if !b.samples.isEmpty { try telemetry.insert(SQLiteTelemetryRows.ordered(b.samples), run: b.run) }
        for p in b.prices {
            price.bind(1, p.price.region); price.bind(2, p.price.intervalEndMs); price.bind(3, p.price.rrp)
            price.bind(4, p.price.demandMW); price.bind(5, p.price.firm ? 1 : 0); price.bind(6, p.source)
            // In MANTA_FCAS_* order, the columns' order; NaN (not priced) binds as NULL.
            for k in 0..<Price.fcasCount { price.bind(Int32(7 + k), k < p.price.fcas.count ? p.price.fcas[k] : .nan) }
            try price.run()
        }
        for i in b.intervals {
            interval.bind(1, i.id); interval.bind(2, b.run); interval.bind(3, i.vpp); interval.bind(4, i.intervalEndMs)
            interval.bind(5, i.price); interval.bind(6, i.strategy); interval.bind(7, i.status.name)
            interval.bind(8, i.reason); interval.bind(9, i.decidedMs); interval.bind(10, i.decideMicros)
            interval.bind(11, Int64(i.socEstimated))
            try interval.run()
        }
        for c in b.commands {
            command.bind(1, c.id); command.bind(2, c.intervalID); command.bind(3, Int64(c.device))
            command.bind(4, c.requestedW); command.bind(5, c.targetW); command.bind(6, c.note)
            command.bind(7, c.validFromMs); command.bind(8, c.validUntilMs)
            try command.run()
        }
        for o in b.outcomes {
            outcome.bind(1, o.commandID); outcome.bind(2, o.outcome.name); outcome.bind(3, o.appliedW)
            outcome.bind(4, o.message); outcome.bind(5, o.tMs)
            try outcome.run()
        }
        for t in b.timings {
            timing.bind(1, t.dispatchMicros); timing.bind(2, t.appliedMicros); timing.bind(3, t.intervalID)
            try timing.run()
        }
        for c in b.controls {
            control.bind(1, c.id); control.bind(2, c.tMs); control.bind(3, Int64(c.device)); control.bind(4, c.mode.name)
            control.bind(5, c.valueW); control.bind(6, c.source); control.bind(7, c.validUntilMs)
            if let o = c.outcome { control.bind(8, o.name) } else { control.bindNull(8) }
            if let a = c.appliedW { control.bind(9, a) } else { control.bindNull(9) }
            if let m = c.message { control.bind(10, m) } else { control.bindNull(10) }
            control.bind(11, b.run)
            try control.run()
        }
        for a in b.audits {
            audit.bind(1, a.tMs); audit.bind(2, a.principal); audit.bind(3, a.peer)
            audit.bind(4, a.method); audit.bind(5, a.params); audit.bind(6, a.outcome)
            try audit.run()
        }
        for e in b.events {
            event.bind(1, e.tMs); event.bind(2, e.severity); event.bind(3, e.source)
            event.bind(4, e.kind); event.bind(5, e.message); event.bind(6, b.run)
            try event.run()
        }
        for t in b.loopChecks {
            loopCheck.bind(1, t.actualW); loopCheck.bind(2, t.deviationW); loopCheck.bind(3, Int64(t.corrected))
            loopCheck.bind(4, t.intervalID)
            try loopCheck.run()
        }
        for v in b.vppDefinitions {
            vppDefinition.bind(1, v.id)
            if let d = v.definition { vppDefinition.bind(2, d) } else { vppDefinition.bindNull(2) }
            vppDefinition.bind(3, v.updatedMs); vppDefinition.bind(4, v.principal)
            try vppDefinition.run()
        }
        try definitions(b.importCaps, set: importCap, clear: importCapCleared)
        try definitions(b.envelopes, set: envelope, clear: envelopeCleared)
        try definitions(b.tokens, set: token, clear: tokenRevoked)
        for i in b.instructions {
            instruction.bind(1, i.id); instruction.bind(2, b.run); instruction.bind(3, i.vpp); instruction.bind(4, i.targetW)
            instruction.bind(5, i.startMs); instruction.bind(6, i.endMs); instruction.bind(7, i.reason)
            instruction.bind(8, i.principal); instruction.bind(9, i.createdMs); instruction.bind(10, i.state)
            if let a = i.actualW { instruction.bind(11, a) } else { instruction.bindNull(11) }
            if let d = i.deviationW { instruction.bind(12, d) } else { instruction.bindNull(12) }
            try instruction.run()
        }
        try trading.insert(b.trading, run: b.run)
        try edge.insert(b.edge)
        for t in b.backtests {
            backtest.bind(1, t.id); backtest.bind(2, t.createdMs)
            if let f = t.finishedMs { backtest.bind(3, f) } else { backtest.bindNull(3) }
            backtest.bind(4, t.state); backtest.bind(5, t.request); backtest.bind(6, t.summary); backtest.bind(7, t.error)
            try backtest.run()
        }
    }

    func checkpoint() {
        if db.dialect == .sqlite { try? db.exec("PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// Rows of a (target, definition, updated_ms) table: set, or deleted when nil.
    private func definitions(_ rows: [(target: String, definition: String?)], set: any StoreStatement, clear: any StoreStatement) throws(StoreError) {
        for r in rows {
            if let d = r.definition {
                set.bind(1, r.target); set.bind(2, d); set.bind(3, WallClock.nowMs())
                try set.run()
            } else {
                clear.bind(1, r.target)
                try clear.run()
            }
        }
    }
}
