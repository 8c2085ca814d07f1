/*
 * The MS module's matching and displacement steps fused into one pass, for inference on the CPU.
 *
 * For every frame pair (t, t + 1) of every video and every pixel: the P x P local correlation (dot products over
 * C channels, zero outside the map), the official spec's ReLU, the confidence (window maximum) and hard argmax,
 * the Gaussian kernel around it, the temperature softmax and the expected displacement (dx, dy) in [-1, 1] units
 * of k = (P - 1) / 2. Exactly the PyTorch path of msnet/models/{correlation,displacement}.py, which stays the
 * reference (tested against it) and the path for training, tracing and FLOP counting; this file only removes the
 * intermediate (B, P, P, h, w) tensors and the passes over them.
 *
 * Output (N, T, out_channels, H, W) float32, written at channel offset `channel_offset`; the last frame repeats
 * frame T - 2's motion (M(T) = M(T - 1)). `reverse` = 1 matches frame t + 1 against frame t (the backward
 * displacement of Table 3).
 *
 * Built by msnet/models/fused_kernel.py with the machine's gcc (-O3 -march=native -fopenmp) and loaded with ctypes.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LANES 16 /* window offsets per vector; rows are padded so that a full vector is always readable */
typedef float lanes __attribute__((vector_size(LANES * sizeof(float))));
#define BLOCK 4 /* output pixels per register block (four named accumulators below) */
#define SOFTMAX_RANGE 80.0f /* logits below max - 80 are raised to it, as the PyTorch path does */

int ms_fused_abi_version(void) { return 3; }

/* exp(x) for x in [-80, 0]: 2^n * 2^f with n = round(x log2 e), |f| <= 1/2, 2^f by its degree-6 Taylor polynomial
 * (relative error < 2e-7). Plain arithmetic, so the compiler vectorises the softmax loop (libm's expf does not;
 * nor does GCC vectorise fmaxf or rintf without -ffast-math, hence the comparisons and the rounding trick). */
typedef union {
    float f;
    int32_t i;
} bits32;

static inline float exp_nonpositive(float x) {
    const float t = x * 1.44269504088896341f;
    const bits32 shifted = {.f = t + 12582912.0f}; /* 1.5 * 2^23: the sum's low mantissa bits hold round(t) */
    const float n = shifted.f - 12582912.0f;
    const float f = (t - n) * 0.693147180559945309f;
    const float p = 1.0f + f * (1.0f + f * (0.5f + f * (0.166666672f + f * (0.0416666679f + f * (0.00833333377f +
                    f * 0.00138888892f)))));
    const bits32 two_n = {.i = (shifted.i - 0x4B400000 + 127) << 23};
    return p * two_n.f;
}

/*
 * features: (N, T, C, H, W + 2r + LANES * dilation) float32 contiguous, zero-padded by r = k * dilation columns on
 * the left and r + LANES * dilation on the right (the
 * MS module's matching features, NCHW, so a channel's row is contiguous: the P horizontal offsets of a window row
 * are P adjacent floats). out: (N, T, out_channels, H, W).
 */
