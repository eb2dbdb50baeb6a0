// Best-case C forward and backward of the sparse ops whose backward/forward ratio the sparse benchmarks report, on
// the graphs ../shared/perf/spmm.c caches (graph_NAME.bin: int64 n, int64 nnz, int64 rowptr[n+1], int32 col[nnz];
// row i holds the sources of destination i). Float32, AVX-512, OpenMP, every gathered row and every per-edge row
// read or written through an edge id prefetched 16 entries ahead, storage on transparent huge pages (madvise), as
// DGL.NET's own tensors are. It answers one question: what ratio of backward to forward does this machine allow
// for each op, when both passes are written as well as we can in C?
//
//   backward of a sum over in-edges = the same walk over the out-edge CSR, whose edge ids are a permutation of the
//   forward's; per-edge operands are read (and per-edge gradients written) through those ids inside the walk.
//
// Cases (F = feature width; H = 4 heads of D = F / 4 for the multi-head ones):
//   copy_u   out[v] = Σ x[u]                       backward: dx[u] = Σ g[v]
//   weighted out[v] = Σ w[e] x[u]  (w fixed)       backward: dx[u] = Σ w[e] g[v]
//   weighted_grad  same, w learned                 backward: dx as above and dw[e] = <x[u], g[v]>, in one walk
//   u_mul_e  out[v] = Σ w[e,h] x[u,h,:]            backward: dx[u] = Σ w[e,h] g[v,h,:] and dw[e,h] = <x[u,h], g[v,h]>
//   u_dot_v  out[e,h] = <x[u,h], y[v,h]>           backward: dy[v] = Σ g[e,h] x[u,h,:] (in-edge walk) and
//                                                            dx[u] = Σ g[e,h] y[v,h,:] (out-edge walk)
//
// Usage: sparse_backward GRAPH_FILE ROUNDS CASE:F [CASE:F ...]   (threads from OMP_NUM_THREADS)
// Prints per case: RESULT case=NAME F=F fwd=MS bwd=MS ratio=R  (medians over the rounds; ratio = median of the
// rounds' bwd/fwd, each round timing the forward and then the backward).
// Written for DGL.NET's bench; build: gcc -O3 -march=native -fopenmp sparse_backward.c -o sparse_backward
#define _GNU_SOURCE
#include <immintrin.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define PF 16
#define ALWAYS static inline __attribute__((always_inline))

static int64_t n, nnz, *rp, *trp;
static int32_t *col, *tcol, *teid;

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void *huge_alloc(size_t bytes) {
    const size_t huge = 2u << 20;
    size_t size = (bytes + huge - 1) & ~(huge - 1);
    void *p = aligned_alloc(huge, size);
    if (!p) { fprintf(stderr, "out of memory (%zu bytes)\n", bytes); exit(1); }
    madvise(p, size, MADV_HUGEPAGE);
    memset(p, 0, size);
    return p;
}

static float *features(int64_t count, unsigned seed) {
    float *p = huge_alloc(sizeof(float) * count);
    for (int64_t i = 0; i < count; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)(seed >> 8) / 16777216.0f - 0.5f;
    }
    return p;
}

ALWAYS void prefetch_row(const float *row, int f) {
    for (int k = 0; k < f; k += 16) _mm_prefetch((const char *)(row + k), _MM_HINT_T0);
}

// One walk: for every row r, out[r] = Σ over its entries k of w(k) ⊙ feat[C[k]] (w per head: h = vector / (F/16/H)),
// with w(k) = w[E ? E[k] : k] (absent: 1). With self: dw[E ? E[k] : k][h] = <self[r] head h, feat[C[k]] head h>.
// Rows r0..r1-1; f and h are constants at every call site, so each call compiles to its own register-blocked loop
// (OpenMP outlines a parallel loop before inlining, which is why the parallel loops are in the callers).
ALWAYS void walk(int64_t r0, int64_t r1, const int64_t *P, const int32_t *C, const int32_t *E, const float *feat,
                 const float *w, const float *self, float *dw, float *out, const int f, const int h) {
    const int nv = f / 16, per = h ? nv / h : nv;
    for (int64_t r = r0; r < r1; r++) {
        __m512 acc[8], s[8];
        for (int j = 0; j < nv; j++) acc[j] = _mm512_setzero_ps();
        if (self)
            for (int j = 0; j < nv; j++) s[j] = _mm512_loadu_ps(self + r * f + 16 * j);
        for (int64_t k = P[r]; k < P[r + 1]; k++) {
            if (k + PF < nnz) {
                prefetch_row(feat + (int64_t)C[k + PF] * f, f);
                if (E && w) _mm_prefetch((const char *)(w + (int64_t)E[k + PF] * h), _MM_HINT_T0);
                if (E && dw) _mm_prefetch((const char *)(dw + (int64_t)E[k + PF] * h), _MM_HINT_T0);
            }
            const int64_t e = E ? E[k] : k;
            const float *row = feat + (int64_t)C[k] * f;
            __m512 g[8];
            for (int j = 0; j < nv; j++) g[j] = _mm512_loadu_ps(row + 16 * j);
            if (w) {
                for (int j = 0; j < nv; j++) acc[j] = _mm512_fmadd_ps(_mm512_set1_ps(w[e * h + j / per]), g[j], acc[j]);
            } else {
                for (int j = 0; j < nv; j++) acc[j] = _mm512_add_ps(acc[j], g[j]);
            }
            if (self) {
                for (int hh = 0; hh < h; hh++) {
                    __m512 d = _mm512_mul_ps(s[hh * per], g[hh * per]);
                    for (int j = 1; j < per; j++) d = _mm512_fmadd_ps(s[hh * per + j], g[hh * per + j], d);
                    dw[e * h + hh] = _mm512_reduce_add_ps(d);
                }
            }
        }
        for (int j = 0; j < nv; j++) _mm512_storeu_ps(out + r * f + 16 * j, acc[j]);
    }
}

