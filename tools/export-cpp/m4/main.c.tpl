/* Test firmware: streams the golden clip in clip.h through {{NAME}} in chunks of CHUNK samples and prints
 * the logits over semihosting as float32 bit patterns (exact), then classify()'s argmax and the pooled count. */
#include <stdint.h>
#include <string.h>
#include "{{NAME}}.h"
#include "clip.h"
#include "semihost.h"

#ifndef CHUNK
#define CHUNK 160
#endif

static void put_hex(char* dst, uint32_t value) {
  static const char digits[] = "0123456789abcdef";
  for (int n = 7; n >= 0; --n) dst[7 - n] = digits[(value >> (4 * n)) & 0xFu];
}

static void put_uint(const char* tag, uint32_t value) {
  char line[48];
  char digits[12];
  int n = 0;
  do { digits[n++] = (char)('0' + value % 10u); value /= 10u; } while (value != 0u);
  size_t at = strlen(tag);
  memcpy(line, tag, at);
  while (n > 0) line[at++] = digits[--n];
  line[at++] = '\n';
  line[at] = '\0';
  semihost_write0(line);
}

int main(void) {
  static char line[8 + 9 * {{UPPER}}_CLASSES + 2];
  float logits[{{UPPER}}_CLASSES];
  {{NAME}}_init();
  for (uint32_t at = 0; at < {{UPPER}}_CLIP_SAMPLES; at += CHUNK) {
    const uint32_t rest = {{UPPER}}_CLIP_SAMPLES - at;
    {{NAME}}_push(kClip + at, rest < CHUNK ? rest : CHUNK);
  }
  {{NAME}}_logits(logits);
  memcpy(line, "logits", 6);
  size_t pos = 6;
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
  put_uint("pooled ", {{NAME}}_pooled_count());
  put_uint("class ", (uint32_t){{NAME}}_classify(kClip, 0));
  return 0;
}
