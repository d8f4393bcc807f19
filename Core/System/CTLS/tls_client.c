/*
 * tls_client.c: a blocking TLS client over a connected socket, verifying
 * the server (see manta_tls.h): what `manta rpc --tls-ca` and the
 * benchmarks speak.
 */
#include "manta_tls.h"
#include "tls_private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mt_client {
    SSL_CTX *ctx;
    SSL *ssl;
    char error[256];
};

static int is_address(const char *name) {
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

/* The reason an I/O call failed: a timeout or a reset reads better than OpenSSL's queue. */
static void io_failure(char *out, size_t len, SSL *ssl, int rc, const char *what) {
    int kind = SSL_get_error(ssl, rc);
    if ((kind == SSL_ERROR_SYSCALL || kind == SSL_ERROR_WANT_READ || kind == SSL_ERROR_WANT_WRITE) && errno != 0) {
        const char *why = (errno == EAGAIN || errno == EWOULDBLOCK) ? "timed out" : strerror(errno);
        snprintf(out, len, "%s: %s", what, why);
        ERR_clear_error();
    } else if (kind == SSL_ERROR_SYSCALL) {
        snprintf(out, len, "%s: the server closed the connection", what);
        ERR_clear_error();
    } else {
        mt_describe(out, len, what);
    }
}

mt_client *mt_client_connect(int fd, const char *ca_path, const char *server_name, char *error, size_t error_len) {
    mt_client *c = calloc(1, sizeof *c);
    if (!c) {
        if (error_len > 0) snprintf(error, error_len, "out of memory");
        return NULL;
    }
    c->ctx = SSL_CTX_new(TLS_client_method());
    if (!c->ctx) {
        mt_describe(error, error_len, "cannot make a TLS context");
        goto fail;
    }
    mt_restrict_versions(c->ctx);
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
    /* mantad may close without close_notify (a reply too large, a shutdown): that reads as closed. */
    SSL_CTX_set_options(c->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    int loaded = ca_path ? SSL_CTX_load_verify_locations(c->ctx, ca_path, NULL) : SSL_CTX_set_default_verify_paths(c->ctx);
    if (loaded != 1) {
        char what[512];
        snprintf(what, sizeof what, "%s is not a readable PEM CA file", ca_path ? ca_path : "the system trust store");
        mt_describe(error, error_len, what);
        goto fail;
    }
    c->ssl = SSL_new(c->ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
        mt_describe(error, error_len, "cannot make a TLS session");
        goto fail;
    }
    if (is_address(server_name)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), server_name);
    } else {
        SSL_set1_host(c->ssl, server_name);
        SSL_set_tlsext_host_name(c->ssl, server_name);
    }
    errno = 0;
    int rc = SSL_connect(c->ssl);
    if (rc != 1) {
        long verified = SSL_get_verify_result(c->ssl);
        if (verified != X509_V_OK) {
            if (error_len > 0)
                snprintf(error, error_len, "the server's certificate is not trusted for %s: %s", server_name,
                         X509_verify_cert_error_string(verified));
            ERR_clear_error();
        } else {
            io_failure(error, error_len, c->ssl, rc, "TLS handshake failed");
        }
        goto fail;
    }
    return c;
fail:
    SSL_free(c->ssl);
    SSL_CTX_free(c->ctx);
    free(c);
    return NULL;
}

int mt_client_write(mt_client *client, const void *bytes, size_t len) {
    while (len > 0) {
        int chunk = len > (1 << 30) ? (1 << 30) : (int)len;
        errno = 0;
        int n = SSL_write(client->ssl, bytes, chunk);
        if (n <= 0) {
            io_failure(client->error, sizeof client->error, client->ssl, n, "send");
            return -1;
        }
        bytes = (const char *)bytes + n;
        len -= (size_t)n;
    }
    return 0;
}

long mt_client_read(mt_client *client, void *out, size_t cap) {
    errno = 0;
    int n = SSL_read(client->ssl, out, cap > INT_MAX ? INT_MAX : (int)cap);
    if (n > 0) return n;
    int kind = SSL_get_error(client->ssl, n);
    if (kind == SSL_ERROR_ZERO_RETURN || (kind == SSL_ERROR_SYSCALL && errno == 0)) {
        ERR_clear_error();
        return 0;
    }
    io_failure(client->error, sizeof client->error, client->ssl, n, "no answer");
    return -1;
}

const char *mt_client_error(const mt_client *client) { return client->error; }

void mt_client_free(mt_client *client) {
    if (!client) return;
    SSL_shutdown(client->ssl);
    ERR_clear_error();
    SSL_free(client->ssl);
    SSL_CTX_free(client->ctx);
    free(client);
}