// out[e][h] = <x[u] head h, y[v] head h> over the in-edge CSC (output in edge order).
ALWAYS void sddmm_dot(int64_t r0, int64_t r1, const float *x, const float *y, float *out, const int f, const int h) {
    const int nv = f / 16, per = nv / h;
    for (int64_t v = r0; v < r1; v++) {
        __m512 yv[8];
        for (int j = 0; j < nv; j++) yv[j] = _mm512_loadu_ps(y + v * f + 16 * j);
        for (int64_t k = rp[v]; k < rp[v + 1]; k++) {
            if (k + PF < nnz) prefetch_row(x + (int64_t)col[k + PF] * f, f);
            const float *xu = x + (int64_t)col[k] * f;
            for (int hh = 0; hh < h; hh++) {
                __m512 d = _mm512_mul_ps(yv[hh * per], _mm512_loadu_ps(xu + 16 * hh * per));
                for (int j = 1; j < per; j++) d = _mm512_fmadd_ps(yv[hh * per + j], _mm512_loadu_ps(xu + 16 * (hh * per + j)), d);
                out[k * h + hh] = _mm512_reduce_add_ps(d);
            }
        }
    }
}

enum { COPY_U, WEIGHTED, WEIGHTED_GRAD, U_MUL_E, U_DOT_V };

typedef struct { float *x, *y, *g, *ge, *w, *dw, *out, *dx, *dy; } buffers;

// Rows in chunks of 1024, handed out dynamically.
#define CHUNK 1024
#define ROWS(call)                                                                                                    \
    _Pragma("omp parallel for schedule(dynamic, 1)") for (int64_t ch = 0; ch < (n + CHUNK - 1) / CHUNK; ch++) {       \
        const int64_t r0 = ch * CHUNK, r1 = r0 + CHUNK < n ? r0 + CHUNK : n;                                          \
        call;                                                                                                         \
    }

// One pass of a case, F and H constant in every call below so that the walks are specialised.
#define PASSES(F)                                                                                                     \
    static void forward_##F(int c, buffers *b) {                                                                      \
        switch (c) {                                                                                                  \
        case COPY_U: ROWS(walk(r0, r1, rp, col, NULL, b->x, NULL, NULL, NULL, b->out, F, 1)) break;                   \
        case WEIGHTED: case WEIGHTED_GRAD: ROWS(walk(r0, r1, rp, col, NULL, b->x, b->w, NULL, NULL, b->out, F, 1)) break; \
        case U_MUL_E: ROWS(walk(r0, r1, rp, col, NULL, b->x, b->w, NULL, NULL, b->out, F, 4)) break;                  \
        default: ROWS(sddmm_dot(r0, r1, b->x, b->y, b->dw, F, 4)) break;                                              \
        }                                                                                                             \
    }                                                                                                                 \
    static void backward_##F(int c, buffers *b) {                                                                     \
        switch (c) {                                                                                                  \
        case COPY_U: ROWS(walk(r0, r1, trp, tcol, NULL, b->g, NULL, NULL, NULL, b->dx, F, 1)) break;                  \
        case WEIGHTED: ROWS(walk(r0, r1, trp, tcol, teid, b->g, b->w, NULL, NULL, b->dx, F, 1)) break;                \
        case WEIGHTED_GRAD: ROWS(walk(r0, r1, trp, tcol, teid, b->g, b->w, b->x, b->dw, b->dx, F, 1)) break;          \
        case U_MUL_E: ROWS(walk(r0, r1, trp, tcol, teid, b->g, b->w, b->x, b->dw, b->dx, F, 4)) break;                \
        default:                                                                                                      \
            ROWS(walk(r0, r1, rp, col, NULL, b->x, b->ge, NULL, NULL, b->dy, F, 4))                                   \
            ROWS(walk(r0, r1, trp, tcol, teid, b->y, b->ge, NULL, NULL, b->dx, F, 4))                                 \
            break;                                                                                                    \
        }                                                                                                             \
    }
