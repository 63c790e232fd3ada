/* rdtls: the pre-3.0 name of <openssl/types.h>. */
#include <openssl/types.h>
