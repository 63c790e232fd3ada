/* Memcheck cannot see that (x ^ copy-of-x) == 0 when the copy and the xor are in different
 * basic blocks: the pattern of gcm_ghash_avx's short path (vmovdqa %xmm1,%xmm4 ... jz ...
 * vpxor %xmm1,%xmm4,%xmm4). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    unsigned char *junk = malloc(16); /* never written */
    unsigned long long r;
    unsigned long n = (unsigned long)argc; /* 1: take the branch, like len == 16 */
    if (junk == NULL)
        return 2;
    __asm__ volatile(
        "movdqu   (%[p]), %%xmm1\n\t"
        "vmovdqa  %%xmm1, %%xmm4\n\t"      /* xmm4 = xmm1            */
        "subq     $1, %[n]\n\t"
        "jz       1f\n\t"                  /* ends the basic block    */
        "nop\n"
        "1:\n\t"
        "vpxor    %%xmm1, %%xmm4, %%xmm4\n\t" /* xmm4 = xmm1 ^ xmm1 = 0 */
        "vmovq    %%xmm4, %[r]\n\t"
        : [r] "=r"(r), [n] "+r"(n)
        : [p] "r"(junk)
        : "xmm1", "xmm4", "cc");
    if (r != 0) /* memcheck: "Conditional jump ... depends on uninitialised value(s)" */
        puts("nonzero (impossible)");
    else
        puts("zero, whatever the 16 bytes were");
    free(junk);
    return 0;
}
