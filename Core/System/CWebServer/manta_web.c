/*
 * manta_web.c: the libwebsockets context on the host's loop, and the one
 * protocol callback that routes each event to the HTTP or WebSocket half.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mw_private.h"

/* The last error libwebsockets logged, for mw_server_start's message: its
 * context creation fails with NULL and says why only in its log. Only the
 * loop thread logs through here. */
static char last_lws_error[256];

static void mw_log(int level, const char *line) {
    if (level & LLL_ERR) {
        snprintf(last_lws_error, sizeof last_lws_error, "%s", line);
        size_t n = strlen(last_lws_error);
        while (n > 0 && (last_lws_error[n - 1] == '\n' || last_lws_error[n - 1] == '\r')) last_lws_error[--n] = 0;
    }
}

static mw_server *server_of(struct lws *wsi) {
    return lws_context_user(lws_get_context(wsi));
}

static void name_peer(struct mw_conn *c) {
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    char text[INET6_ADDRSTRLEN] = "unknown";
    int port = 0;
    snprintf(c->peer, sizeof c->peer, "unknown");
    if (getpeername(lws_get_socket_fd(c->wsi), (struct sockaddr *)&sa, &len) != 0) return;
    if (sa.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&sa;
        inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
        snprintf(c->peer, sizeof c->peer, "[%s]:%d", text, ntohs(a->sin6_port));
    } else if (sa.ss_family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&sa;
        inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
        port = ntohs(a->sin_port);
        snprintf(c->peer, sizeof c->peer, "%s:%d", text, port);
    }
}

/* Tells the host once, and frees what the connection holds. A socket closed
 * before any request has no per-session data: nothing to do. */
static void closed(struct mw_conn *c) {
    if (!c) return;
    mw_server *s = c->server;
    if (c->shown && s && !s->stopped && s->callbacks.on_closed) s->callbacks.on_closed(s->callbacks.user, c);
    c->shown = 0;
    mw_http_reset(c);
    mw_ws_reset(c);
}

/* Ends a connection now: shutdown() wakes the loop on the socket at once
 * (a kill by timeout alone waits for the socket's next event). */
static void cut(struct lws *wsi) {
    shutdown(lws_get_socket_fd(wsi), SHUT_RDWR);
    lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void deadline_passed(lws_sorted_usec_list_t *sul) {
    cut(lws_container_of(sul, struct mw_socket, deadline)->wsi);
}

void mw_deadline_arm(struct lws *wsi) {
    struct mw_socket *k = lws_get_opaque_user_data(wsi);
    if (!k) return;
    lws_sul_schedule(lws_get_context(wsi), 0, &k->deadline, deadline_passed,
                     (lws_usec_t)k->server->limits.idle_timeout_s * LWS_US_PER_SEC);
}

void mw_deadline_cancel(struct lws *wsi) {
    struct mw_socket *k = lws_get_opaque_user_data(wsi);
    if (k) lws_sul_cancel(&k->deadline);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    struct mw_conn *c = user;
    struct mw_socket *k;
    mw_server *s;
    char uri[16];

    switch (reason) {
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        s = server_of(wsi);
        k = calloc(1, sizeof *k);
        if (!k) return -1;
        k->wsi = wsi;
        k->server = s;
        lws_set_opaque_user_data(wsi, k);
        s->open++;
        /* One over the limit is closed at once (not refused at the network
         * filter, whose wsi is the listener's: refusing there ends it). */
        if (s->stopped || s->open > s->limits.max_connections) {
            cut(wsi);
            break;
        }
        mw_deadline_arm(wsi);
        break;

    case LWS_CALLBACK_WSI_DESTROY:
        k = lws_get_opaque_user_data(wsi);
        if (!k) break;
        lws_sul_cancel(&k->deadline);
        lws_set_opaque_user_data(wsi, NULL);
        k->server->open--;
        free(k);
        break;

    case LWS_CALLBACK_HTTP_BIND_PROTOCOL:
        if (!c || c->server) break;
        c->wsi = wsi;
        c->server = server_of(wsi);
        name_peer(c);
        break;

    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (c) closed(c);
        break;

    case LWS_CALLBACK_HTTP:
    case LWS_CALLBACK_HTTP_BODY:
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    case LWS_CALLBACK_HTTP_WRITEABLE:
    case LWS_CALLBACK_ESTABLISHED:
    case LWS_CALLBACK_RECEIVE:
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (!c) return -1;  /* not ours: every connection of this protocol has its data */
        break;
    default:
        break;
    }

    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return mw_http_request(c, in);
    case LWS_CALLBACK_HTTP_BODY:
        return mw_http_body(c, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return mw_http_body_done(c);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return mw_http_writable(c);
    case LWS_CALLBACK_CLOSED_HTTP:
        closed(c);
        break;

    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* WebSockets only on /ws; elsewhere the handshake gets a 404 that says so. */
        if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) >= 0 && strcmp(uri, "/ws") == 0) return 0;
        lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, "WebSockets are served on /ws");
        return 1;

    case LWS_CALLBACK_ESTABLISHED:
        mw_http_reset(c);
        mw_ws_reset(c);
        c->wsi = wsi;
        c->server = s = server_of(wsi);
        c->is_ws = 1;
        c->closing = 0;
        mw_deadline_cancel(wsi);
        if (!c->peer[0]) name_peer(c);
        mw_touch(c);
        if (s->stopped) return -1;
        c->shown = 1;
        {
            mw_request r;
            mw_http_headers(c, "/ws", &r);
            if (s->callbacks.on_ws_open) s->callbacks.on_ws_open(s->callbacks.user, c, &r);
            mw_http_reset(c);  /* the headers were for the callback only */
        }
        break;
    case LWS_CALLBACK_RECEIVE:
        return mw_ws_receive(c, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return mw_ws_writable(c);
    case LWS_CALLBACK_CLOSED:
        closed(c);
        break;

    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"manta-jsonrpc", callback, sizeof(struct mw_conn), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}
};

