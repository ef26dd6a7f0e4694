/* ARM semihosting (the debugger interface QEMU implements with -semihosting-config enable=on). */
#ifndef NITRO_DEPLOY_CORTEX_M_SEMIHOST_H_
#define NITRO_DEPLOY_CORTEX_M_SEMIHOST_H_

int semihost_call(int op, const void *arg);
/* Writes a NUL-terminated string to QEMU's standard output. */
void semihost_write(const char *text);
/* Ends the emulation: QEMU exits with status 0 for status == 0, else 1. */
void semihost_exit(int status);

#endif /* NITRO_DEPLOY_CORTEX_M_SEMIHOST_H_ */
