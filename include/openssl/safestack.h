/*
 * rdtls: typed stacks. STACK_OF(T) is an incomplete struct type; the sk_T_* functions are
 * static inline wrappers that convert and call the OPENSSL_sk_* functions, so a program
 * compiled against these headers calls exactly the OPENSSL_sk_* symbols, as with OpenSSL 3.0.
 */
#ifndef OPENSSL_SAFESTACK_H
#define OPENSSL_SAFESTACK_H
#define HEADER_SAFESTACK_H

#include <openssl/stack.h>
#include <openssl/e_os2.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STACK_OF(type) struct stack_st_##type

/* Declares STACK_OF(t1) of elements `t2 *` with inline sk_t1_* accessors. */
#define SKM_DEFINE_STACK_OF(t1, t2, t3)                                                        \
    STACK_OF(t1);                                                                              \
    typedef int (*sk_##t1##_compfunc)(const t3 *const *a, const t3 *const *b);                 \
    typedef void (*sk_##t1##_freefunc)(t3 *a);                                                 \
    typedef t3 *(*sk_##t1##_copyfunc)(const t3 *a);                                            \
    static ossl_unused ossl_inline int sk_##t1##_num(const STACK_OF(t1) *sk)                   \
    {                                                                                          \
        return OPENSSL_sk_num((const OPENSSL_STACK *)sk);                                      \
    }                                                                                          \
    static ossl_unused ossl_inline t2 *sk_##t1##_value(const STACK_OF(t1) *sk, int idx)        \
    {                                                                                          \
        return (t2 *)OPENSSL_sk_value((const OPENSSL_STACK *)sk, idx);                         \
    }                                                                                          \
    static ossl_unused ossl_inline STACK_OF(t1) *sk_##t1##_new(sk_##t1##_compfunc compare)     \
    {                                                                                          \
        return (STACK_OF(t1) *)OPENSSL_sk_new((OPENSSL_sk_compfunc)compare);                   \
    }                                                                                          \
    static ossl_unused ossl_inline STACK_OF(t1) *sk_##t1##_new_null(void)                      \
    {                                                                                          \
        return (STACK_OF(t1) *)OPENSSL_sk_new_null();                                          \
    }                                                                                          \
    static ossl_unused ossl_inline STACK_OF(t1) *sk_##t1##_new_reserve(                        \
        sk_##t1##_compfunc compare, int n)                                                     \
    {                                                                                          \
        return (STACK_OF(t1) *)OPENSSL_sk_new_reserve((OPENSSL_sk_compfunc)compare, n);        \
    }                                                                                          \
    static ossl_unused ossl_inline int sk_##t1##_reserve(STACK_OF(t1) *sk, int n)              \
    {                                                                                          \
        return OPENSSL_sk_reserve((OPENSSL_STACK *)sk, n);                                     \
    }                                                                                          \
    static ossl_unused ossl_inline void sk_##t1##_free(STACK_OF(t1) *sk)                       \
    {                                                                                          \
        OPENSSL_sk_free((OPENSSL_STACK *)sk);                                                  \
    }                                                                                          \
    static ossl_unused ossl_inline void sk_##t1##_zero(STACK_OF(t1) *sk)                       \
    {                                                                                          \
        OPENSSL_sk_zero((OPENSSL_STACK *)sk);                                                  \
    }                                                                                          \
    static ossl_unused ossl_inline t2 *sk_##t1##_delete(STACK_OF(t1) *sk, int i)               \
    {                                                                                          \
        return (t2 *)OPENSSL_sk_delete((OPENSSL_STACK *)sk, i);                                \
    }                                                                                          \
    static ossl_unused ossl_inline t2 *sk_##t1##_delete_ptr(STACK_OF(t1) *sk, t2 *ptr)         \
    {                                                                                          \
        return (t2 *)OPENSSL_sk_delete_ptr((OPENSSL_STACK *)sk, (const void *)ptr);            \
    }                                                                                          \
    static ossl_unused ossl_inline int sk_##t1##_push(STACK_OF(t1) *sk, t2 *ptr)               \
    {                                                                                          \
        return OPENSSL_sk_push((OPENSSL_STACK *)sk, (const void *)ptr);                        \
    }                                                                                          \
    static ossl_unused ossl_inline int sk_##t1##_unshift(STACK_OF(t1) *sk, t2 *ptr)            \
    {                                                                                          \
        return OPENSSL_sk_unshift((OPENSSL_STACK *)sk, (const void *)ptr);                     \
    }                                                                                          \
    static ossl_unused ossl_inline t2 *sk_##t1##_pop(STACK_OF(t1) *sk)                         \
    {                                                                                          \
        return (t2 *)OPENSSL_sk_pop((OPENSSL_STACK *)sk);                                      \
    }                                                                                          \
    static ossl_unused ossl_inline t2 *sk_##t1##_shift(STACK_OF(t1) *sk)                       \
    {                                                                                          \
        return (t2 *)OPENSSL_sk_shift((OPENSSL_STACK *)sk);                                    \
    }                                                                                          \
    static ossl_unused ossl_inline void sk_##t1##_pop_free(STACK_OF(t1) *sk,                   \
        sk_##t1##_freefunc freefunc)                                                           \
    {                                                                                          \
        OPENSSL_sk_pop_free((OPENSSL_STACK *)sk, (OPENSSL_sk_freefunc)freefunc);               \
    }                                                                                          \
    static ossl_unused ossl_inline int sk_##t1##_insert(STACK_OF(t1) *sk, t2 *ptr, int idx)    \
    {                                                                                          \
        return OPENSSL_sk_insert((OPENSSL_STACK *)sk, (const void *)ptr, idx);                 \
    }                                                                                          \
    static ossl_unused ossl_inline t2 *sk_##t1##_set(STACK_OF(t1) *sk, int idx, t2 *ptr)       \
    {                                                                                          \
        return (t2 *)OPENSSL_sk_set((OPENSSL_STACK *)sk, idx, (const void *)ptr);              \
    }                                                                                          \
    static ossl_unused ossl_inline int sk_##t1##_find(STACK_OF(t1) *sk, t2 *ptr)               \
    {                                                                                          \
        return OPENSSL_sk_find((OPENSSL_STACK *)sk, (const void *)ptr);                        \
    }                                                                                          \
    static ossl_unused ossl_inline int sk_##t1##_find_ex(STACK_OF(t1) *sk, t2 *ptr)            \
    {                                                                                          \
        return OPENSSL_sk_find_ex((OPENSSL_STACK *)sk, (const void *)ptr);                     \
    }                                                                                          \
    static ossl_unused ossl_inline void sk_##t1##_sort(STACK_OF(t1) *sk)                       \
    {                                                                                          \
        OPENSSL_sk_sort((OPENSSL_STACK *)sk);                                                  \
    }                                                                                          \
    static ossl_unused ossl_inline int sk_##t1##_is_sorted(const STACK_OF(t1) *sk)             \
    {                                                                                          \
        return OPENSSL_sk_is_sorted((const OPENSSL_STACK *)sk);                                \
    }                                                                                          \
    static ossl_unused ossl_inline STACK_OF(t1) *sk_##t1##_dup(const STACK_OF(t1) *sk)         \
    {                                                                                          \
        return (STACK_OF(t1) *)OPENSSL_sk_dup((const OPENSSL_STACK *)sk);                      \
    }                                                                                          \
    static ossl_unused ossl_inline STACK_OF(t1) *sk_##t1##_deep_copy(const STACK_OF(t1) *sk,   \
        sk_##t1##_copyfunc copyfunc, sk_##t1##_freefunc freefunc)                              \
    {                                                                                          \
        return (STACK_OF(t1) *)OPENSSL_sk_deep_copy((const OPENSSL_STACK *)sk,                 \
            (OPENSSL_sk_copyfunc)copyfunc, (OPENSSL_sk_freefunc)freefunc);                     \
    }                                                                                          \
    static ossl_unused ossl_inline sk_##t1##_compfunc sk_##t1##_set_cmp_func(STACK_OF(t1) *sk, \
        sk_##t1##_compfunc compare)                                                            \
    {                                                                                          \
        return (sk_##t1##_compfunc)OPENSSL_sk_set_cmp_func((OPENSSL_STACK *)sk,                \
            (OPENSSL_sk_compfunc)compare);                                                     \
    }

#define DEFINE_STACK_OF(t) SKM_DEFINE_STACK_OF(t, t, t)
#define DEFINE_STACK_OF_CONST(t) SKM_DEFINE_STACK_OF(t, const t, t)
#define DEFINE_SPECIAL_STACK_OF(t1, t2) SKM_DEFINE_STACK_OF(t1, t2, t2)
#define DEFINE_SPECIAL_STACK_OF_CONST(t1, t2) SKM_DEFINE_STACK_OF(t1, const t2, t2)
#define SKM_DEFINE_STACK_OF_INTERNAL(t1, t2, t3) SKM_DEFINE_STACK_OF(t1, t2, t3)

typedef char *OPENSSL_STRING;
typedef const char *OPENSSL_CSTRING;
typedef void *OPENSSL_BLOCK;

#ifdef __cplusplus
}
#endif
#endif
