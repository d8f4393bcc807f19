/*
 * mw_private.h: the server's and a connection's state, shared by the files
 * of this target (manta_web.c: the context and the callback's routing;
 * mw_http.c: requests and answers; mw_ws.c: WebSocket messages).
 */
#ifndef MW_PRIVATE_H
#define MW_PRIVATE_H

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "manta_web.h"

/* The most written in one writable turn: an answer or a message larger than
 * this goes out a slice (an HTTP write, a WebSocket fragment) at a time. */
#define MW_SLICE 65536

struct mw_server {
    struct lws_context *context;
    mw_limits limits;
    mw_callbacks callbacks;
    int port;
    int open;      /* accepted sockets not yet destroyed */
    int stopped;   /* mw_server_stop was called: no more callbacks */
    /* LWS_PRE bytes of headroom, then one slice: every write is copied here
     * first, since libwebsockets writes its framing in front of the data. */
    unsigned char scratch[LWS_PRE + MW_SLICE];
};

/* What the server keeps for every accepted socket from its first byte (the
 * per-session data below exists only once a request's headers are in): the
 * count of open connections, and a deadline for finishing each request, so a
 * client trickling header lines cannot hold a connection for ever. Hung on
 * the wsi as its opaque user data; freed when libwebsockets destroys it. */
struct mw_socket {
    lws_sorted_usec_list_t deadline;
    struct lws *wsi;
    mw_server *server;
};

/* One queued WebSocket message; `data` is the message itself. */
struct mw_msg {
    struct mw_msg *next;
    size_t len;
    size_t sent;
    char data[];
};

/* libwebsockets' per-session data: allocated zeroed by the library when the
 * connection binds to our protocol, freed by it after the close callbacks. */
struct mw_conn {
    struct lws *wsi;
    mw_server *server;
    char peer[64];
    int shown;     /* the host has seen it: on_closed is owed */
    int is_ws;
    int closing;
    char close_reason[124];

    /* HTTP: the request being read, then the answer being written. */
    int reading;       /* a POST /rpc body is expected */
    int too_large;
    int waiting;       /* on_rpc was called; mw_http_answer is expected */
    int close_after;   /* close instead of keeping alive after the answer */
    char *body;
    size_t body_len;
    /* The request's headers the host is shown (mw_request), owned here. */
    char *path, *bearer, *cookie, *origin, *host;
    int status;
    char *set_cookie;
    const char *content_type;
    char *answer;
    size_t answer_len;
    size_t answer_sent;
    int answer_ready;
    int headers_sent;

    /* WebSocket: the message being received, and those waiting to go out. */
    char *rx;
    size_t rx_len;
    struct mw_msg *head;
    struct mw_msg *tail;
    size_t queued;
};

/* manta_web.c: (re)starts or stops the socket's request deadline. */
void mw_deadline_arm(struct lws *wsi);
void mw_deadline_cancel(struct lws *wsi);

/* Appends `len` bytes to the heap buffer `*buf` of `*buf_len` bytes and
 * keeps it NUL-terminated (the JSON parser reads to its length, the NUL is
 * for logging). 0, or -1 when out of memory (the buffer is unchanged). */
static inline int mw_append(char **buf, size_t *buf_len, const void *in, size_t len) {
    char *grown = realloc(*buf, *buf_len + len + 1);
    if (!grown) return -1;
    memcpy(grown + *buf_len, in, len);
    *buf = grown;
    *buf_len += len;
    grown[*buf_len] = 0;
    return 0;
}

/* mw_http.c */
int mw_http_request(struct mw_conn *c, const char *uri);
int mw_http_body(struct mw_conn *c, const void *in, size_t len);
int mw_http_body_done(struct mw_conn *c);
int mw_http_writable(struct mw_conn *c);
/* Answers at once with a JSON-RPC error object (id null) for a request the
 * host never sees: a wrong path or method, a body too large. */
int mw_http_refuse(struct mw_conn *c, int status, const char *message);
void mw_http_reset(struct mw_conn *c);
/* Copies the headers the host is shown into `c` and points `r` at them. */
void mw_http_headers(struct mw_conn *c, const char *path, mw_request *r);

/* mw_ws.c */
int mw_ws_receive(struct mw_conn *c, const void *in, size_t len);
int mw_ws_writable(struct mw_conn *c);
void mw_ws_reset(struct mw_conn *c);
void mw_touch(struct mw_conn *c);

#endif /* MW_PRIVATE_H */
