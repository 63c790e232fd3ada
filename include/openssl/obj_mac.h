/* rdtls: object identifiers (NID values of OpenSSL 3.0's obj_mac.h) that this API uses. */
#ifndef OPENSSL_OBJ_MAC_H
#define OPENSSL_OBJ_MAC_H

#define NID_undef 0
#define NID_rsaEncryption 6
#define NID_md5 4
#define NID_commonName 13
#define NID_countryName 14
#define NID_localityName 15
#define NID_stateOrProvinceName 16
#define NID_organizationName 17
#define NID_organizationalUnitName 18
#define NID_pkcs9_emailAddress 48
#define NID_sha1 64
#define NID_givenName 99
#define NID_surname 100
#define NID_uniqueIdentifier 102
#define NID_serialNumber 105
#define NID_title 106
#define NID_domainComponent 391
#define NID_X9_62_id_ecPublicKey 408
#define NID_X9_62_prime256v1 415
#define NID_sha256 672
#define NID_sha384 673
#define NID_sha512 674
#define NID_sha224 675
#define NID_secp384r1 715
#define NID_secp521r1 716
#define NID_rsassaPss 912
#define NID_X25519 1034
#define NID_X448 1035
#define NID_ED25519 1087
#define NID_ED448 1088

#define SN_commonName "CN"
#define LN_commonName "commonName"
#define SN_sha256 "SHA256"
#define SN_sha1 "SHA1"

#define SN_key_usage "keyUsage"
#define LN_key_usage "X509v3 Key Usage"
#define NID_key_usage 83
#define SN_subject_alt_name "subjectAltName"
#define LN_subject_alt_name "X509v3 Subject Alternative Name"
#define NID_subject_alt_name 85
#define SN_basic_constraints "basicConstraints"
#define LN_basic_constraints "X509v3 Basic Constraints"
#define NID_basic_constraints 87
#define SN_subject_key_identifier "subjectKeyIdentifier"
#define LN_subject_key_identifier "X509v3 Subject Key Identifier"
#define NID_subject_key_identifier 82
#define SN_authority_key_identifier "authorityKeyIdentifier"
#define LN_authority_key_identifier "X509v3 Authority Key Identifier"
#define NID_authority_key_identifier 90
#define SN_ext_key_usage "extendedKeyUsage"
#define LN_ext_key_usage "X509v3 Extended Key Usage"
#define NID_ext_key_usage 126

#endif
