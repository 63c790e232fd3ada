#!/bin/sh
# Writes throwaway demo/test certificates into DIR (default build/demo-certs) with the
# openssl CLI. Used by `make certs`, `make demo`, `make ctest` and `make bench`.
#   ca.pem ca.key                 ECDSA P-256 root
#   server.pem server.key         P-256 leaf, CN=localhost, SAN localhost + 127.0.0.1 + ::1
#   client.pem client.key         P-256 leaf for client authentication
#   server-rsa.pem server-rsa.key RSA-2048 leaf (same root)
#   big-chain.pem big.key         RSA-4096 leaf + RSA-4096 intermediate (forces fragmentation)
#   other-ca.pem                  an unrelated root (verification must fail against it)
set -eu

DIR="${1:-build/demo-certs}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT INT TERM
cd "$WORK"

cat > ext.cnf <<'CNF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

q() { "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; "$@"; exit 1; }; }
ec_key() { q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
rsa_key() { q openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "$1"; }
# root KEY SUBJECT OUT
root() {
    q openssl req -new -x509 -config ext.cnf -extensions ca -key "$1" -subj "$2" \
        -days 3650 -sha256 -out "$3"
}
# issue KEY SUBJECT PROFILE CA_CERT CA_KEY OUT
issue() {
    q openssl req -new -config ext.cnf -key "$1" -subj "$2" -out req.csr
    q openssl x509 -req -in req.csr -CA "$4" -CAkey "$5" -CAcreateserial -extfile ext.cnf \
        -extensions "$3" -days 3650 -sha256 -out "$6"
}

ec_key ca.key
root ca.key "/O=rdtls demo/CN=rdtls demo CA" ca.pem
ec_key server.key
issue server.key "/O=rdtls demo/CN=localhost" server ca.pem ca.key server.pem
ec_key client.key
issue client.key "/O=rdtls demo/CN=rdtls demo client" client ca.pem ca.key client.pem
rsa_key server-rsa.key 2048
issue server-rsa.key "/O=rdtls demo/CN=localhost" server ca.pem ca.key server-rsa.pem
rsa_key int.key 4096
q openssl req -new -config ext.cnf -key int.key -subj "/O=rdtls demo/CN=rdtls demo intermediate" \
    -out int.csr
q openssl x509 -req -in int.csr -CA ca.pem -CAkey ca.key -CAcreateserial -extfile ext.cnf \
    -extensions ca -days 3650 -sha256 -out int.pem
rsa_key big.key 4096
issue big.key "/O=rdtls demo/CN=localhost" server int.pem int.key big.pem
cat big.pem int.pem > big-chain.pem
ec_key other-ca.key
root other-ca.key "/O=rdtls demo/CN=unrelated CA" other-ca.pem

q openssl verify -CAfile ca.pem server.pem client.pem server-rsa.pem
q openssl verify -CAfile ca.pem -untrusted int.pem big.pem

cp server.pem server.key client.pem client.key server-rsa.pem server-rsa.key \
    big-chain.pem big.key other-ca.pem "$DIR/"
# ca.pem last: the Makefile uses it as the "certificates are complete" marker.
cp ca.pem "$DIR/"
echo "demo certificates written to $DIR"
