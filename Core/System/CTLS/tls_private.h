/*
 * tls_private.h: what the server and client halves of manta_tls share.
 */
#ifndef MANTA_TLS_PRIVATE_H
#define MANTA_TLS_PRIVATE_H

#include <stddef.h>
#include <openssl/ssl.h>

/* The oldest protocol either side speaks, and no TLS 1.2 renegotiation. */
void mt_restrict_versions(SSL_CTX *ctx);

/*
 * Writes "<what>: <OpenSSL's reason>" into `out` (NUL-terminated when len > 0)
 * and empties this thread's OpenSSL error queue, so that one failure's
 * reasons are never reported with the next one's.
 */
void mt_describe(char *out, size_t len, const char *what);

#endif
