/* Firmware that runs an exported model on the test inputs linked into the image (symbols
 * _binary_inputs_bin_start/_end, made by objcopy from <name>.inputs.bin) and prints, through
 * semihosting, one line per input with its logits, and timing figures from SysTick:
 *
 *   logits 0: -36 -12 ... 91 class 7
 *   ticks 0: 15012
 *   calibration: 2000001 instructions in 50000 ticks
 *   done: 300 inputs, 4503600 ticks
 *
 * Under `qemu-system-arm -icount shift=0` every instruction advances the virtual clock by 1 ns
 * and SysTick counts the 25 MHz processor clock of mps2-an385, so ticks x (instructions / tick
 * from the calibration loop) is the number of instructions executed. Compiled with the same
 * -DNITRO_* macros as deploy/c/host_driver.c. */
#include <stdint.h>

#include NITRO_HEADER
#include "semihost.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SCB_ICSR (*(volatile uint32_t *)0xE000ED04u)

extern const int8_t _binary_inputs_bin_start[], _binary_inputs_bin_end[];

static volatile uint32_t systick_wraps;
void SysTick_Handler(void) { ++systick_wraps; }

/* Processor-clock ticks since the start: SysTick counts down from 2^24 - 1 and interrupts on each
 * wrap; a wrap whose interrupt is still pending (PENDSTSET) counts too. */
static uint64_t Ticks(void) {
  for (;;) {
    const uint32_t wraps = systick_wraps;
    const uint32_t value = SYST_CVR;
    const int pending = (SCB_ICSR & (1u << 26)) != 0;
    if (wraps != systick_wraps) continue;
    return ((uint64_t)(wraps + (pending && value > 0x800000u ? 1u : 0u)) << 24) + (0xFFFFFFu - value);
  }
}

static char *PutU64(char *p, uint64_t v) {
  char digits[21];
  int n = 0;
  do {
    digits[n++] = (char)('0' + (int)(v % 10u));
    v /= 10u;
  } while (v != 0u);
  while (n > 0) *p++ = digits[--n];
  return p;
}

static char *PutI64(char *p, int64_t v) {
  if (v < 0) {
    *p++ = '-';
    return PutU64(p, (uint64_t)0 - (uint64_t)v);
  }
  return PutU64(p, (uint64_t)v);
}

static char *PutText(char *p, const char *s) {
  while (*s) *p++ = *s++;
  return p;
}

static void Finish(char *line, char *p) {
  *p++ = '\n';
  *p = '\0';
  semihost_write(line);
}

/* 2 x n + 1 instructions: `subs` and `bne` per iteration. */
static void CalibrationLoop(uint32_t n) { __asm__ volatile("1: subs %0, #1\n bne 1b\n" : "+r"(n) : : "cc"); }

int main(void) {
  static NITRO_OUTPUT_T logits[NITRO_OUTPUT_SIZE];
  static char line[32 + 12 * NITRO_OUTPUT_SIZE];
  const int8_t *in = _binary_inputs_bin_start;
  const long count = (long)(_binary_inputs_bin_end - _binary_inputs_bin_start) / (long)(NITRO_INPUT_SIZE * sizeof(NITRO_INPUT_T));
  uint64_t total = 0;
  long i;
  SYST_RVR = 0xFFFFFFu;
  SYST_CVR = 0u;
  SYST_CSR = 7u; /* enable, interrupt on wrap, processor clock */
  while (SYST_CVR == 0u) {
    /* the first reload (from the 0 written above) is no wrap: wait for it */
  }
  for (i = 0; i < count; ++i, in += NITRO_INPUT_SIZE * sizeof(NITRO_INPUT_T)) {
    int k;
    char *p;
    const uint64_t t0 = Ticks();
    const int label = NITRO_PREDICT((const NITRO_INPUT_T *)(const void *)in, logits);
    const uint64_t t1 = Ticks();
    total += t1 - t0;
    p = PutText(PutI64(PutText(line, "logits "), i), ":");
    for (k = 0; k < NITRO_OUTPUT_SIZE; ++k) p = PutI64(PutText(p, " "), logits[k]);
    Finish(line, PutI64(PutText(p, " class "), label));
    Finish(line, PutU64(PutText(PutI64(PutText(line, "ticks "), i), ": "), t1 - t0));
  }
  {
    const uint32_t n = 1000000u;
    const uint64_t t0 = Ticks();
    uint64_t ticks;
    CalibrationLoop(n);
    ticks = Ticks() - t0;
    Finish(line, PutText(PutU64(PutText(PutU64(PutText(line, "calibration: "), 2u * n + 1u), " instructions in "), ticks),
                         " ticks"));
  }
  Finish(line, PutText(PutU64(PutText(PutU64(PutText(line, "done: "), (uint64_t)count), " inputs, "), total), " ticks"));
  return 0;
}
