#!/bin/busybox sh
# /init of the DCCP test VM (scripts/dccp-vm.sh builds the initramfs around it).
#
# Loads Linux 6.1's DCCP modules, runs DTLS-over-DCCP pairs (RFC 5238) on loopback and
# prints what each did on the serial console, then powers off. The host script reads the
# closing "dccp-vm: N passed, M failed" line.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /tmp

E=/rdtls/bin/rdtls-dccp-echo          # built against librdtls (standalone build)
O=/rdtls/bin-openssl/rdtls-dccp-echo  # the same source built against system OpenSSL 3.0
DROPIN=/rdtls/libssl.so.3             # the drop-in build, preloaded into $O
C=/certs
N=1000
SERVER_SMALL="-cert $C/server.pem -key $C/server.key"
SERVER_BIG="-cert $C/big-chain.pem -key $C/big.key"
pass=0
failed=0

finish() {
    echo "dccp-vm: $pass passed, $failed failed"
    sync
    poweroff -f
}

echo "dccp-vm: kernel $(uname -r)"
if ! insmod /lib/modules/dccp.ko || ! insmod /lib/modules/dccp_ipv4.ko; then
    echo "dccp-vm: cannot load the DCCP modules"
    failed=1
    finish
fi
grep -q '^DCCP ' /proc/net/protocols && echo "dccp-vm: DCCP (IPv4) loaded"
ip link set lo up

# Lines worth showing from a peer's stderr.
show() {
    grep -E 'ACCEPT|handshake|Protocol|Verify return|chain|MPS|echoes|close|CONNECTED|connection|failed|error|hello' "$2" \
        | sed "s/^/    [$1] /"
}

# pair NAME PORT SERVER-CMD CLIENT-CMD: runs one server and one client (each bounded).
pair() {
    name=$1 port=$2 scmd=$3 ccmd=$4
    echo "=== $name"
    rm -f /tmp/s.log /tmp/c.log /tmp/c.out
    sh -c "exec timeout 120 $scmd" > /tmp/s.out 2> /tmp/s.log &
    spid=$!
    i=0
    while ! grep -q ACCEPT /tmp/s.log 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    t0=$(date +%s)
    sh -c "exec timeout 90 $ccmd" > /tmp/c.out 2> /tmp/c.log
    crc=$?
    wait $spid
    src=$?
    t1=$(date +%s)
    show server /tmp/s.log
    show client /tmp/c.log
    if [ $crc -eq 0 ] && [ $src -eq 0 ] && [ -z "$5" -o "$(grep -c "$5" /tmp/c.out)" != 0 ]; then
        echo "--- PASS $name ($((t1 - t0)) s)"
        pass=$((pass + 1))
    else
        echo "--- FAIL $name (client exit $crc, server exit $src)"
        sed 's/^/    [server stderr] /' /tmp/s.log | tail -20
        sed 's/^/    [client stderr] /' /tmp/c.log | tail -20
        failed=$((failed + 1))
    fi
}

CLI="-client -CAfile $C/ca.pem -n $N"
echo "dccp-vm: lo MTU $(cat /sys/class/net/lo/mtu)"
pair "rdtls server <-> rdtls client, $N echoes each way" 5001 \
    "$E -server -accept 127.0.0.1:5001 $SERVER_SMALL -n $N -service_code 42" \
    "$E $CLI -connect 127.0.0.1:5001 -service_code 42"
pair "OpenSSL 3.0 server <-> rdtls client" 5002 \
    "$O -server -app_mtu -accept 127.0.0.1:5002 $SERVER_SMALL -n $N" \
    "$E $CLI -connect 127.0.0.1:5002"
pair "rdtls server <-> OpenSSL 3.0 client" 5003 \
    "$E -server -accept 127.0.0.1:5003 $SERVER_SMALL -n $N" \
    "$O $CLI -app_mtu -connect 127.0.0.1:5003"
pair "drop-in libssl.so.3 server (OpenSSL-built program) <-> rdtls client" 5004 \
    "env LD_PRELOAD=$DROPIN $O -server -accept 127.0.0.1:5004 $SERVER_SMALL -n $N" \
    "$E $CLI -connect 127.0.0.1:5004"

# A small MPS: the path MTU of lo bounds DCCP's MPS, so the RSA-4096 chain (leaf +
# intermediate) no longer fits one packet and the Certificate message is fragmented.
ip link set lo mtu 600
echo "dccp-vm: lo MTU $(cat /sys/class/net/lo/mtu)"
pair "fragmented chain: rdtls server <-> rdtls client (SSL_set_fd)" 5011 \
    "$E -server -accept 127.0.0.1:5011 $SERVER_BIG -n $N" \
    "$E $CLI -setfd -connect 127.0.0.1:5011"
pair "fragmented chain: OpenSSL 3.0 server <-> rdtls client" 5012 \
    "$O -server -app_mtu -accept 127.0.0.1:5012 $SERVER_BIG -n $N" \
    "$E $CLI -connect 127.0.0.1:5012"
pair "fragmented chain: rdtls server <-> OpenSSL 3.0 client" 5013 \
    "$E -server -accept 127.0.0.1:5013 $SERVER_BIG -n $N" \
    "$O $CLI -app_mtu -connect 127.0.0.1:5013"
pair "fragmented chain: drop-in server <-> OpenSSL 3.0 client" 5014 \
    "env LD_PRELOAD=$DROPIN $O -server -accept 127.0.0.1:5014 $SERVER_BIG -n $N" \
    "$O $CLI -app_mtu -connect 127.0.0.1:5014"
pair "rdtls-s_server -dccp <-> rdtls-s_client -dccp" 5015 \
    "/rdtls/bin/rdtls-s_server -dccp -service_code 7 -accept 127.0.0.1:5015 -naccept 1 $SERVER_BIG" \
    "sh -c '(echo hello over dccp; sleep 2) | /rdtls/bin/rdtls-s_client -dccp -service_code 7 -connect 127.0.0.1:5015 -CAfile $C/ca.pem -verify 2'" \
    "hello over dccp"
finish
