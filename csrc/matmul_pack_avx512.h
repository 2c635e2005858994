/*
 * AVX-512 packing of float32 operands (included by matmul_gemm.c only):
 * contiguous rows are loaded, transposed or strided ones gathered (a
 * transposed right operand, x @ w.T, is the common case).  Straight from the
 * source into the packed panels,
 * classification fused in: no row copy, no intermediate fraction and
 * sign+exponent rows.  The packed values and the block statistics are those
 * of the portable packing (pack_b_/pack_a_ in matmul_gemm.c), bit for bit;
 * matmul_gemm.c uses these when the AVX-512 kernels are active.
 *
 * Classification of a lane u, |u| = mag: it is "ok" (a normal number) when
 * mag - min_normal < inf - min_normal as unsigned integers, which also
 * excludes zeros (the subtraction wraps); "special" when nonzero and not ok.
 */
#ifndef MITCHELL_MATMUL_PACK_AVX512_H
#define MITCHELL_MATMUL_PACK_AVX512_H

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define MITCHELL_HAVE_AVX512_PACK 1
#include <immintrin.h>

#define MM_PACK512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))

#if MITCHELL_MR_AVX512 > 16
#error "pack_a_f32_avx512 transposes panels of at most 16 rows"
#endif

/* Running classification of a block: special lanes seen, and the min / max
 * biased exponent field of the normal lanes (the min starts at all ones). */
typedef struct {
    __mmask16 special;
    __m512i fmin, fmax;
} mm_class512;

MM_PACK512 static inline void mm_class512_init(mm_class512 *c)
{
    c->special = 0;
    c->fmin = _mm512_set1_epi32(-1);
    c->fmax = _mm512_setzero_si512();
}

/* The normal lanes of v (mask), folded into the classification. */
MM_PACK512 static inline __mmask16 mm_classify512(__m512i v, mm_class512 *c)
{
    const __m512i absm = _mm512_set1_epi32(0x7fffffff);
    const __m512i minn = _mm512_set1_epi32(0x00800000);
    const __m512i range = _mm512_set1_epi32(0x7f800000 - 0x00800000);
    __m512i mag = _mm512_and_si512(v, absm);
    __mmask16 ok = _mm512_cmplt_epu32_mask(_mm512_sub_epi32(mag, minn), range);
    c->special |= _mm512_test_epi32_mask(mag, mag) & (__mmask16)~ok;
    __m512i field = _mm512_srli_epi32(mag, 23);
    c->fmin = _mm512_mask_min_epu32(c->fmin, ok, c->fmin, field);
    c->fmax = _mm512_mask_max_epu32(c->fmax, ok, c->fmax, field);
    return ok;
}

/* Into the block statistics (as classify_f32 leaves them). */
MM_PACK512 static inline void mm_class512_finish(const mm_class512 *c, mitchell_block_stats *st)
{
    if (c->special)
        st->special = 1;
    uint32_t fmax = _mm512_reduce_max_epu32(c->fmax);
    if (fmax != 0) {
        uint32_t fmin = _mm512_reduce_min_epu32(c->fmin);
        st->any = 1;
        if ((int64_t)fmin - 127 < st->emin) st->emin = (int64_t)fmin - 127;
        if ((int64_t)fmax - 127 > st->emax) st->emax = (int64_t)fmax - 127;
    }
}

/* Whether 16 elements `stride` bytes apart can be gathered with 32-bit
 * byte offsets (a transposed or strided operand); a unit stride is loaded. */
static inline int mm_gatherable(intptr_t stride)
{
    return stride == 4 || (stride >= -(INT32_MAX / 16) && stride <= INT32_MAX / 16);
}

/* 16 float32 elements from p, p + stride, ..., lanes outside m zero: one
 * load for a unit stride, else a gather (offsets: lane * stride bytes). */
MM_PACK512 static inline __m512i mm_load16(const char *p, intptr_t stride, __m512i offsets, __mmask16 m)
{
    if (stride == 4)
        return _mm512_maskz_loadu_epi32(m, p);
    return _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, offsets, p, 1);
}

MM_PACK512 static inline __m512i mm_offsets16(intptr_t stride)
{
    return _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                              _mm512_set1_epi32((int)stride));
}

/* pack_b_f32 for a float32 B (NR = 16) whose column stride is gatherable. */
MM_PACK512 static void pack_b_f32_avx512(const mitchell_matrix *B, intptr_t k0, intptr_t kc,
                                         intptr_t j0, intptr_t nc, intptr_t p0, intptr_t p1,
                                         uint32_t *pb, mitchell_block_stats *st)
{
    const __m512i fracm = _mm512_set1_epi32(0x007fffff);
    const intptr_t have = nc - p0 * 16 < (p1 - p0) * 16 ? nc - p0 * 16 : (p1 - p0) * 16;
    const intptr_t cs = B->cs;
    const __m512i offsets = mm_offsets16(cs);
    mm_class512 c;
    mm_class512_init(&c);
    /* panel by panel: the packed block is written in order (it may not fit
     * in L1); a row of the panel is 64 bytes of the source, or 16 columns'
     * elements of a transposed one, whose cache lines serve the next rows */
    for (intptr_t p = p0; p < p1; p++) {
        const intptr_t left = have - (p - p0) * 16;
        const __mmask16 m = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
        const char *src = B->data + k0 * B->rs + (j0 + p * 16) * cs;
        uint32_t *dst = pb + p * kc * 32;
        for (intptr_t k = 0; k < kc; k++, src += B->rs, dst += 32) {
            __m512i v = mm_load16(src, cs, offsets, m);
            __mmask16 ok = mm_classify512(v, &c);
            _mm512_store_si512((void *)dst, _mm512_maskz_and_epi32(ok, v, fracm));
            _mm512_store_si512((void *)(dst + 16), _mm512_maskz_andnot_epi32(ok, fracm, v));
        }
    }
    stats_init(st);
    mm_class512_finish(&c, st);
}