PASSES(16)
PASSES(32)
PASSES(64)
PASSES(128)

static const char *names[] = {"copy_u", "weighted", "weighted_grad", "u_mul_e", "u_dot_v"};

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s GRAPH_FILE ROUNDS CASE:F [CASE:F ...]\n", argv[0]);
        return 2;
    }
    FILE *file = fopen(argv[1], "rb");
    if (!file) { fprintf(stderr, "cannot open %s\n", argv[1]); return 1; }
    if (fread(&n, 8, 1, file) != 1 || fread(&nnz, 8, 1, file) != 1) { fprintf(stderr, "%s: truncated header\n", argv[1]); return 1; }
    rp = huge_alloc(8 * (n + 1));
    col = huge_alloc(4 * nnz);
    if (fread(rp, 8, n + 1, file) != (size_t)(n + 1) || fread(col, 4, nnz, file) != (size_t)nnz) {
        fprintf(stderr, "%s: truncated body\n", argv[1]);
        return 1;
    }
    fclose(file);
    // The out-edge CSR by counting sort: row u lists its destinations in increasing order, with their edge ids.
    trp = huge_alloc(8 * (n + 1));
    tcol = huge_alloc(4 * nnz);
    teid = huge_alloc(4 * nnz);
    for (int64_t k = 0; k < nnz; k++) trp[col[k] + 1]++;
    for (int64_t i = 0; i < n; i++) trp[i + 1] += trp[i];
    int64_t *fill = malloc(8 * n);
    memcpy(fill, trp, 8 * n);
    for (int64_t v = 0; v < n; v++)
        for (int64_t k = rp[v]; k < rp[v + 1]; k++) {
            int64_t p = fill[col[k]]++;
            tcol[p] = (int32_t)v;
            teid[p] = (int32_t)k;
        }
    free(fill);
    const int rounds = atoi(argv[2]) > 0 ? atoi(argv[2]) : 5;
    for (int a = 3; a < argc; a++) {
        char name[32];
        int f = 0, c = -1;
        if (sscanf(argv[a], "%31[a-z_]:%d", name, &f) != 2) { fprintf(stderr, "bad case '%s'; expected NAME:F\n", argv[a]); return 2; }
        for (int i = 0; i < 5; i++)
            if (!strcmp(name, names[i])) c = i;
        if (c < 0 || (f != 16 && f != 32 && f != 64 && f != 128) || (c >= U_MUL_E && f < 64)) {
            fprintf(stderr, "unsupported case '%s' (names: copy_u weighted weighted_grad u_mul_e u_dot_v; F: 16 32 64 128, 64+ for the 4-head ones)\n", argv[a]);
            return 2;
        }
        const int h = c >= U_MUL_E ? 4 : 1;
        buffers b = {0};
        b.x = features(n * f, 1);
        b.g = features(n * f, 2);
        b.out = huge_alloc(4 * n * f);
        b.dx = huge_alloc(4 * n * f);
        b.w = features(nnz * h, 3);
        b.dw = huge_alloc(4 * nnz * h);
        if (c == U_DOT_V) {
            b.y = features(n * f, 4);
            b.ge = features(nnz * h, 5);
            b.dy = huge_alloc(4 * n * f);
        }
        void (*fwd)(int, buffers *) = f == 16 ? forward_16 : f == 32 ? forward_32 : f == 64 ? forward_64 : forward_128;
        void (*bwd)(int, buffers *) = f == 16 ? backward_16 : f == 32 ? backward_32 : f == 64 ? backward_64 : backward_128;
        fwd(c, &b);
        bwd(c, &b);
        double tf[64], tb[64], tr[64];
        const int r = rounds > 64 ? 64 : rounds;
        for (int i = 0; i < r; i++) {
            double t0 = now_ms();
            fwd(c, &b);
            double t1 = now_ms();
            bwd(c, &b);
            double t2 = now_ms();
            tf[i] = t1 - t0;
            tb[i] = t2 - t1;
            tr[i] = tb[i] / tf[i];
        }
        qsort(tf, r, sizeof(double), cmp_double);
        qsort(tb, r, sizeof(double), cmp_double);
        qsort(tr, r, sizeof(double), cmp_double);
        printf("RESULT case=%s F=%d fwd=%.1f bwd=%.1f ratio=%.3f\n", name, f, tf[r / 2], tb[r / 2], tr[r / 2]);
        fflush(stdout);
        free(b.x); free(b.g); free(b.out); free(b.dx); free(b.w); free(b.dw);
        if (c == U_DOT_V) { free(b.y); free(b.ge); free(b.dy); }
    }
    return 0;
}
