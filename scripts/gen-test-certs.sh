#!/bin/sh
# Regenerates the PEM test fixtures in tests/certs/ with the openssl CLI (OpenSSL 3.0).
# Every certificate is valid for 100 years (except expired.pem) so tests never expire.
# Usage: scripts/gen-test-certs.sh   (run from anywhere; overwrites tests/certs/*.pem|*.key)
set -eu

OUT="$(cd "$(dirname "$0")/.." && pwd)/tests/certs"
DAYS=36500
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT INT TERM
mkdir -p "$OUT"
cd "$WORK"

# One config file holds every extension profile, so the system openssl.cnf does not leak in.
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
[ intermediate ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ both ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ selfsigned ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
# Minimal "openssl ca" setup, used only for expired.pem (x509/req in 3.0 cannot back-date).
[ ca_old ]
dir = .
database = index.txt
new_certs_dir = newcerts
serial = serial
default_md = sha256
policy = policy_any
copy_extensions = none
unique_subject = no
[ policy_any ]
commonName = supplied
organizationName = optional
countryName = optional
CNF

# genpkey prints progress dots on stderr for RSA; keep the output readable.
key_p256() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
key_p384() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1"; }
key_rsa() { openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "$1" 2>/dev/null; }

# root KEY SUBJECT OUT SERIAL
root() {
    openssl req -new -x509 -config ext.cnf -extensions ca -key "$1" -subj "$2" \
        -days "$DAYS" -set_serial "$4" -sha256 -out "$3"
}

# issue KEY SUBJECT PROFILE CA_CERT CA_KEY OUT SERIAL
issue() {
    openssl req -new -config ext.cnf -key "$1" -subj "$2" -out req.csr
    openssl x509 -req -in req.csr -CA "$4" -CAkey "$5" -extfile ext.cnf -extensions "$3" \
        -days "$DAYS" -set_serial "$7" -sha256 -out "$6"
}

# --- ECDSA P-256 hierarchy -----------------------------------------------------------------
key_p256 ca-ecdsa.key
root ca-ecdsa.key "/C=US/O=rdtls test/CN=rdtls test ECDSA CA" ca-ecdsa.pem 0x1001
# SEC1 ("EC PRIVATE KEY") with curve parameters and public key.
openssl ecparam -name prime256v1 -genkey -noout -out server-ecdsa.key
issue server-ecdsa.key "/C=US/O=rdtls test/CN=localhost" server ca-ecdsa.pem ca-ecdsa.key \
    server-ecdsa.pem 0x1002
key_p256 client-ecdsa.key
issue client-ecdsa.key "/C=US/O=rdtls test/CN=rdtls test client (ECDSA)" client ca-ecdsa.pem \
    ca-ecdsa.key client-ecdsa.pem 0x1003
openssl genpkey -algorithm ED25519 -out server-ed25519.key
issue server-ed25519.key "/C=US/O=rdtls test/CN=localhost" server ca-ecdsa.pem ca-ecdsa.key \
    server-ed25519.pem 0x1004
key_p384 server-p384.key
issue server-p384.key "/C=US/O=rdtls test/CN=localhost" server ca-ecdsa.pem ca-ecdsa.key \
    server-p384.pem 0x1005

# --- RSA-2048 hierarchy --------------------------------------------------------------------
key_rsa ca-rsa.key 2048
root ca-rsa.key "/C=US/O=rdtls test/CN=rdtls test RSA CA" ca-rsa.pem 0x2001
key_rsa server-rsa.pkcs8 2048
# PKCS#1 ("RSA PRIVATE KEY").
openssl rsa -in server-rsa.pkcs8 -traditional -out server-rsa.key
issue server-rsa.key "/C=US/O=rdtls test/CN=localhost" server ca-rsa.pem ca-rsa.key \
    server-rsa.pem 0x2002
key_rsa client-rsa.key 2048
issue client-rsa.key "/C=US/O=rdtls test/CN=rdtls test client (RSA)" client ca-rsa.pem \
    ca-rsa.key client-rsa.pem 0x2003

# --- Long chain: root -> 3 RSA-4096 intermediates -> P-256 leaf ----------------------------
key_rsa long-root.key 4096
root long-root.key "/C=US/O=rdtls test/CN=rdtls long chain root" long-chain-root.pem 0x3001
prev_cert=long-chain-root.pem
prev_key=long-root.key
for i in 1 2 3; do
    key_rsa "long-int$i.key" 4096
    issue "long-int$i.key" "/C=US/O=rdtls test/CN=rdtls long chain intermediate $i" \
        intermediate "$prev_cert" "$prev_key" "long-int$i.pem" "0x300$((i + 1))"
    prev_cert="long-int$i.pem"
    prev_key="long-int$i.key"
done
key_p256 long-chain-leaf.key
issue long-chain-leaf.key "/C=US/O=rdtls test/CN=localhost" both long-int3.pem long-int3.key \
    long-leaf.pem 0x3005
cat long-leaf.pem long-int3.pem long-int2.pem long-int1.pem > long-chain.pem
# The chain must need fragmentation across several datagrams: over 4 KB of DER.
der_total=0
for f in long-leaf.pem long-int3.pem long-int2.pem long-int1.pem; do
    n=$(openssl x509 -in "$f" -outform DER | wc -c)
    der_total=$((der_total + n))
done
if [ "$der_total" -le 4096 ]; then
    echo "long chain is only $der_total bytes of DER" >&2
    exit 1
fi
echo "long-chain.pem: $der_total bytes of DER"

# --- Expired leaf (ECDSA CA), validity 2000-01-01 .. 2001-01-01 ----------------------------
key_p256 expired.key
openssl req -new -config ext.cnf -key expired.key -subj "/C=US/O=rdtls test/CN=localhost" \
    -out expired.csr
mkdir -p newcerts
: > index.txt
echo 4001 > serial
openssl ca -batch -config ext.cnf -name ca_old -cert ca-ecdsa.pem -keyfile ca-ecdsa.key \
    -extfile ext.cnf -extensions server -startdate 20000101000000Z -enddate 20010101000000Z \
    -in expired.csr -out expired.full -notext 2>/dev/null
openssl x509 -in expired.full -out expired.pem

# --- Self-signed leaf (not a CA) -----------------------------------------------------------
key_p256 self-signed.key
openssl req -new -x509 -config ext.cnf -extensions selfsigned -key self-signed.key \
    -subj "/C=US/O=rdtls test/CN=localhost" -days "$DAYS" -set_serial 0x5001 -sha256 \
    -out self-signed.pem

for f in ca-ecdsa server-ecdsa client-ecdsa server-ed25519 server-p384 ca-rsa server-rsa \
    client-rsa expired self-signed; do
    cp "$f.pem" "$f.key" "$OUT/"
done
cp long-chain.pem long-chain-root.pem long-chain-leaf.key "$OUT/"

# Sanity: every chain verifies with the openssl CLI (expired is checked at a past time).
cd "$OUT"
openssl verify -CAfile ca-ecdsa.pem server-ecdsa.pem client-ecdsa.pem server-ed25519.pem \
    server-p384.pem > /dev/null
openssl verify -CAfile ca-rsa.pem server-rsa.pem client-rsa.pem > /dev/null
openssl verify -CAfile long-chain-root.pem -untrusted long-chain.pem long-chain.pem > /dev/null
# expired.pem must fail with exactly X509_V_ERR_CERT_HAS_EXPIRED (10).
if ! openssl verify -CAfile ca-ecdsa.pem expired.pem 2>&1 | grep -q "^error 10 "; then
    echo "expired.pem does not fail verification as expired" >&2
    exit 1
fi
echo "fixtures written to $OUT"
