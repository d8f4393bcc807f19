import MantaJSON

/// The JSON Schema of mantad's configuration file. Shape errors are found
/// here, with the field named; HostConfig then checks what a schema cannot
/// (references between sections, times, addresses).
enum HostConfigSchema {
    static let regions: JSON = ["NSW1", "QLD1", "SA1", "TAS1", "VIC1"]
    static let names: JSON = ["type": "string", "minLength": 1, "maxLength": 64]

    static let json: JSON = [
        "type": "object",
        "additionalProperties": false,
        "properties": [
            "$schema": ["type": "string"],
            "name": ["type": "string", "default": "manta"],
            "role": EdgeSchemas.role,
            "mqtt": EdgeSchemas.mqtt,
            "edge": EdgeSchemas.edge,
            "store": [
                "type": "object", "additionalProperties": false, "default": [:],
                "properties": [
                    "path": ["type": "string", "format": "path", "default": "var/manta.db"],
                    "commit_interval_ms": ["type": "integer", "minimum": 1, "maximum": 60000, "default": 200],
                    "synchronous": ["enum": ["full", "normal"], "default": "full"],
                    "max_batch_samples": ["type": "integer", "minimum": 1000, "default": 200_000],
                    "backend": ["enum": ["sqlite", "postgres"], "default": "sqlite"],
                    "url": ["type": "string", "minLength": 1, "maxLength": 1000, "description": "postgres backend: a libpq connection URI"],
                ],
            ],
            "api": [
                "type": "object", "additionalProperties": false, "default": [:],
                "properties": [
                    "listen": ["type": "string", "default": "127.0.0.1:7420"],
                    "max_message_bytes": ["type": "integer", "minimum": 1024, "maximum": 67_108_864, "default": 1_048_576],
                    "max_connections": ["type": "integer", "minimum": 1, "maximum": 65536, "default": 256],
                    "max_connections_per_peer": ["type": "integer", "minimum": 1, "maximum": 65536, "default": 128,
                                                 "description": "connections one peer address may hold"],
                    "partial_timeout_ms": ["type": "integer", "minimum": 100, "maximum": 3_600_000, "default": 30000,
                                           "description": "a message must be complete this long after its first byte"],
                    "idle_timeout_ms": ["type": "integer", "minimum": 1000, "maximum": 86_400_000, "default": 300_000,
                                        "description": "a connection with no traffic for this long is closed"],
                    "max_batch": ["type": "integer", "minimum": 1, "maximum": 100_000, "default": 1000,
                                  "description": "requests one batch may hold; a longer batch is answered with one -32600"],
                    "max_reply_bytes": ["type": "integer", "minimum": 65536, "maximum": 1_073_741_824, "default": 67_108_864,
                                        "description": "replies one connection may have queued, and the largest one reply"],
                    "anonymous_reads": ["type": "boolean", "default": true,
                                        "description": "with tokens set, whether read methods answer without one (false: a viewer token at least)"],
                    "http": [
                        "type": "object", "additionalProperties": false,
                        "description": "JSON-RPC over HTTP (POST /rpc) and WebSocket (/ws); absent: not served",
                        "properties": [
                            "listen": ["type": "string", "default": "127.0.0.1:7480"],
                            "session_ttl_s": ["type": "integer", "minimum": 1, "maximum": 604_800, "default": 28_800,
                                              "description": "how long a browser session (POST /login) lasts"],
                        ],
                    ],
                    "tls": [
                        "type": "object", "additionalProperties": false, "required": ["cert", "key"],
                        "description": "TLS 1.2+ for HTTP and WebSocket: PEM files",
                        "properties": ["cert": ["type": "string", "format": "path"], "key": ["type": "string", "format": "path"]],
                    ],
                    "tokens": [
                        "type": "array", "default": [],
                        "items": [
                            "type": "object", "additionalProperties": false, "required": ["name"],
                            "description": "give the token one way: token, sha256, token_file or token_env",
                            "properties": [
                                "name": names,
                                "token": ["type": "string", "minLength": 16, "maxLength": 1024],
                                "sha256": ["type": "string", "minLength": 64, "maxLength": 64,
                                           "description": "the token's SHA-256 in hex (manta token hash prints it)"],
                                "token_file": ["type": "string", "format": "path",
                                               "description": "a file holding the token (its first line)"],
                                "token_env": ["type": "string", "minLength": 1, "maxLength": 256,
                                              "description": "an environment variable holding the token"],
                                "role": ["enum": ["viewer", "operator", "admin"], "default": "admin",
                                         "description": "what the token may do: viewer (read), operator (run the fleet), admin (run the host)"],
                            ],
                        ],
                    ],
                ],
            ],
            "clock": [
                "type": "object", "additionalProperties": false, "default": ["mode": "realtime"],
                "properties": [
                    "mode": ["enum": ["realtime", "replay"], "default": "realtime"],
                    "start": ["type": "string"],
                    "speed": ["type": "number", "exclusiveMinimum": 0, "maximum": 100_000, "default": 1],
                ],
            ],
            "log": [
                "type": "object", "additionalProperties": false, "default": [:],
                "properties": ["level": ["enum": ["debug", "info", "warn", "error"], "default": "info"]],
            ],
            "catalog": ["type": "string", "format": "path"],
            "plugin_dirs": ["type": "array", "items": ["type": "string", "format": "path"], "default": []],
            "data_roots": ["type": "array", "maxItems": 64, "items": ["type": "string", "format": "path"], "default": ["."],
                           "description": "the folders API calls may read data files under (backtest.run's prices)"],
            "library_dirs": ["type": "array", "items": ["type": "string", "format": "path"], "default": []],
            "plugin_call_timeout_ms": ["type": "integer", "minimum": 10, "default": 10000],
            "plugins": [
                "type": "array", "default": [],
                "items": [
                    "type": "object", "additionalProperties": false, "required": ["instance", "plugin"],
                    "properties": [
                        "instance": names,
                        "plugin": ["type": "string", "minLength": 1],
                        "config": ["type": "object", "default": [:]],
                        "enabled": ["type": "boolean", "default": true],
                        "isolation": ["enum": ["process", "in-process"],
                                      "description": "process: in a manta-runner of its own (default for plugins not shipped with Manta)"],
                        "max_restarts": ["type": "integer", "minimum": 0, "maximum": 100, "default": 5,
                                         "description": "restarts of a process-isolated instance after a crash or hang"],
                    ],
                ],
            ],
            "sites": [
                "type": "array", "default": [],
                "items": [
                    "type": "object", "additionalProperties": false, "required": ["id"],
                    "properties": [
                        "id": ["type": "string", "minLength": 1, "description": "site id, or a prefix ending in *"],
                        "name": ["type": "string"],
                        "region": ["enum": regions],
                        "loads_metered": ["type": "boolean", "default": false,
                                          "description": "every load has its own meter, so the AC bus must balance to zero"],
                        "export_limit_w": ["type": "number", "minimum": 0, "maximum": 1e9,
                                           "description": "export limit of the site's connection agreement"],
                        "retailer": ["type": "string", "minLength": 1, "maxLength": 256, "description": "for grouping into VPPs"],
                        "tags": ["type": "array", "items": ["type": "string", "minLength": 1, "maxLength": 256],
                                 "maxItems": 64, "default": [], "description": "labels, for grouping into VPPs"],
                    ],
                ],
            ],
            "devices": [
                "type": "array", "default": [],
                "items": [
                    "type": "object", "additionalProperties": false, "required": ["id"],
                    "properties": [
                        "id": ["type": "string", "minLength": 1, "description": "instance/key, or a prefix ending in *"],
                        "enabled": ["type": "boolean", "description": "false: never dispatched"],
                        "site": ["type": "string", "minLength": 1],
                        "max_charge_w": ["type": "number", "minimum": 0, "maximum": 1e9],
                        "max_discharge_w": ["type": "number", "minimum": 0, "maximum": 1e9],
                        "soc_min": ["type": "number", "minimum": 0, "maximum": 1],
                        "soc_max": ["type": "number", "minimum": 0, "maximum": 1],
                    ],
                ],
            ],
            "feeders": FeederSchemas.section,
            "vpps": [
                "type": "array", "default": [],
                "items": VPPSchemas.definition,
            ],
            "dispatch": [
                "type": "object", "additionalProperties": false, "default": [:],
                "properties": [
                    "history_intervals": ["type": "integer", "minimum": 0, "maximum": 105_120, "default": 288],
                    "deadline_ms": ["type": "integer", "minimum": 10, "default": 2000],
                    "price_wait_ms": ["type": "integer", "minimum": 0, "default": 60000],
                    "max_telemetry_age_ms": ["type": "integer", "minimum": 1000, "default": 60000],
                    "setpoint_grace_ms": ["type": "integer", "minimum": 0, "default": 30000],
                    "hung_after_ms": ["type": "integer", "minimum": 100, "default": 30000],
                    "max_estimate_age_ms": ["type": "integer", "minimum": 0, "maximum": 86_400_000, "default": 900_000,
                                            "description": "a battery's state of charge is carried forward from its last reading and the power it was told to run for at most this long"],
                    "closed_loop_after_ms": ["type": "integer", "minimum": 1000, "maximum": 300_000, "default": 60000,
                                             "description": "host time after the setpoints at which fleet power is measured against the target and the shortfall redistributed"],
                    "full_response_hz": ["type": "number", "exclusiveMinimum": 0.15, "maximum": 3, "default": 0.5,
                                         "description": "frequency response (contingency FCAS): the deviation from 50 Hz at which an enabled battery answers with all it is enabled for; proportional from the 49.85-50.15 Hz band's edge"],
                ],
            ],
            "trading": TradingSchemas.section,
            "telemetry": [
                "type": "object", "additionalProperties": false, "default": [:],
                "properties": [
                    "max_queued_samples": ["type": "integer", "minimum": 1000, "default": 4_000_000],
                    "stale_after_ms": ["type": "integer", "minimum": 1000, "default": 60000],
                    "offline_after_ms": ["type": "integer", "minimum": 1000, "default": 300_000],
                ],
            ],
        ],
    ]

    /// Built once. The schema above is valid (a test says so); should an edit
    /// break it, every config read says so instead of the host trapping.
    static let schema = Result { () throws(JSONSchema.InvalidSchema) in try JSONSchema(json) }
}
