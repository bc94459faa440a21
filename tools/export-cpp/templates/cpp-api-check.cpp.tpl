// Host check of the C++ API of {{NAME}}: classify() and a streamed clip must agree, and the label
// table must be usable. Prints "label <k> <word>" and the logits' float bits like the C driver.
#include <stdio.h>
#include <string.h>
#include "{{NAME}}.hpp"

static float g_clip[{{NAME}}::kClipSamples];

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  FILE* f = fopen(argv[1], "rb");
  if (f == nullptr || fread(g_clip, sizeof(float), {{NAME}}::kClipSamples, f) != static_cast<size_t>({{NAME}}::kClipSamples)) return 2;
  fclose(f);
  float whole[{{NAME}}::kClasses];
  const int best = {{NAME}}::classify(g_clip, whole);
  {{NAME}}::reset();
  for (int at = 0; at < {{NAME}}::kClipSamples; at += 333) {
    const int rest = {{NAME}}::kClipSamples - at;
    {{NAME}}::push(g_clip + at, static_cast<uint32_t>(rest < 333 ? rest : 333));
  }
  float streamed[{{NAME}}::kClasses];
  {{NAME}}::logits(streamed);
  if (memcmp(whole, streamed, sizeof whole) != 0) return 1;
  if ({{NAME}}::pooledCount() != static_cast<uint32_t>({{NAME}}::kTicksPerClip)) return 1;
  printf("label %d %s\n", best, {{NAME}}::kLabels[best]);
  return 0;
}
