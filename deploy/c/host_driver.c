/* A host test driver for exported models: reads samples (NITRO_INPUT_SIZE elements of
 * NITRO_INPUT_T each, raw) from stdin until EOF, runs NITRO_PREDICT on each and writes its logits
 * (NITRO_OUTPUT_SIZE elements of NITRO_OUTPUT_T, raw) to stdout. Compiled with
 *   -DNITRO_HEADER='"mlp1_mnist.h"' -DNITRO_PREDICT=nitro_mlp1_mnist_predict
 *   -DNITRO_INPUT_SIZE=NITRO_MLP1_MNIST_INPUT_SIZE -DNITRO_OUTPUT_SIZE=NITRO_MLP1_MNIST_OUTPUT_SIZE
 *   -DNITRO_INPUT_T=int8_t -DNITRO_OUTPUT_T=int8_t
 * The model's own .c is compiled separately with the strict flags; this file may use stdio.
 */
#include <stdint.h>
#include <stdio.h>

#include NITRO_HEADER

int main(void) {
  static NITRO_INPUT_T input[NITRO_INPUT_SIZE];
  static NITRO_OUTPUT_T logits[NITRO_OUTPUT_SIZE];
  long samples = 0;
  size_t got;
  while ((got = fread(input, sizeof input[0], NITRO_INPUT_SIZE, stdin)) == NITRO_INPUT_SIZE) {
    const int label = NITRO_PREDICT(input, logits);
    int best = 0, k;
    for (k = 1; k < NITRO_OUTPUT_SIZE; ++k) {
      if (logits[k] > logits[best]) best = k;
    }
    if (label != best) {
      fprintf(stderr, "sample %ld: predict returned %d, the first largest logit is %d\n", samples, label, best);
      return 1;
    }
    if (fwrite(logits, sizeof logits[0], NITRO_OUTPUT_SIZE, stdout) != NITRO_OUTPUT_SIZE) return 1;
    ++samples;
  }
  if (got != 0) {
    fprintf(stderr, "a partial sample at the end of the input (%ld whole ones)\n", samples);
    return 1;
  }
  fprintf(stderr, "%ld samples\n", samples);
  return 0;
}
