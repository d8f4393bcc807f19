#include <string.h>
#include <zlib.h>

/* Inflates a raw deflate stream (as stored in a zip entry) into dst.
 * Returns the number of bytes written, or -1 when the data is not a valid
 * stream or does not fit in dst_len. (inflateInit2 is a macro, which Swift
 * cannot call.) */
static inline long manta_inflate_raw(const unsigned char *src, unsigned long src_len,
                                     unsigned char *dst, unsigned long dst_len) {
    z_stream s;
    memset(&s, 0, sizeof s);
    if (inflateInit2(&s, -MAX_WBITS) != Z_OK) return -1;
    s.next_in = (unsigned char *)src;
    s.avail_in = (uInt)src_len;
    s.next_out = dst;
    s.avail_out = (uInt)dst_len;
    int rc = inflate(&s, Z_FINISH);
    long out = (long)s.total_out;
    inflateEnd(&s);
    return rc == Z_STREAM_END ? out : -1;
}
