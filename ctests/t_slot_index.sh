# shellcheck shell=bash
# The poll server's O(1) / O(log n) indexes (c-examples/slot_index.c, issue 12 item 5):
# CID hash, deadline heap and slot lists against brute-force models (ctests/slot_index_check.c).
test_slot_index_against_models() {
    timeout 60 "$CTDIR/slot_index_check" > out.txt || fail "$(cat out.txt)"
    grep -qx ok out.txt || fail "no ok line: $(cat out.txt)"
}
