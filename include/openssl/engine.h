/* rdtls: <openssl/engine.h> — ENGINE is an opaque type; librdtls has no engines, so the
 * 1.0-era set-up and clean-up calls do nothing, as in OpenSSL 3.0 without engines. */
#ifndef OPENSSL_ENGINE_H
#define OPENSSL_ENGINE_H
#define HEADER_ENGINE_H
#include <openssl/types.h>
#include <openssl/crypto.h>
#include <openssl/engineerr.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ENGINE_METHOD_ALL (unsigned int)0xFFFF
#define ENGINE_METHOD_NONE (unsigned int)0x0000

void ENGINE_load_builtin_engines(void);
int ENGINE_register_all_complete(void);
#define ENGINE_cleanup() while (0) continue

#ifdef __cplusplus
}
#endif
#endif
