#!/bin/sh
# gen-verify-matrix-certs.sh DIR: the certificate matrix of ctests/t_verify_matrix.sh
# (issue 7), made at test time with the openssl CLI the way programs' READMEs make them.
#
#   root.pem      v3 self-signed RSA root         int.pem   v3 intermediate (signed by root)
#   v1ca.pem      v1 self-signed RSA CA (no extensions at all)
# and, for each case NAME, NAME.chain (what the server sends), NAME.key, NAME.ca (the
# client's CA file) and, for "revoked", revoked.crl (the intermediate's CRL).
set -eu
D="$1"
mkdir -p "$D"
cd "$D"
exec 3>&2 2>gen.log

rsa() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1"; }
ec() { openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$2" -out "$1"; }
csr() { openssl req -new -key "$1" -subj "$2" -out "$3"; }
ext() { printf '%s\n' "$@" > ext.tmp; }

# Roots and the intermediate.
rsa root.key
openssl req -x509 -new -key root.key -subj "/CN=Matrix Root" -days 3650 -out root.pem
rsa int.key
csr int.key "/CN=Matrix Intermediate" int.csr
ext "basicConstraints=critical,CA:TRUE" "keyUsage=critical,keyCertSign,cRLSign" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid"
openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -days 3650 \
    -extfile ext.tmp -out int.pem
rsa v1ca.key
csr v1ca.key "/CN=Matrix v1 CA" v1ca.csr
openssl x509 -req -in v1ca.csr -signkey v1ca.key -days 3650 -out v1ca.pem

# leaf NAME KEYTYPE SUBJECT EXTLINES...: a leaf signed by the intermediate; without
# EXTLINES it is an X.509 v1 certificate (openssl x509 -req with no extension file).
leaf() {
    name="$1" kt="$2" subj="$3"
    shift 3
    case "$kt" in
    rsa) rsa "$name.key" ;;
    p256) ec "$name.key" P-256 ;;
    p384) ec "$name.key" P-384 ;;
    esac
    csr "$name.key" "$subj" "$name.csr"
    if [ $# -gt 0 ]; then
        ext "$@"
        openssl x509 -req -in "$name.csr" -CA int.pem -CAkey int.key -CAcreateserial \
            -days 365 -extfile ext.tmp -out "$name.pem"
    else
        openssl x509 -req -in "$name.csr" -CA int.pem -CAkey int.key -CAcreateserial \
            -days 365 -out "$name.pem"
    fi
    cat "$name.pem" int.pem > "$name.chain"
    cp root.pem "$name.ca"
}
SRV="extendedKeyUsage=serverAuth"
BC="basicConstraints=CA:FALSE"

leaf v3_rsa rsa /CN=localhost "subjectAltName=DNS:localhost" "$SRV" "$BC"
leaf v1_leaf rsa /CN=localhost
leaf ecdsa_p256 p256 /CN=localhost "subjectAltName=DNS:localhost" "$SRV" "$BC"
leaf ecdsa_p384 p384 /CN=localhost "subjectAltName=DNS:localhost" "$SRV" "$BC"
leaf wrong_host_cn rsa /CN=evil.example
leaf wrong_host_san rsa /CN=localhost "subjectAltName=DNS:evil.example" "$SRV" "$BC"
leaf wrong_eku rsa /CN=localhost "subjectAltName=DNS:localhost" \
    "extendedKeyUsage=clientAuth" "$BC"

# v1 leaf under the v1 CA, which the client trusts.
rsa v1_ca.key
csr v1_ca.key /CN=localhost v1_ca.csr
openssl x509 -req -in v1_ca.csr -CA v1ca.pem -CAkey v1ca.key -CAcreateserial -days 365 \
    -out v1_ca.pem
cp v1_ca.pem v1_ca.chain
cp v1ca.pem v1_ca.ca

# Self-signed leaf the client does not trust.
rsa self_signed.key
openssl req -x509 -new -key self_signed.key -subj /CN=localhost -days 365 \
    -addext "subjectAltName=DNS:localhost" -out self_signed.pem
cp self_signed.pem self_signed.chain
cp root.pem self_signed.ca

# The self-signed leaf given to the client as its CA file (the usual development setup).
cp self_signed.key trusted_self_signed.key
cp self_signed.pem trusted_self_signed.chain
cp self_signed.pem trusted_self_signed.ca

# The server sends the whole chain, root included (the client trusts the root too).
cp v3_rsa.key full_chain.key
cat v3_rsa.pem int.pem root.pem > full_chain.chain
cp root.pem full_chain.ca

# The whole chain again, but the client trusts another CA: an untrusted root in the chain.
cp v3_rsa.key untrusted_root.key
cp full_chain.chain untrusted_root.chain
cp v1ca.pem untrusted_root.ca

# The client trusts only the intermediate (not self-signed): an anchor only with
# X509_V_FLAG_PARTIAL_CHAIN.
cp v3_rsa.key int_trusted.key
cp v3_rsa.chain int_trusted.chain
cp int.pem int_trusted.ca

# The intermediate is neither sent nor trusted.
rsa missing_int.key
csr missing_int.key /CN=localhost missing_int.csr
ext "subjectAltName=DNS:localhost" "$SRV" "$BC"
openssl x509 -req -in missing_int.csr -CA int.pem -CAkey int.key -CAcreateserial -days 365 \
    -extfile ext.tmp -out missing_int.pem
cp missing_int.pem missing_int.chain
cp root.pem missing_int.ca

# Dated and revoked leaves: `openssl ca` with the intermediate as CA.
mkdir -p ca/new
: > ca/index.txt
echo 1000 > ca/serial
echo 1000 > ca/crlnumber
cat > ca.cnf <<CNF
[ ca ]
default_ca = int_ca
[ int_ca ]
dir = ca
database = ca/index.txt
new_certs_dir = ca/new
serial = ca/serial
crlnumber = ca/crlnumber
certificate = int.pem
private_key = int.key
default_md = sha256
default_crl_days = 30
policy = any
unique_subject = no
copy_extensions = none
x509_extensions = leaf_ext
[ any ]
commonName = supplied
[ leaf_ext ]
subjectAltName = DNS:localhost
extendedKeyUsage = serverAuth
basicConstraints = CA:FALSE
CNF
ca_leaf() {
    name="$1" start="$2" end="$3"
    rsa "$name.key"
    csr "$name.key" /CN=localhost "$name.csr"
    openssl ca -batch -config ca.cnf -in "$name.csr" -startdate "$start" -enddate "$end" \
        -notext -out "$name.pem"
    cat "$name.pem" int.pem > "$name.chain"
    cp root.pem "$name.ca"
}
ca_leaf expired 20200101000000Z 20210101000000Z
ca_leaf not_yet_valid 20900101000000Z 20910101000000Z
ca_leaf revoked 20200101000000Z 20900101000000Z
openssl ca -batch -config ca.cnf -revoke revoked.pem
openssl ca -batch -config ca.cnf -gencrl -out revoked.crl
exec 2>&3
