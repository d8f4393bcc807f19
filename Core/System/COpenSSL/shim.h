/* OpenSSL's libcrypto, for SHA-256 of API tokens (the host keeps only hashes). */
#include <openssl/sha.h>
#include <openssl/crypto.h>