/* scale_b_f32: sign+exponent fields of nonzero lanes minus c 2^23. */
MM_PACK512 static void scale_b_f32_avx512(uint32_t *pb, intptr_t kc, intptr_t p0, intptr_t p1, int64_t c)
{
    const __m512i absm = _mm512_set1_epi32(0x7fffffff);
    const __m512i shift = _mm512_set1_epi32((int)(uint32_t)((uint64_t)c << 23));
    for (intptr_t x = p0 * kc; x < p1 * kc; x++) {
        uint32_t *scale = pb + x * 32 + 16;
        __m512i s = _mm512_load_si512((const void *)scale);
        s = _mm512_mask_sub_epi32(s, _mm512_test_epi32_mask(s, absm), s, shift);
        _mm512_store_si512((void *)scale, s);
    }
}

/* t[k] lane i = r[i] lane k: a 16 x 16 transpose of 32-bit lanes in four
 * rounds of 16 shuffles (within 128-bit lanes by 32 and 64 bits, then 128-bit
 * lanes across vectors twice). */
MM_PACK512 static inline void mm_transpose16(const __m512i r[16], __m512i t[16])
{
    __m512i a[16], b[16];
    for (int i = 0; i < 16; i += 2) { /* lane L: r_i[4L], r_i+1[4L], r_i[4L+1], ... */
        a[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        a[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int g = 0; g < 16; g += 4) { /* b[g + j] lane L: rows g..g+3 at column 4L + j */
        b[g + 0] = _mm512_unpacklo_epi64(a[g], a[g + 2]);
        b[g + 1] = _mm512_unpackhi_epi64(a[g], a[g + 2]);
        b[g + 2] = _mm512_unpacklo_epi64(a[g + 1], a[g + 3]);
        b[g + 3] = _mm512_unpackhi_epi64(a[g + 1], a[g + 3]);
    }
    for (int j = 0; j < 4; j++) { /* t[4L + j] = lane L of b[j], b[4 + j], b[8 + j], b[12 + j] */
        __m512i lo01 = _mm512_shuffle_i32x4(b[j], b[4 + j], 0x44), hi01 = _mm512_shuffle_i32x4(b[j], b[4 + j], 0xee);
        __m512i lo23 = _mm512_shuffle_i32x4(b[8 + j], b[12 + j], 0x44), hi23 = _mm512_shuffle_i32x4(b[8 + j], b[12 + j], 0xee);
        t[0 + j] = _mm512_shuffle_i32x4(lo01, lo23, 0x88);
        t[4 + j] = _mm512_shuffle_i32x4(lo01, lo23, 0xdd);
        t[8 + j] = _mm512_shuffle_i32x4(hi01, hi23, 0x88);
        t[12 + j] = _mm512_shuffle_i32x4(hi01, hi23, 0xdd);
    }
}

/*
 * pack_a_f32 for a float32 A whose column stride is gatherable, in panels of
 * MR <= 16 rows (the kernels' tile height): per panel and 16 columns, the
 * rows' packed values are transposed in registers, and column k's MR values
 * stored (masked) at element k * MR of the panel.  Padding rows repeat the
 * panel's last row (loaded and classified again: the statistics do not
 * change).  A scatter per row measured 4 times slower on Zen 4 (about 40
 * cycles per 16 elements), a quarter of the time of a 32x64x128 product.
 */
MM_PACK512 static void pack_a_f32_avx512(const mitchell_matrix *A, intptr_t i0, intptr_t mc,
                                         intptr_t k0, intptr_t kc, int64_t c, int64_t kappa,
                                         intptr_t MR, uint32_t *pa, mitchell_block_stats *st)
{
    const __m512i shift = _mm512_set1_epi32((int)(uint32_t)(((uint64_t)c << 23) + (uint64_t)kappa));
    const __m512i zero = _mm512_set1_epi32(0x00800000);
    const intptr_t cs = A->cs;
    const __m512i offsets = mm_offsets16(cs);
    const __mmask16 rows = (__mmask16)((1u << MR) - 1);
    mm_class512 cl;
    mm_class512_init(&cl);
    for (intptr_t ip = 0; ip < mc; ip += MR) {
        const intptr_t mr = mc - ip < MR ? mc - ip : MR;
        uint32_t *panel = pa + (ip / MR) * kc * MR;
        const char *src[16];
        for (intptr_t i = 0; i < MR; i++)
            src[i] = A->data + (i0 + ip + (i < mr ? i : mr - 1)) * A->rs + k0 * cs;
        for (intptr_t k = 0; k < kc; k += 16) {
            const intptr_t left = kc - k;
            const __mmask16 m = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
            __m512i r[16], t[16];
            for (int i = 0; i < 16; i++) {
                if (i >= MR) {
                    r[i] = _mm512_setzero_si512();
                    continue;
                }
                __m512i v = mm_load16(src[i] + k * cs, cs, offsets, m);
                r[i] = _mm512_mask_add_epi32(zero, mm_classify512(v, &cl), v, shift);
            }
            mm_transpose16(r, t);
            for (intptr_t j = 0; j < 16 && j < left; j++)
                _mm512_mask_storeu_epi32(panel + (k + j) * MR, rows, t[j]);
        }
    }
    stats_init(st);
    mm_class512_finish(&cl, st);
}
#endif

#endif
