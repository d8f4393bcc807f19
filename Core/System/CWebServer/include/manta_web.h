/*
 * manta_web.h: HTTP/1.1, WebSocket and TLS for the host's JSON-RPC, on the
 * host's own libuv loop, through libwebsockets (Debian's libwebsockets-dev,
 * whose libuv event library joins a loop it does not own).
 *
 * The server hands the host three things: POST requests with their JSON
 * bodies (Content-Type: application/json only), GET and HEAD requests, and
 * WebSockets on /ws (every text message one JSON-RPC message; the host may
 * push notifications). Routing, and what the messages mean, are the host's
 * business; this file moves bytes, bounds them and keeps the connections.
 *
 * Threads: every function here is [loop]: it may be called only on the
 * thread running the uv_loop_t given to mw_server_start, and every callback
 * is made on that thread. Nothing here blocks.
 *
 * Ownership: buffers passed in are borrowed for the call (the server copies
 * what it keeps); buffers passed to callbacks are borrowed for the callback.
 * A connection pointer is valid from the callback that first shows it until
 * on_closed returns for it; using it after that is undefined (keep your own
 * "closed" flag, set in on_closed).
 */
#ifndef MANTA_WEB_H
#define MANTA_WEB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An HTTP listener with its connections. */
typedef struct mw_server mw_server;
/** One accepted connection: an HTTP client (keep-alive, one request at a
 *  time) or, once upgraded on /ws, a WebSocket. */
typedef struct mw_conn mw_conn;

/** What the server accepts. Every field must be set (zero means zero). */
typedef struct mw_limits {
    /** Largest request body and WebSocket message; beyond it an HTTP request
     *  is answered 413 and a WebSocket closed with 1009. */
    size_t max_message_bytes;
    /** Unsent bytes one WebSocket may have queued: mw_ws_send refuses
     *  beyond it (the caller decides: drop a notification, or close). */
    size_t max_queued_bytes;
    /** Open connections (HTTP and WebSocket together); one more is closed at
     *  once. */
    int max_connections;
    /** Seconds a WebSocket may go without a message in or out, and an HTTP
     *  connection may take to send its request; then it is closed. */
    int idle_timeout_s;
} mw_limits;

/** TLS for the listener: PEM files. Both NULL: plain HTTP. */
typedef struct mw_tls {
    const char *cert_path;
    const char *key_path;
} mw_tls;

/** What the host needs of a request's headers; each NULL when absent. All
 *  borrowed for the callback. */
typedef struct mw_request {
    const char *path;    /**< without its query */
    const char *bearer;  /**< the token of "Authorization: Bearer <token>" */
    const char *cookie;  /**< the Cookie header */
    const char *origin;  /**< the Origin header (browsers send it cross-site) */
    const char *host;    /**< the Host header */
} mw_request;

/** The host's side. `user` is passed back to each callback. */
typedef struct mw_callbacks {
    void *user;
    /** A POST's body arrived whole (`body`, `len`; borrowed). Answer with
     *  mw_http_answer, during the callback or later. */
    void (*on_post)(void *user, mw_conn *conn, const mw_request *request, const char *body, size_t len);
    /** A GET (or HEAD). Answer with mw_http_answer (404 for what the host
     *  does not serve). */
    void (*on_get)(void *user, mw_conn *conn, const mw_request *request);
    /** A WebSocket on /ws is open; `request` is its upgrade request's. */
    void (*on_ws_open)(void *user, mw_conn *conn, const mw_request *request);
    /** One whole WebSocket message (reassembled from its fragments). */
    void (*on_ws_message)(void *user, mw_conn *conn, const char *message, size_t len);
    /** The connection is gone; `conn` is invalid after this returns. Called
     *  once for every connection on_rpc or on_ws_open showed, and never
     *  after mw_server_stop. */
    void (*on_closed)(void *user, mw_conn *conn);
} mw_callbacks;

/**
 * [loop] Creates a libwebsockets context on `uv_loop` listening on
 * `host`:`port` (port 0: the kernel picks; see mw_server_port). `tls` may be
 * NULL. Returns NULL with a message in `error` (NUL-terminated, at most
 * `error_len` bytes) when it cannot listen or load the TLS files.
 */
mw_server *mw_server_start(void *uv_loop, const char *host, int port, const mw_limits *limits,
                           const mw_tls *tls, const mw_callbacks *callbacks, char *error, size_t error_len);

/** [loop] The port listened on. */
int mw_server_port(const mw_server *server);

/** [loop] Open connections now. */
int mw_server_connections(const mw_server *server);

/**
 * [loop] Stops listening and closes every connection. No callback is made
 * after this returns; the server is freed once libwebsockets has closed its
 * handles on the loop (the loop must keep running for that).
 */
void mw_server_stop(mw_server *server);

/**
 * [loop] Answers the request on_post or on_get showed: `status` (200, 401,
 * 413...), `content_type` (NULL: application/json), a Set-Cookie value
 * (NULL: none) and a body (copied; may be 0 bytes). The body is written a slice per writable turn, so a large answer
 * never holds the loop. Returns 0, or -1 if the connection is not waiting
 * for an answer.
 */
int mw_http_answer(mw_conn *conn, int status, const char *content_type, const char *set_cookie, const char *body, size_t len);

/**
 * [loop] Queues one text message on a WebSocket (copied), written in
 * fragments of at most 64 KiB as the socket takes them. Returns 0, or -1
 * when the connection is closing or the message would take its queue past
 * max_queued_bytes (nothing is queued then).
 */
int mw_ws_send(mw_conn *conn, const char *message, size_t len);

/** [loop] Bytes queued on a WebSocket and not yet written. */
size_t mw_ws_queued(const mw_conn *conn);

/** [loop] The peer as "address:port" ("[v6]:port" for IPv6); borrowed for
 *  the life of the connection. */
const char *mw_peer(const mw_conn *conn);

/** [loop] Closes the connection soon (a WebSocket with close code 1000 and
 *  `reason`, which may be NULL); on_closed follows. */
void mw_close(mw_conn *conn, const char *reason);

#ifdef __cplusplus
}
#endif

#endif /* MANTA_WEB_H */
