#!/bin/sh
# DTLS over DCCP (RFC 5238) on a real DCCP stack: boots Debian's Linux 6.1 kernel (which
# still has DCCP; Linux 6.16 removed it) under QEMU with a small initramfs holding the DCCP
# modules, librdtls, the drop-in libssl.so.3, the example programs (built against rdtls and
# against the system OpenSSL) and their shared libraries, and runs scripts/dccp-vm-init.sh
# inside. Used by `make test-dccp` (which builds the programs first).
#
# Everything it downloads or builds goes to build/dccp/. Needs root for apt-get only when
# qemu-system-x86 / busybox-static are missing. Exit status: 0 when every pair passed or the
# run was skipped (reason printed), 1 otherwise.
#
# RDTLS_DCCP_ACCEL=auto (default): KVM when /dev/kvm works, else QEMU's TCG emulator (slower,
# same kernel). =kvm or =tcg force one.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/build/dccp"
ACCEL="${RDTLS_DCCP_ACCEL:-auto}"
VM_TIMEOUT="${RDTLS_DCCP_VM_TIMEOUT:-300}"
mkdir -p "$OUT"

say() { echo "dccp-vm.sh: $*"; }
skip() {
    say "SKIPPED: $*"
    exit 0
}

# ---- host packages ----------------------------------------------------------------------
need_pkgs=""
command -v qemu-system-x86_64 >/dev/null 2>&1 || need_pkgs="$need_pkgs qemu-system-x86"
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx insmod \
    || need_pkgs="$need_pkgs busybox-static"
if [ -n "$need_pkgs" ]; then
    [ "$(id -u)" = 0 ] || skip "needs$need_pkgs (run as root to install them)"
    say "installing$need_pkgs"
    # shellcheck disable=SC2086
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need_pkgs \
        >"$OUT/apt.log" 2>&1; then
        apt-get update >>"$OUT/apt.log" 2>&1 || true
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need_pkgs \
            >>"$OUT/apt.log" 2>&1 || skip "cannot install$need_pkgs (see $OUT/apt.log)"
    fi
fi
# busybox-static replaces a dynamic busybox: the initramfs has no libraries for it otherwise.
ldd /bin/busybox 2>&1 | grep -q 'not a dynamic' \
    || skip "/bin/busybox is not the static build (install busybox-static)"

# ---- the Linux 6.1 kernel (not installed: extracted from its .deb) ----------------------
KDIR="$OUT/kernel"
if ! ls "$KDIR"/boot/vmlinuz-6.1.* >/dev/null 2>&1; then
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null \
        | sed -n 's/.*Depends: \(linux-image-6\.1\.[0-9.]*-[0-9]*-amd64\)$/\1/p' | head -n 1)
    if [ -z "$pkg" ]; then
        pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' 2>/dev/null \
            | awk '{print $1}' | sort -V | tail -n 1)
    fi
    [ -n "$pkg" ] || skip "no linux-image-6.1 package known to apt (apt-get update?)"
    say "downloading $pkg"
    rm -rf "$OUT/deb" "$KDIR"
    mkdir -p "$OUT/deb" "$KDIR"
    (cd "$OUT/deb" && apt-get download "$pkg" >"$OUT/download.log" 2>&1) \
        || skip "apt-get download $pkg failed (see $OUT/download.log)"
    dpkg-deb -x "$OUT"/deb/*.deb "$KDIR"
    rm -rf "$OUT/deb"
fi
VMLINUZ=$(ls "$KDIR"/boot/vmlinuz-6.1.* | head -n 1)
KVER=${VMLINUZ##*/vmlinuz-}
MODDIR="$KDIR/lib/modules/$KVER/kernel/net/dccp"
[ -f "$MODDIR/dccp.ko" ] || [ -f "$MODDIR/dccp.ko.xz" ] || skip "$KVER has no DCCP modules"

