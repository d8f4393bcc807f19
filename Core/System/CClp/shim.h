/* COIN-OR Clp's C interface (Debian's coinor-libclp-dev). */
#include <Clp_C_Interface.h>
