/* Host test driver for {{NAME}}, written in C to exercise the plain-C header.
 *   driver run CLIPS.f32 N CHUNK [PROBE]   N clips of {{UPPER}}_CLIP_SAMPLES float32 samples. CHUNK = 0: classify();
 *                                          else reset + push in chunks of CHUNK + logits. With PROBE > 0 it
 *                                          also prints logits() after every PROBE samples (at chunk ends).
 *   driver bench CLIPS.f32 N REPEAT        classify() the clips REPEAT times; prints clips/s.
 * Logits are printed as the 8 hex digits of their float32 bits (exact), one clip or probe per line. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "{{NAME}}.h"

static float* read_clips(const char* path, long n) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) { perror(path); exit(2); }
  float* data = (float*)malloc(sizeof(float) * (size_t)n * {{UPPER}}_CLIP_SAMPLES);
  size_t want = (size_t)n * {{UPPER}}_CLIP_SAMPLES;
  if (data == NULL || fread(data, sizeof(float), want, f) != want) { fprintf(stderr, "short read %s\n", path); exit(2); }
  fclose(f);
  return data;
}

static void print_logits(const char* tag, long at) {
  float out[{{UPPER}}_CLASSES];
  {{NAME}}_logits(out);
  printf("%s %ld", tag, at);
  for (int k = 0; k < {{UPPER}}_CLASSES; ++k) {
    unsigned int bits;
    memcpy(&bits, &out[k], sizeof bits);
    printf(" %08x", bits);
  }
  printf("\n");
}

int main(int argc, char** argv) {
  if (argc < 5) { fprintf(stderr, "usage: %s run|bench CLIPS.f32 N CHUNK|REPEAT [PROBE]\n", argv[0]); return 2; }
  const long n = atol(argv[3]);
  const long arg = atol(argv[4]);
  float* clips = read_clips(argv[2], n);
  {{NAME}}_init();
  if (strcmp(argv[1], "bench") == 0) {
    float out[{{UPPER}}_CLASSES];
    volatile int sink = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long r = 0; r < arg; ++r)
      for (long c = 0; c < n; ++c) sink += {{NAME}}_classify(clips + c * {{UPPER}}_CLIP_SAMPLES, out);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("clips %ld seconds %.9f clips_per_s %.3f sink %d\n", n * arg, seconds, (double)(n * arg) / seconds, sink);
  } else {
    const long probe = argc > 5 ? atol(argv[5]) : 0;
    for (long c = 0; c < n; ++c) {
      const float* clip = clips + c * {{UPPER}}_CLIP_SAMPLES;
      if (arg == 0) {
        float out[{{UPPER}}_CLASSES];
        const int best = {{NAME}}_classify(clip, out);
        if (best < 0 || best >= {{UPPER}}_CLASSES || {{NAME}}_label(best) == NULL) { fprintf(stderr, "bad class %d\n", best); return 1; }
      } else {
        {{NAME}}_reset();
        long next_probe = probe;
        for (long at = 0; at < {{UPPER}}_CLIP_SAMPLES; at += arg) {
          const long rest = {{UPPER}}_CLIP_SAMPLES - at;
          const long len = rest < arg ? rest : arg;
          {{NAME}}_push(clip + at, (uint32_t)len);
          if (probe > 0 && at + len >= next_probe && at + len < {{UPPER}}_CLIP_SAMPLES) {
            print_logits("probe", at + len);
            while (next_probe <= at + len) next_probe += probe;
          }
        }
      }
      print_logits("clip", c);
    }
  }
  free(clips);
  return 0;
}