int ms_fused_displacement(const float *features, float *out, int n_videos, int frames, int height, int width,
                          int channels, int patch, int dilation, int official, int kernel, int confidence,
                          float sigma, float temperature, int reverse, int out_channels, int channel_offset,
                          int threads) {
    const int k = (patch - 1) / 2;
    const int padded = width + 2 * k * dilation + LANES * dilation;
    const float unit = 1.0f / (float)(k > 0 ? k : 1);
    const float denominator = official ? 2.0f * sigma * sigma : sigma * sigma;
    double scale_d = 1.0 / temperature; /* in double, as the Python side computes it */
    if (!official) scale_d /= sqrt(2.0 * 3.14159265358979323846) * sigma;
    const float scale = (float)scale_d;
    const long plane = (long)height * width;
    const long channel_size = (long)height * padded;
    const long frame_size = channel_size * channels;
    const int pairs = frames - 1;
    const int rows = n_videos * pairs * height;
    const int window = patch * patch;
    int failed = 0;
    /* the Gaussian depends on the offset from the argmax only: exp(-d^2 / den) for d = -(P-1) .. P-1 */
    float *gauss = (float *)malloc(sizeof(float) * (2 * patch - 1));
    if (!gauss) return 1;
    for (int d = -(patch - 1); d <= patch - 1; d++) gauss[d + patch - 1] = expf(-(float)(d * d) / denominator);
    /* window offsets of every cell, (j - k) and (i - k), for the expectation */
    float *offset_x = (float *)malloc(sizeof(float) * window), *offset_y = (float *)malloc(sizeof(float) * window);
    if (!offset_x || !offset_y) {
        free(gauss);
        free(offset_x); /* free(NULL) is a no-op */
        free(offset_y);
        return 1;
    }
    for (int q = 0; q < window; q++) {
        offset_x[q] = (float)(q % patch - k);
        offset_y[q] = (float)(q / patch - k);
    }

#pragma omp parallel num_threads(threads)
    {
        float *s = (float *)malloc(sizeof(float) * (size_t)width * window); /* [x][i][j] of one output row */
        float *g = (float *)malloc(sizeof(float) * patch);
        float *e = (float *)malloc(sizeof(float) * window);
        if (!s || !g || !e) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int row = 0; row < rows; row++) {
            if (failed) continue;
            const int y = row % height;
            const int pair = (row / height) % pairs;
            const int video = row / (height * pairs);
            const float *first = features + ((long)video * frames + pair + (reverse ? 1 : 0)) * frame_size;
            const float *second = features + ((long)video * frames + pair + (reverse ? 0 : 1)) * frame_size;
            float *dst = out + (((long)video * frames + pair) * out_channels + channel_offset) * plane + (long)y * width;
            /* correlation of the whole output row: s[x][i][j] = sum_c f1[c, y, x] f2[c, y + (i-k)d, x + (j-k)d],
             * 16 offsets j in one vector register, BLOCK pixels x at a time (independent accumulators: one chain
             * of fused multiply-adds would wait on its own latency) */
            for (int i = 0; i < patch; i++) {
                const int yy = y + (i - k) * dilation;
                if (yy < 0 || yy >= height) { /* outside the map: zeros */
                    for (int x = 0; x < width; x++) memset(s + ((long)x * patch + i) * patch, 0, sizeof(float) * patch);
                    continue;
                }
                const float *a = first + (long)y * padded + k * dilation;
                const float *b = second + (long)yy * padded;
                for (int x0 = 0; x0 < width; x0 += BLOCK) {
                    const int count = width - x0 < BLOCK ? width - x0 : BLOCK;
                    for (int j0 = 0; j0 < patch; j0 += LANES) {
                        /* four named accumulators (an array of them would live on the stack) */
                        lanes acc0 = {0}, acc1 = {0}, acc2 = {0}, acc3 = {0};
                        for (int c = 0; c < channels; c++) {
                            const float *ac = a + c * channel_size + x0;
                            const float *bc = b + c * channel_size + x0 + j0 * dilation;
                            lanes b0, b1, b2, b3;
                            if (dilation == 1) { /* unaligned vector loads */
                                memcpy(&b0, bc, sizeof b0);
                                memcpy(&b1, bc + 1, sizeof b1);
                                memcpy(&b2, bc + 2, sizeof b2);
                                memcpy(&b3, bc + 3, sizeof b3);
                            } else {
                                for (int jj = 0; jj < LANES; jj++) {
                                    b0[jj] = bc[jj * dilation];
                                    b1[jj] = bc[1 + jj * dilation];
                                    b2[jj] = bc[2 + jj * dilation];
                                    b3[jj] = bc[3 + jj * dilation];
                                }
                            }
                            acc0 += ac[0] * b0;
                            acc1 += ac[1] * b1;
                            acc2 += ac[2] * b2;
                            acc3 += ac[3] * b3;
                        }
                        const int end = patch - j0 < LANES ? patch - j0 : LANES;
                        const lanes *accs[BLOCK] = {&acc0, &acc1, &acc2, &acc3};
                        for (int u = 0; u < count; u++) {
                            float *dst_s = s + ((long)(x0 + u) * patch + i) * patch + j0;
                            for (int jj = 0; jj < end; jj++) dst_s[jj] = (*accs[u])[jj];
                        }
                    }
                }
            }
            for (int x = 0; x < width; x++) {
                float *v = s + (long)x * window;
                float best = -3.402823466e38f;
                if (official) {
#pragma omp simd
                    for (int q = 0; q < window; q++) v[q] = v[q] > 0.0f ? v[q] : 0.0f;
                }
#pragma omp simd reduction(max : best)
                for (int q = 0; q < window; q++) best = best > v[q] ? best : v[q];
                int best_at = 0;
                while (v[best_at] != best) best_at++; /* the first maximum, as torch.max */
                /* logits: s * Gaussian(argmax) / tau, or s / tau */
                const int cy = best_at / patch, cx = best_at % patch;
                if (kernel) {
                    const float *gx = gauss + (patch - 1 - cx); /* gx[q] = exp(-(q - cx)^2 / den) */
                    for (int q = 0; q < patch; q++) g[q] = gx[q];
                    for (int i = 0; i < patch; i++) {
                        const float gy = gauss[patch - 1 + i - cy] * scale;
                        float *vi = v + i * patch;
#pragma omp simd
                        for (int j = 0; j < patch; j++) vi[j] = vi[j] * (gy * g[j]);
                    }
                } else {
#pragma omp simd
                    for (int q = 0; q < window; q++) v[q] = v[q] / temperature;
                }
                float top = -3.402823466e38f;
#pragma omp simd reduction(max : top)
                for (int q = 0; q < window; q++) top = top > v[q] ? top : v[q];
#pragma omp simd
                for (int q = 0; q < window; q++) {
                    const float shifted = v[q] - top;
                    e[q] = exp_nonpositive(shifted > -SOFTMAX_RANGE ? shifted : -SOFTMAX_RANGE);
                }
                float total = 0.0f, ex = 0.0f, ey = 0.0f;
#pragma omp simd reduction(+ : total, ex, ey)
                for (int q = 0; q < window; q++) {
                    total += e[q];
                    ex += e[q] * offset_x[q];
                    ey += e[q] * offset_y[q];
                }
                dst[x] = ex / total * unit;
                dst[plane + x] = ey / total * unit;
                if (confidence) dst[2 * plane + x] = best;
            }
        }
        free(s);
        free(g);
        free(e);
    }
    free(gauss);
    free(offset_x);
    free(offset_y);
    if (failed) return 1;
    /* M(T) = M(T - 1): the last frame repeats the last pair's motion */
    const int used = confidence ? 3 : 2;
    for (int video = 0; video < n_videos; video++) {
        float *last = out + (((long)video * frames + frames - 1) * out_channels + channel_offset) * plane;
        const float *previous = out + (((long)video * frames + frames - 2) * out_channels + channel_offset) * plane;
        memcpy(last, previous, sizeof(float) * plane * used);
    }
    return 0;
}
