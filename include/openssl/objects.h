/* rdtls: <openssl/objects.h> — NID constants only (no OBJ_* functions are provided). */
#ifndef OPENSSL_OBJECTS_H
#define OPENSSL_OBJECTS_H
#define HEADER_OBJECTS_H

#include <openssl/obj_mac.h>
#include <openssl/bio.h>
#include <openssl/asn1.h>

#endif
