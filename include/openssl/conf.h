/* rdtls: <openssl/conf.h> — configuration modules. librdtls reads no configuration file, so
 * the module calls that old programs make at start-up and exit do nothing, which is what
 * they do in OpenSSL 3.0 when no module is configured. */
#ifndef OPENSSL_CONF_H
#define OPENSSL_CONF_H
#define HEADER_CONF_H
#include <openssl/types.h>
#include <openssl/crypto.h>
#include <openssl/conferr.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CONF_MFLAGS_IGNORE_ERRORS 0x1
#define CONF_MFLAGS_IGNORE_RETURN_CODES 0x2
#define CONF_MFLAGS_SILENT 0x4
#define CONF_MFLAGS_NO_DSO 0x8
#define CONF_MFLAGS_IGNORE_MISSING_FILE 0x10
#define CONF_MFLAGS_DEFAULT_SECTION 0x20

void OPENSSL_config(const char *config_name);
#define OPENSSL_no_config() OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL)
void CONF_modules_unload(int all);
void CONF_modules_finish(void);
#define CONF_modules_free() while (0) continue
void OPENSSL_load_builtin_modules(void);

#ifdef __cplusplus
}
#endif
#endif
