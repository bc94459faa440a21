/* ARM semihosting (bkpt 0xab on M-profile): console output and exit, for running under qemu. */
#ifndef SEMIHOST_H_
#define SEMIHOST_H_
#include <stdint.h>
void semihost_write0(const char* text);
__attribute__((noreturn)) void semihost_exit(int code);
#endif
