/* ARM semihosting calls (ARM DUI 0471 / the Semihosting for AArch32 spec): r0 = operation, r1 = argument. */
#include "semihost.h"

#define SYS_WRITE0 0x04u
#define SYS_EXIT 0x18u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define ADP_STOPPED_RUNTIME_ERROR_UNKNOWN 0x20023u

static uint32_t semihost_call(uint32_t op, const void* arg) {
  register uint32_t r0 __asm("r0") = op;
  register const void* r1 __asm("r1") = arg;
  __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void semihost_write0(const char* text) { (void)semihost_call(SYS_WRITE0, text); }

/* AArch32 SYS_EXIT takes the reason itself: qemu exits 0 for ApplicationExit, 1 otherwise. */
void semihost_exit(int code) {
  (void)semihost_call(SYS_EXIT, (const void*)(code == 0 ? ADP_STOPPED_APPLICATION_EXIT : ADP_STOPPED_RUNTIME_ERROR_UNKNOWN));
  for (;;) {
  }
}
