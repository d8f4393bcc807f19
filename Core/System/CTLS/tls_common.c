/*
 * tls_common.c: the protocol floor and error text both halves use.
 */
#include "tls_private.h"

#include <openssl/err.h>
#include <stdio.h>

void mt_restrict_versions(SSL_CTX *ctx) {
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
}

void mt_describe(char *out, size_t len, const char *what) {
    unsigned long code = ERR_get_error();
    char reason[200] = "no further detail from OpenSSL";
    if (code != 0) {
        /* The first error is the cause; the rest of the queue is context. */
        ERR_error_string_n(code, reason, sizeof reason);
    }
    ERR_clear_error();
    if (len > 0) snprintf(out, len, "%s: %s", what, reason);
}
