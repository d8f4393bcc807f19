/*
 * mw_ws.c: WebSocket messages on /ws. Incoming fragments are joined into
 * whole messages (up to max_message_bytes); outgoing messages wait in a
 * queue bounded by max_queued_bytes and go out one fragment per writable
 * turn, so a slow reader costs its queue and never the loop.
 */
#include <stdlib.h>
#include <string.h>

#include "mw_private.h"

void mw_touch(struct mw_conn *c) {
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, c->server->limits.idle_timeout_s);
}

void mw_ws_reset(struct mw_conn *c) {
    free(c->rx);
    c->rx = NULL;
    c->rx_len = 0;
    while (c->head) {
        struct mw_msg *next = c->head->next;
        free(c->head);
        c->head = next;
    }
    c->tail = NULL;
    c->queued = 0;
}

int mw_ws_receive(struct mw_conn *c, const void *in, size_t len) {
    mw_server *s = c->server;
    if (c->closing) return 0;
    mw_touch(c);
    if (c->rx_len + len > s->limits.max_message_bytes) {
        static const char why[] = "message over api.max_message_bytes";
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)why, sizeof why - 1);
        return -1;
    }
    if (mw_append(&c->rx, &c->rx_len, in, len)) return -1;
    if (!lws_is_final_fragment(c->wsi) || lws_remaining_packet_payload(c->wsi)) return 0;
    /* Hand the message over, then forget it: the host copies what it keeps. */
    char *message = c->rx;
    size_t n = c->rx_len;
    c->rx = NULL;
    c->rx_len = 0;
    if (!s->stopped && s->callbacks.on_ws_message) s->callbacks.on_ws_message(s->callbacks.user, c, message, n);
    free(message);
    return 0;
}

int mw_ws_send(mw_conn *c, const char *message, size_t len) {
    if (!c->is_ws || c->closing || c->queued + len > c->server->limits.max_queued_bytes) return -1;
    struct mw_msg *m = malloc(sizeof *m + (len ? len : 1));
    if (!m) return -1;
    m->next = NULL;
    m->len = len;
    m->sent = 0;
    memcpy(m->data, message, len);
    if (c->tail) c->tail->next = m;
    else c->head = m;
    c->tail = m;
    c->queued += len;
    lws_callback_on_writable(c->wsi);
    return 0;
}

size_t mw_ws_queued(const mw_conn *c) { return c->queued; }

int mw_ws_writable(struct mw_conn *c) {
    if (c->closing) {
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)c->close_reason, strlen(c->close_reason));
        return -1;
    }
    struct mw_msg *m = c->head;
    if (!m) return 0;
    size_t n = m->len - m->sent;
    if (n > MW_SLICE) n = MW_SLICE;
    int first = m->sent == 0, last = m->sent + n == m->len;
    memcpy(c->server->scratch + LWS_PRE, m->data + m->sent, n);
    if (lws_write(c->wsi, c->server->scratch + LWS_PRE, n, (enum lws_write_protocol)lws_write_ws_flags(LWS_WRITE_TEXT, first, last)) <
        (int)n)
        return -1;
    m->sent += n;
    mw_touch(c);
    if (last) {
        c->head = m->next;
        if (!c->head) c->tail = NULL;
        c->queued -= m->len;
        free(m);
    }
    if (c->head) lws_callback_on_writable(c->wsi);
    return 0;
}
