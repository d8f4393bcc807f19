/*
 * mw_http.c: POST /rpc. A request's body is gathered (up to
 * max_message_bytes), handed to the host whole, and its answer written back
 * a slice per writable turn; the connection is then kept alive for the
 * next request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw_private.h"

void mw_http_reset(struct mw_conn *c) {
    free(c->body);
    free(c->answer);
    free(c->path);
    free(c->bearer);
    free(c->cookie);
    free(c->origin);
    free(c->host);
    free(c->set_cookie);
    c->body = c->answer = c->path = c->bearer = c->cookie = c->origin = c->host = c->set_cookie = NULL;
    c->body_len = c->answer_len = c->answer_sent = 0;
    c->reading = c->too_large = c->waiting = c->answer_ready = c->headers_sent = 0;
    c->close_after = 0;
}

/* Copies a header into a new string; NULL when absent or empty. */
static char *header(struct mw_conn *c, enum lws_token_indexes token) {
    int n = lws_hdr_total_length(c->wsi, token);
    if (n <= 0 || n > 8192) return NULL;
    char *text = malloc((size_t)n + 1);
    if (text && lws_hdr_copy(c->wsi, text, n + 1, token) < 0) {
        free(text);
        return NULL;
    }
    return text;
}

int mw_http_refuse(struct mw_conn *c, int status, const char *message) {
    char body[512];
    int n = snprintf(body, sizeof body,
                     "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"%s\"}}", message);
    c->waiting = 1;
    return mw_http_answer(c, status, NULL, NULL, body, (size_t)n) == 0 ? 0 : -1;
}

void mw_http_headers(struct mw_conn *c, const char *path, mw_request *r) {
    free(c->path);
    free(c->bearer);
    free(c->cookie);
    free(c->origin);
    free(c->host);
    c->path = strdup(path);
    char *auth = header(c, WSI_TOKEN_HTTP_AUTHORIZATION);
    c->bearer = auth && strncmp(auth, "Bearer ", 7) == 0 ? strdup(auth + 7) : NULL;
    free(auth);
    c->cookie = header(c, WSI_TOKEN_HTTP_COOKIE);
    c->origin = header(c, WSI_TOKEN_ORIGIN);
    c->host = header(c, WSI_TOKEN_HOST);
    r->path = c->path;
    r->bearer = c->bearer;
    r->cookie = c->cookie;
    r->origin = c->origin;
    r->host = c->host;
}

