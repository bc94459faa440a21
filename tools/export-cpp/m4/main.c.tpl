/* Test firmware: streams the clip in clip.h through {{NAME}} once per chunk size in CHUNKS and prints the
 * logits over semihosting as float32 bit patterns (exact), then classify()'s argmax and the pooled count.
 * It also prints the SysTick ticks spent streaming the clip: under qemu -icount shift=0 one instruction
 * takes 1 ns of virtual time and SysTick runs at the board's 25 MHz, so instructions ≈ 40 · ticks. */
#include <stdint.h>
#include <string.h>
#include "{{NAME}}.h"
#include "clip.h"
#include "semihost.h"

#ifndef CHUNKS
#define CHUNKS 160
#endif
static const uint32_t kChunks[] = {CHUNKS};

static void put_hex(char* dst, uint32_t value) {
  static const char digits[] = "0123456789abcdef";
  for (int n = 7; n >= 0; --n) dst[7 - n] = digits[(value >> (4 * n)) & 0xFu];
}

/* Writes tag + decimal value at dst (no terminator); returns the length. */
static size_t format_uint(char* dst, const char* tag, uint32_t value) {
  char digits[12];
  int n = 0;
  do { digits[n++] = (char)('0' + value % 10u); value /= 10u; } while (value != 0u);
  size_t at = strlen(tag);
  memcpy(dst, tag, at);
  while (n > 0) dst[at++] = digits[--n];
  return at;
}

static void put_uint(const char* tag, uint32_t value) {
  char line[48];
  size_t at = format_uint(line, tag, value);
  line[at++] = '\n';
  line[at] = '\0';
  semihost_write0(line);
}

#define SYST_CSR (*(volatile uint32_t*)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t*)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t*)0xE000E018u)
extern volatile uint32_t g_systick_wraps;

/* Streams the clip in chunks of `chunk` and prints "logits <chunk> <hex>…" and "ticks <chunk> <n>". */
static void stream_clip(uint32_t chunk) {
  static char line[16 + 9 * {{UPPER}}_CLASSES + 2];
  float logits[{{UPPER}}_CLASSES];
  {{NAME}}_reset();
  g_systick_wraps = 0u;
  SYST_RVR = 0x00FFFFFFu;
  SYST_CVR = 0u;
  SYST_CSR = 0x7u; /* enable, interrupt on wrap, processor clock */
  for (uint32_t at = 0; at < {{UPPER}}_CLIP_SAMPLES; at += chunk) {
    const uint32_t rest = {{UPPER}}_CLIP_SAMPLES - at;
    {{NAME}}_push(kClip + at, rest < chunk ? rest : chunk);
  }
  {{NAME}}_logits(logits);
  const uint32_t now = SYST_CVR;
  SYST_CSR = 0u;
  const uint32_t ticks = g_systick_wraps * 0x01000000u + (0x00FFFFFFu - now);

  size_t pos = format_uint(line, "logits ", chunk);
  for (int k = 0; k < {{UPPER}}_CLASSES; ++k) {
    uint32_t bits;
    memcpy(&bits, &logits[k], sizeof bits);
    line[pos++] = ' ';
    put_hex(line + pos, bits);
    pos += 8;
  }
  line[pos++] = '\n';
  line[pos] = '\0';
  semihost_write0(line);
  pos = format_uint(line, "ticks ", chunk);
  line[pos++] = ' ';
  pos += format_uint(line + pos, "", ticks);
  line[pos++] = '\n';
  line[pos] = '\0';
  semihost_write0(line);
}

int main(void) {
  {{NAME}}_init();
  for (size_t n = 0; n < sizeof kChunks / sizeof kChunks[0]; ++n) stream_clip(kChunks[n]);
  put_uint("pooled ", {{NAME}}_pooled_count());
  put_uint("class ", (uint32_t){{NAME}}_classify(kClip, 0));
  return 0;
}
