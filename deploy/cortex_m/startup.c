/* Startup code of the Cortex-M firmware that runs an exported model under QEMU (`-M mps2-an385`,
 * a Cortex-M3): the vector table, the reset handler (copies .data, zeroes .bss, calls main, exits
 * through semihosting), a fault handler that reports and exits, and the few memory functions a
 * freestanding C compiler may call. No C library: the image is linked with -nostdlib -lgcc. */
#include <stddef.h>
#include <stdint.h>

#include "semihost.h"

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[], __stack_top[];
int main(void);
void SysTick_Handler(void);

int semihost_call(int op, const void *arg) {
  register int r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void semihost_write(const char *text) { semihost_call(0x04, text); /* SYS_WRITE0 */ }

void semihost_exit(int status) {
  /* SYS_EXIT with ADP_Stopped_ApplicationExit (QEMU exits 0) or ADP_Stopped_RunTimeErrorUnknown (1). */
  semihost_call(0x18, (const void *)(uintptr_t)(status == 0 ? 0x20026u : 0x20023u));
  for (;;) {
  }
}

void Reset_Handler(void) {
  const uint32_t *src = __data_load;
  uint32_t *dst;
  for (dst = __data_start; dst < __data_end;) *dst++ = *src++;
  for (dst = __bss_start; dst < __bss_end;) *dst++ = 0;
  semihost_exit(main());
}

static void Fault_Handler(void) {
  semihost_write("firmware: fault\n");
  semihost_exit(1);
}

void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (d < s) return memcpy(dst, src, n);
  while (n--) d[n] = s[n];
  return dst;
}

void *memset(void *dst, int value, size_t n) {
  unsigned char *d = dst;
  while (n--) *d++ = (unsigned char)value;
  return dst;
}

/* The ARMv7-M vector table: initial stack pointer, then the handlers. */
__attribute__((section(".vectors"), used)) void (*const vector_table[16])(void) = {
    (void (*)(void))(uintptr_t)__stack_top, Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, Fault_Handler, 0, 0, 0, 0, Fault_Handler, Fault_Handler, 0, Fault_Handler, SysTick_Handler,
};