# ---- accelerator ------------------------------------------------------------------------
# Nested KVM can exist and still not boot a guest (seen on this project's CI machine: the
# guest hangs before the kernel prints anything). A 25 s probe boot decides; its verdict is
# cached per host kernel.
kvm_usable() {
    [ -c /dev/kvm ] || { KVM_WHY="no /dev/kvm"; return 1; }
    { : <>/dev/kvm; } 2>/dev/null || { KVM_WHY="/dev/kvm not accessible"; return 1; }
    probe="$OUT/kvm-probe.$(uname -r)"
    if [ ! -f "$probe" ]; then
        pdir="$OUT/probe-root"
        rm -rf "$pdir"
        mkdir -p "$pdir/bin"
        cp /bin/busybox "$pdir/bin/busybox"
        printf '#!/bin/busybox sh\necho KVM-PROBE-OK\n/bin/busybox poweroff -f\n' >"$pdir/init"
        chmod +x "$pdir/init"
        (cd "$pdir" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$OUT/probe.cpio.gz"
        if timeout 25 qemu-system-x86_64 -enable-kvm -m 256 -smp 1 -nographic -no-reboot \
            -kernel "$VMLINUZ" -initrd "$OUT/probe.cpio.gz" \
            -append "console=ttyS0 quiet panic=-1" 2>&1 | grep -q KVM-PROBE-OK; then
            echo ok >"$probe"
        else
            echo "a KVM guest did not boot within 25 s (nested virtualisation?)" >"$probe"
        fi
        rm -rf "$pdir" "$OUT/probe.cpio.gz"
    fi
    KVM_WHY=$(cat "$probe")
    [ "$KVM_WHY" = ok ]
}
case "$ACCEL" in
kvm) QEMU_ACCEL="-enable-kvm" ;;
tcg) QEMU_ACCEL="-accel tcg" ;;
auto)
    if kvm_usable; then
        QEMU_ACCEL="-enable-kvm"
    else
        say "KVM not usable ($KVM_WHY): using QEMU's TCG emulator instead"
        QEMU_ACCEL="-accel tcg"
    fi
    ;;
*) say "RDTLS_DCCP_ACCEL must be auto, kvm or tcg"; exit 1 ;;
esac

# ---- initramfs --------------------------------------------------------------------------
B="$ROOT/build"
for f in "$B/librdtls.so" "$B/libssl.so.3" "$B/bin/rdtls-dccp-echo" "$B/bin/rdtls-s_server" \
    "$B/bin/rdtls-s_client" "$B/bin-openssl/rdtls-dccp-echo" "$B/demo-certs/big-chain.pem"; do
    [ -f "$f" ] || { say "missing $f (run: make test-dccp)"; exit 1; }
done
R="$OUT/rootfs"
rm -rf "$R"
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/lib/modules" "$R/rdtls/bin" \
    "$R/rdtls/bin-openssl" "$R/certs"
cp /bin/busybox "$R/bin/busybox"
for m in dccp dccp_ipv4; do
    if [ -f "$MODDIR/$m.ko" ]; then
        cp "$MODDIR/$m.ko" "$R/lib/modules/"
    else
        xz -dc "$MODDIR/$m.ko.xz" >"$R/lib/modules/$m.ko"
    fi
done
cp "$B/librdtls.so" "$B/libssl.so.3" "$R/rdtls/"
cp "$B/bin/rdtls-dccp-echo" "$B/bin/rdtls-s_server" "$B/bin/rdtls-s_client" "$R/rdtls/bin/"
cp "$B/bin-openssl/rdtls-dccp-echo" "$R/rdtls/bin-openssl/"
cp "$B/demo-certs/"*.pem "$B/demo-certs/"*.key "$R/certs/"
# Every shared library the programs load, at its own path (the dynamic loader included).
for f in "$R"/rdtls/bin/* "$R"/rdtls/bin-openssl/* "$R/rdtls/libssl.so.3"; do
    ldd "$f" | awk '/=> \// {print $3} /^[[:space:]]*\// {print $1}'
done | sort -u | while read -r lib; do
    case "$lib" in */build/*) continue ;; esac
    mkdir -p "$R$(dirname "$lib")"
    cp -L "$lib" "$R$lib"
done
cp "$ROOT/scripts/dccp-vm-init.sh" "$R/init"
chmod +x "$R/init"
(cd "$R" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$OUT/initramfs.cpio.gz"
say "kernel $KVER, initramfs $(du -k "$OUT/initramfs.cpio.gz" | cut -f1) KiB, accel: $QEMU_ACCEL"

# ---- boot -------------------------------------------------------------------------------
LOG="$OUT/vm.log"
start=$(date +%s)
# shellcheck disable=SC2086
timeout "$VM_TIMEOUT" qemu-system-x86_64 $QEMU_ACCEL -m 512 -smp 1 -nographic -no-reboot \
    -kernel "$VMLINUZ" -initrd "$OUT/initramfs.cpio.gz" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1" </dev/null 2>&1 \
    | tr -d '\r' | sed -n '/dccp-vm: kernel/,$p' | sed 's/^.*\(dccp-vm: kernel\)/\1/' \
    | tee "$LOG"
end=$(date +%s)
say "VM ran $((end - start)) s; console log in $LOG"
result=$(grep -E '^dccp-vm: [0-9]+ passed, [0-9]+ failed' "$LOG" | tail -n 1 || true)
if [ -z "$result" ]; then
    say "FAILED: the VM printed no result (timeout ${VM_TIMEOUT}s or crash)"
    exit 1
fi
case "$result" in
*" 0 failed") exit 0 ;;
*) exit 1 ;;
esac
