/* Minimal Cortex-M4F startup for the export-cpp test firmware: vector table, .data/.bss set-up,
 * FPU enable, static constructors, main(), then a semihosting exit with main's return code.
 * Written for this project (no vendor CMSIS); symbols come from linker.ld. */
#include <stdint.h>
#include "semihost.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);
int main(void);

void Reset_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void);

/* SysTick wrap-arounds, for the instruction count in main.c (SysTick is a 24-bit down-counter). */
volatile uint32_t g_systick_wraps;
void SysTick_Handler(void) { ++g_systick_wraps; }

/* Runs before the FPU is on, so nothing here may touch a float register. */
__attribute__((noreturn)) void Reset_Handler(void) {
  for (uint32_t *src = &_sidata, *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
  for (uint32_t* dst = &_sbss; dst < &_ebss;) *dst++ = 0u;
  /* CPACR: full access to CP10 and CP11 (the single-precision FPU), then flush the pipeline. */
  *(volatile uint32_t*)0xE000ED88u |= (0xFu << 20);
  __asm volatile("dsb\n\tisb" ::: "memory");
  for (void (**f)(void) = __init_array_start; f < __init_array_end; ++f) (*f)();
  semihost_exit(main());
}

__attribute__((noreturn)) void Default_Handler(void) {
  semihost_write0("fault: unexpected exception\n");
  semihost_exit(3);
}

/* Initial SP, reset, NMI, HardFault, MemManage, BusFault, UsageFault; the rest are unused here. */
__attribute__((section(".isr_vector"), used)) void (*const g_vectors[16])(void) = {
    (void (*)(void))(&_estack), Reset_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler, 0, 0, 0, 0, Default_Handler, Default_Handler, 0, Default_Handler, SysTick_Handler,
};