mw_server *mw_server_start(void *uv_loop, const char *host, int port, const mw_limits *limits,
                           const mw_tls *tls, const mw_callbacks *callbacks, char *error, size_t error_len) {
    struct lws_context_creation_info info;
    void *loops[1] = {uv_loop};
    mw_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(error, error_len, "out of memory");
        return NULL;
    }
    s->limits = *limits;
    s->callbacks = *callbacks;
    last_lws_error[0] = 0;
    lws_set_log_level(LLL_ERR, mw_log);

    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_LIBUV;
    if (!strchr(host, ':')) info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    info.foreign_loops = loops;
    info.iface = host;
    info.port = port;
    info.protocols = protocols;
    info.vhost_name = "manta";
    info.user = s;
    info.keepalive_timeout = limits->idle_timeout_s;
    info.timeout_secs = (unsigned int)limits->idle_timeout_s;
    info.fd_limit_per_thread = (unsigned int)limits->max_connections + 64;
    if (tls && tls->cert_path && tls->key_path) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = tls->cert_path;
        info.ssl_private_key_filepath = tls->key_path;
        /* TLS 1.2 and 1.3 only; OpenSSL prefers 1.3 when both ends have it. */
        info.ssl_options_set = SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1;
    }
    s->context = lws_create_context(&info);
    if (!s->context) {
        snprintf(error, error_len, "cannot serve HTTP on %s:%d: %s", host, port,
                 last_lws_error[0] ? last_lws_error : "libwebsockets refused (address in use, or TLS files unreadable)");
        free(s);
        return NULL;
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(s->context, "manta");
    s->port = vh ? lws_get_vhost_listen_port(vh) : -1;
    if (s->port <= 0) {
        snprintf(error, error_len, "cannot serve HTTP on %s:%d: %s", host, port,
                 last_lws_error[0] ? last_lws_error : "not listening");
        s->stopped = 1;
        lws_context_destroy(s->context);
        return NULL;  /* s is kept: see mw_server_stop */
    }
    return s;
}

int mw_server_port(const mw_server *s) { return s->port; }

int mw_server_connections(const mw_server *s) { return s->open; }

void mw_server_stop(mw_server *s) {
    if (s->stopped) return;
    s->stopped = 1;
    /* The struct is not freed: libwebsockets ends a context on a foreign
     * loop over later turns of that loop and calls back into it while it
     * does, so it must outlive the context; one stopped server keeps its
     * ~64 KiB for the life of the process. */
    lws_context_destroy(s->context);
}

const char *mw_peer(const mw_conn *c) { return c->peer; }

void mw_close(mw_conn *c, const char *reason) {
    if (c->closing) return;
    c->closing = 1;
    snprintf(c->close_reason, sizeof c->close_reason, "%s", reason ? reason : "");
    if (c->is_ws) lws_callback_on_writable(c->wsi);
    else lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
}
