/*
 * tls_server.c: server-side TLS over memory buffers, for connections whose
 * socket the host's libuv loop owns (see manta_tls.h).
 */
#include "manta_tls.h"
#include "tls_private.h"

#include <openssl/err.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mt_server {
    SSL_CTX *ctx;
};

struct mt_stream {
    SSL *ssl;
    /* Owned by `ssl` (SSL_set_bio): what was fed in, and what is to be taken out. */
    BIO *in;
    BIO *out;
    char error[256];
};

mt_server *mt_server_new(const char *cert_path, const char *key_path, char *error, size_t error_len) {
    char what[512];
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        mt_describe(error, error_len, "cannot make a TLS context");
        return NULL;
    }
    mt_restrict_versions(ctx);
    /* An idle connection keeps no read or write buffers: the host holds many. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1) {
        snprintf(what, sizeof what, "%s is not a readable PEM certificate", cert_path);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1) {
        snprintf(what, sizeof what, "%s is not a readable PEM private key", key_path);
        goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        snprintf(what, sizeof what, "the key %s does not belong to the certificate %s", key_path, cert_path);
        goto fail;
    }
    mt_server *server = calloc(1, sizeof *server);
    if (!server) {
        SSL_CTX_free(ctx);
        if (error_len > 0) snprintf(error, error_len, "out of memory");
        return NULL;
    }
    server->ctx = ctx;
    return server;
fail:
    mt_describe(error, error_len, what);
    SSL_CTX_free(ctx);
    return NULL;
}

void mt_server_free(mt_server *server) {
    if (!server) return;
    SSL_CTX_free(server->ctx);
    free(server);
}

mt_stream *mt_stream_new(mt_server *server) {
    mt_stream *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->ssl = SSL_new(server->ctx);
    s->in = BIO_new(BIO_s_mem());
    s->out = BIO_new(BIO_s_mem());
    if (!s->ssl || !s->in || !s->out) {
        SSL_free(s->ssl);
        BIO_free(s->in);
        BIO_free(s->out);
        free(s);
        return NULL;
    }
    /* An empty input buffer means "wait for more", not end of stream. */
    BIO_set_mem_eof_return(s->in, -1);
    SSL_set_bio(s->ssl, s->in, s->out);
    SSL_set_accept_state(s->ssl);
    return s;
}

void mt_stream_free(mt_stream *stream) {
    if (!stream) return;
    SSL_free(stream->ssl); /* frees both BIOs */
    free(stream);
}

int mt_stream_feed(mt_stream *stream, const void *bytes, size_t len) {
    while (len > 0) {
        int chunk = len > INT_MAX ? INT_MAX : (int)len;
        int n = BIO_write(stream->in, bytes, chunk);
        if (n <= 0) {
            snprintf(stream->error, sizeof stream->error, "out of memory buffering TLS input");
            return MT_FAILED;
        }
        bytes = (const char *)bytes + n;
        len -= (size_t)n;
    }
    return 0;
}

long mt_stream_read(mt_stream *stream, void *plain, size_t cap) {
    int want = cap > INT_MAX ? INT_MAX : (int)cap;
    int n = SSL_read(stream->ssl, plain, want);
    if (n > 0) return n;
    switch (SSL_get_error(stream->ssl, n)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        return 0;
    case SSL_ERROR_ZERO_RETURN:
        return MT_CLOSED;
    default:
        mt_describe(stream->error, sizeof stream->error,
                    SSL_is_init_finished(stream->ssl) ? "TLS session failed" : "TLS handshake failed");
        return MT_FAILED;
    }
}

int mt_stream_ready(const mt_stream *stream) { return SSL_is_init_finished(stream->ssl); }

int mt_stream_write(mt_stream *stream, const void *plain, size_t len) {
    if (!SSL_is_init_finished(stream->ssl)) {
        snprintf(stream->error, sizeof stream->error, "TLS handshake not complete");
        return MT_FAILED;
    }
    while (len > 0) {
        int chunk = len > (1 << 30) ? (1 << 30) : (int)len;
        /* A memory buffer grows as needed, so a write is never partial. */
        int n = SSL_write(stream->ssl, plain, chunk);
        if (n <= 0) {
            mt_describe(stream->error, sizeof stream->error, "TLS write failed");
            return MT_FAILED;
        }
        plain = (const char *)plain + n;
        len -= (size_t)n;
    }
    return 0;
}

size_t mt_stream_pending(const mt_stream *stream) { return BIO_ctrl_pending(stream->out); }

size_t mt_stream_take(mt_stream *stream, void *out, size_t cap) {
    int want = cap > INT_MAX ? INT_MAX : (int)cap;
    int n = want > 0 ? BIO_read(stream->out, out, want) : 0;
    return n > 0 ? (size_t)n : 0;
}

void mt_stream_shutdown(mt_stream *stream) {
    if (SSL_is_init_finished(stream->ssl)) SSL_shutdown(stream->ssl);
    ERR_clear_error();
}

const char *mt_stream_error(const mt_stream *stream) { return stream->error; }