int mw_http_request(struct mw_conn *c, const char *uri) {
    mw_server *s = c->server;
    mw_request r;
    mw_http_reset(c);
    int post = lws_hdr_total_length(c->wsi, WSI_TOKEN_POST_URI) > 0;
    int get = lws_hdr_total_length(c->wsi, WSI_TOKEN_GET_URI) > 0 || lws_hdr_total_length(c->wsi, WSI_TOKEN_HEAD_URI) > 0;
    if (get) {
        if (s->stopped) return -1;
        mw_http_headers(c, uri, &r);
        c->waiting = 1;
        c->shown = 1;
        mw_deadline_cancel(c->wsi);
        s->callbacks.on_get(s->callbacks.user, c, &r);
        return 0;
    }
    /* A body not taken below is not read: over HTTP/1.1 its bytes would be
     * parsed as the next request, so the connection closes after the answer.
     * An HTTP/2 stream's body is framed apart (and RFC 9113 8.2.2 forbids
     * `connection: close`): it is dropped as it arrives and the connection stays. */
    c->close_after = lws_get_network_wsi(c->wsi) == c->wsi;
    if (!post) return mw_http_refuse(c, 405, "the host answers GET and POST only");
    char *type = header(c, WSI_TOKEN_HTTP_CONTENT_TYPE);
    /* Only application/json: a cross-site form cannot send it without the
     * browser asking first, so no page elsewhere can post calls here. */
    int json = type && strncmp(type, "application/json", 16) == 0;
    free(type);
    if (!json) return mw_http_refuse(c, 415, "the body must be Content-Type: application/json");
    char *length = header(c, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    int over = length && strtoull(length, NULL, 10) > s->limits.max_message_bytes;
    /* Without a length (or chunks) no body would ever be complete: say so rather than wait. */
    int unsized = !length && lws_hdr_total_length(c->wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) == 0;
    free(length);
    if (unsized) return mw_http_refuse(c, 411, "a POST needs a Content-Length header (Content-Length: 0 for no params)");
    if (over) return mw_http_refuse(c, 413, "the body is over api.max_message_bytes");
    mw_http_headers(c, uri, &r);
    c->reading = 1;
    return 0;
}

int mw_http_body(struct mw_conn *c, const void *in, size_t len) {
    if (!c->reading || c->too_large) return 0;
    if (c->body_len + len > c->server->limits.max_message_bytes) {
        c->too_large = 1;
        free(c->body);
        c->body = NULL;
        return 0;
    }
    return mw_append(&c->body, &c->body_len, in, len);
}

int mw_http_body_done(struct mw_conn *c) {
    mw_server *s = c->server;
    if (!c->reading) return 0;
    c->reading = 0;
    if (c->too_large) return mw_http_refuse(c, 413, "the body is over api.max_message_bytes");
    c->close_after = 0;
    if (s->stopped) return -1;
    c->waiting = 1;
    c->shown = 1;
    mw_deadline_cancel(c->wsi);
    mw_request r = {c->path, c->bearer, c->cookie, c->origin, c->host};
    s->callbacks.on_post(s->callbacks.user, c, &r, c->body ? c->body : "", c->body_len);
    free(c->body);
    c->body = NULL;
    c->body_len = 0;
    return 0;
}

int mw_http_answer(mw_conn *c, int status, const char *content_type, const char *set_cookie, const char *body, size_t len) {
    if (!c->waiting || c->closing) return -1;
    char *copy = malloc(len ? len : 1);
    if (!copy) return -1;
    free(c->set_cookie);
    c->set_cookie = set_cookie ? strdup(set_cookie) : NULL;
    if (len) memcpy(copy, body, len);
    c->waiting = 0;
    c->status = status;
    c->content_type = content_type ? content_type : "application/json";
    c->answer = copy;
    c->answer_len = len;
    c->answer_sent = 0;
    c->answer_ready = 1;
    c->headers_sent = 0;
    lws_callback_on_writable(c->wsi);
    return 0;
}

static int write_headers(struct mw_conn *c) {
    unsigned char *start = c->server->scratch + LWS_PRE, *p = start, *end = start + MW_SLICE;
    /* A 204 has no body, so no type either. */
    const char *type = c->status == 204 ? NULL : c->content_type;
    if (lws_add_http_common_headers(c->wsi, (unsigned int)c->status, type, c->answer_len, &p, end)) return -1;
    if (lws_add_http_header_by_name(c->wsi, (const unsigned char *)"cache-control:", (const unsigned char *)"no-store", 8, &p, end))
        return -1;
    if (lws_add_http_header_by_name(c->wsi, (const unsigned char *)"x-content-type-options:", (const unsigned char *)"nosniff", 7,
                                    &p, end))
        return -1;
    /* The console's page runs only its own scripts and talks only to this host. */
    static const char csp[] = "default-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                              "form-action 'self'; base-uri 'none'";
    if (type && strncmp(type, "text/html", 9) == 0 &&
        (lws_add_http_header_by_name(c->wsi, (const unsigned char *)"content-security-policy:", (const unsigned char *)csp,
                                     (int)sizeof csp - 1, &p, end) ||
         lws_add_http_header_by_name(c->wsi, (const unsigned char *)"referrer-policy:", (const unsigned char *)"no-referrer", 11,
                                     &p, end)))
        return -1;
    if (c->status == 405 &&
        lws_add_http_header_by_name(c->wsi, (const unsigned char *)"allow:", (const unsigned char *)"POST", 4, &p, end))
        return -1;
    if (c->set_cookie &&
        lws_add_http_header_by_name(c->wsi, (const unsigned char *)"set-cookie:", (const unsigned char *)c->set_cookie,
                                    (int)strlen(c->set_cookie), &p, end))
        return -1;
    if (c->close_after &&
        lws_add_http_header_by_name(c->wsi, (const unsigned char *)"connection:", (const unsigned char *)"close", 5, &p, end))
        return -1;
    return lws_finalize_write_http_header(c->wsi, start, &p, end) ? -1 : 0;
}

int mw_http_writable(struct mw_conn *c) {
    if (c->closing) return -1;
    if (!c->answer_ready) return 0;
    if (!c->headers_sent) {
        if (write_headers(c)) return -1;
        c->headers_sent = 1;
        if (c->answer_len) {
            lws_callback_on_writable(c->wsi);
            return 0;
        }
    }
    size_t n = c->answer_len - c->answer_sent;
    if (n > MW_SLICE) n = MW_SLICE;
    int final = c->answer_sent + n == c->answer_len;
    if (n) {
        memcpy(c->server->scratch + LWS_PRE, c->answer + c->answer_sent, n);
        if (lws_write(c->wsi, c->server->scratch + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
            return -1;
        c->answer_sent += n;
    }
    if (!final) {
        lws_callback_on_writable(c->wsi);
        return 0;
    }
    int close_after = c->close_after;
    mw_http_reset(c);
    if (close_after) return -1;
    mw_deadline_arm(c->wsi);  /* the next request has as long as the first */
    return lws_http_transaction_completed(c->wsi) ? -1 : 0;
}
