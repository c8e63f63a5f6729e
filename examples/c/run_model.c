/* run_model.c - minimal C program: loads a model.so with the qcc runtime and runs it on zeros. */
#include <stdio.h>
#include <stdlib.h>

#include "qcc-c/runtime.h"

/* Prints and frees `s`; returns 1 if it was an error. */
static int check(qcc_status_t s, const char *what) {
  if (!s)
    return 0;
  fprintf(stderr, "%s: %s: %s\n", what, qcc_status_code_name(qcc_status_code(s)),
          qcc_status_message(s));
  qcc_status_free(s);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s model.so\n", argv[0]);
    return 2;
  }
  qcc_model_t *model = NULL;
  if (check(qcc_model_open(argv[1], NULL, &model), "open"))
    return 1;

  /* One zero-filled tensor per input (dynamic dimensions set to 1). */
  size_t n_in = qcc_model_input_count(model);
  size_t n_out = qcc_model_output_count(model);
  qcc_tensor_t **inputs = calloc(n_in, sizeof(*inputs));
  qcc_tensor_t **outputs = calloc(n_out, sizeof(*outputs));
  int rc = 1;
  for (size_t i = 0; i < n_in; ++i) {
    qcc_value_info_t info;
    int64_t shape[QCC_MAX_RANK];
    if (check(qcc_model_input_info(model, i, &info), "input info"))
      goto done;
    for (int32_t d = 0; d < info.rank; ++d)
      shape[d] = info.dims[d] < 0 ? 1 : info.dims[d];
    if (check(qcc_tensor_create(info.element_type, info.rank, shape, &inputs[i]),
              "tensor"))
      goto done;
    printf("input %s: %s, rank %d\n", info.name,
           qcc_element_type_name(info.element_type), info.rank);
  }

  qcc_context_options_t options;
  qcc_context_options_initialize(&options);
  options.num_threads = 2;
  qcc_context_t *context = NULL;
  if (check(qcc_context_create(&options, &context), "context"))
    goto done;
  if (!check(qcc_model_run(model, context, inputs, n_in, outputs, n_out),
             "run")) {
    for (size_t j = 0; j < n_out; ++j)
      printf("output %zu: %lld elements of %s\n", j,
             (long long)qcc_tensor_element_count(outputs[j]),
             qcc_element_type_name(qcc_tensor_element_type(outputs[j])));
    rc = 0;
  }
  qcc_context_free(context);
done:
  for (size_t i = 0; i < n_in; ++i)
    qcc_tensor_free(inputs[i]);
  for (size_t j = 0; j < n_out; ++j)
    qcc_tensor_free(outputs[j]);
  free(inputs);
  free(outputs);
  qcc_model_free(model);
  return rc;
}
