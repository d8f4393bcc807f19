/*
 * manta_tls.h: TLS for the host's newline-delimited JSON-RPC over TCP, and
 * for the clients that call it, through OpenSSL (Debian's libssl-dev).
 *
 * The server side never touches a socket. The host's libuv loop owns the
 * connection, so a stream is OpenSSL over two memory buffers: the caller
 * feeds in the ciphertext it read (mt_stream_feed), takes out the plaintext
 * (mt_stream_read), hands in plaintext to send (mt_stream_write) and takes
 * out the ciphertext to write (mt_stream_take). Nothing on that side blocks.
 *
 * The client side is a blocking connection over a socket the caller has
 * connected and still owns, verifying the server's certificate against a
 * CA file and the name the caller dialled.
 *
 * Versions: TLS 1.2 and 1.3 only; OpenSSL negotiates 1.3 when both ends
 * have it. Renegotiation (TLS 1.2) is refused.
 *
 * Threads: a server context may be shared by every stream once made; a
 * stream or a client connection is used by one thread at a time (the host:
 * [loop], the thread running the host's uv loop).
 *
 * Ownership: buffers passed in are borrowed for the call; the library
 * copies what it keeps. Each *_new or *_connect result is owned by the
 * caller and released with the matching *_free.
 */
#ifndef MANTA_TLS_H
#define MANTA_TLS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A certificate (chain) and its private key, shared by the streams of one listener. */
typedef struct mt_server mt_server;
/** One accepted connection's TLS state: a server-side session over memory buffers. */
typedef struct mt_stream mt_stream;
/** One blocking client connection over a connected socket. */
typedef struct mt_client mt_client;

/** mt_stream_read: the peer ended the session (close_notify). */
#define MT_CLOSED (-1)
/** mt_stream_read, mt_stream_write: the session failed; mt_stream_error says why. */
#define MT_FAILED (-2)

/**
 * Loads a PEM certificate chain and its PEM private key, and checks they
 * match. Returns NULL on failure with a sentence naming the file and the
 * reason in `error` (always NUL-terminated when error_len > 0).
 * Thread: any. The paths are read now and not kept.
 */
mt_server *mt_server_new(const char *cert_path, const char *key_path, char *error, size_t error_len);

/** Releases a context once every stream made from it has been freed. Thread: any. NULL is a no-op. */
void mt_server_free(mt_server *server);

/** A new server-side session awaiting the client's hello; NULL when out of memory. Thread: [loop]. */
mt_stream *mt_stream_new(mt_server *server);

/** Releases a session (sending nothing: see mt_stream_shutdown). Thread: [loop]. NULL is a no-op. */
void mt_stream_free(mt_stream *stream);

/** Hands in `len` bytes read from the socket. Returns 0, or MT_FAILED when out of memory. Thread: [loop]. */
int mt_stream_feed(mt_stream *stream, const void *bytes, size_t len);

/**
 * Takes out up to `cap` bytes of plaintext decrypted from what was fed,
 * advancing the handshake as needed. Returns the count (> 0); 0 when more
 * ciphertext is needed first; MT_CLOSED; or MT_FAILED. After each call
 * there may be ciphertext to take (handshake replies, session tickets).
 * Thread: [loop].
 */
long mt_stream_read(mt_stream *stream, void *plain, size_t cap);

/** Whether the handshake has completed: until then mt_stream_write refuses. Thread: [loop]. */
int mt_stream_ready(const mt_stream *stream);

/**
 * Encrypts `len` bytes of plaintext, all of it, into the ciphertext to
 * take. Returns 0, or MT_FAILED (also before the handshake completes).
 * Thread: [loop].
 */
int mt_stream_write(mt_stream *stream, const void *plain, size_t len);

/** Ciphertext bytes waiting to be written to the socket. Thread: [loop]. */
size_t mt_stream_pending(const mt_stream *stream);

/** Moves up to `cap` waiting ciphertext bytes into `out`; returns how many. Thread: [loop]. */
size_t mt_stream_take(mt_stream *stream, void *out, size_t cap);

/** Queues the close_notify alert that ends the session cleanly (take it, then close the socket). Thread: [loop]. */
void mt_stream_shutdown(mt_stream *stream);

/** Why the last MT_FAILED happened. Borrowed; valid until the next call on the stream. Thread: [loop]. */
const char *mt_stream_error(const mt_stream *stream);

/**
 * Runs the client handshake over the connected socket `fd` (still the
 * caller's to close), verifying the server's certificate against the PEM
 * CA file `ca_path` (NULL: the system's trust store) and `server_name`: an
 * IPv4/IPv6 address is checked against the certificate's IP addresses, a
 * host name against its DNS names (and sent as SNI). Returns NULL on
 * failure with the reason in `error`. The socket's send and receive
 * timeouts bound the handshake and every read and write.
 * Writes to a peer that has gone raise SIGPIPE unless it is ignored.
 * Thread: any; the connection is then used by one thread at a time.
 */
mt_client *mt_client_connect(int fd, const char *ca_path, const char *server_name, char *error, size_t error_len);

/** Writes all `len` bytes. Returns 0, or -1 with the reason in mt_client_error. */
int mt_client_write(mt_client *client, const void *bytes, size_t len);

/** Reads up to `cap` bytes: the count (> 0), 0 when the server closed, or -1 with the reason in mt_client_error. */
long mt_client_read(mt_client *client, void *out, size_t cap);

/** Why the last -1 happened. Borrowed; valid until the next call on the connection. */
const char *mt_client_error(const mt_client *client);

/** Sends close_notify (best effort) and releases the connection; the socket stays open. NULL is a no-op. */
void mt_client_free(mt_client *client);

#ifdef __cplusplus
}
#endif

#endif /* MANTA_TLS_H */
