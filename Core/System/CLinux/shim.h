#include <fcntl.h>
#include <unistd.h>

/* Linux calls that glibc declares only under _GNU_SOURCE, which the Swift
 * Glibc module is built without (a define here cannot change a header the
 * module has already parsed), so they are declared here as glibc defines
 * them. */

/* pipe(2) with flags (O_CLOEXEC, O_NONBLOCK) applied atomically. */
extern int pipe2(int pipefd[2], int flags);
