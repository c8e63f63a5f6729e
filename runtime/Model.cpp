//===- Model.cpp - qcc runtime C API: loading and running compiled models --===//
#include "Internal.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <new>
#include <sys/stat.h>

using qcc::rt::makeStatus;

namespace {

void fillInfo(const qcc::rt::ValueInfo &v,
              const std::vector<const char *> &dimNames,
              qcc_value_info_t *out) {
  out->name = v.name.c_str();
  out->element_type = static_cast<qcc_element_type_t>(v.elementType);
  out->rank = static_cast<int32_t>(v.dims.size());
  out->dims = v.dims.data();
  out->dim_names = dimNames.data();
}

std::vector<std::vector<const char *>>
dimNamePointers(const std::vector<qcc::rt::ValueInfo> &values) {
  std::vector<std::vector<const char *>> result;
  for (const qcc::rt::ValueInfo &v : values) {
    std::vector<const char *> names;
    for (const std::string &n : v.dimNames)
      names.push_back(n.c_str());
    result.push_back(std::move(names));
  }
  return result;
}

qcc_status_t openImpl(const char *path, const qcc_model_options_t *options,
                      qcc_model_t **out_model) {
  if (options && options->struct_size < sizeof(qcc_model_options_t))
    return makeStatus(QCC_STATUS_INCOMPATIBLE,
                      "qcc_model_options_t was not initialized with "
                      "qcc_model_options_initialize");
  if (options && options->flags != 0)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "qcc_model_options_t::flags must be 0");
  struct stat st;
  if (stat(path, &st) != 0)
    return makeStatus(QCC_STATUS_NOT_FOUND,
                      std::string("cannot open model '") + path +
                          "': " + std::strerror(errno));
  auto model = std::make_unique<qcc_model_s>();
  model->path = path;
  // A relative path without '/' would make dlopen search the library path.
  std::string dlPath = std::strchr(path, '/') ? path : std::string("./") + path;
  model->handle = dlopen(dlPath.c_str(), RTLD_LOCAL | RTLD_NOW);
  if (!model->handle) {
    const char *err = dlerror();
    return makeStatus(QCC_STATUS_UNAVAILABLE,
                      std::string("cannot load model '") + path +
                          "': " + (err ? err : "dlopen failed"));
  }
  auto fail = [&](qcc_status_code_t code, const std::string &msg) {
    dlclose(model->handle);
    return makeStatus(code, "model '" + std::string(path) + "': " + msg);
  };
  void *sym = dlsym(model->handle, QCC_MODEL_GET_API_SYMBOL);
  if (!sym)
    return fail(QCC_STATUS_NOT_FOUND,
                "not a qcc model (no " QCC_MODEL_GET_API_SYMBOL " symbol)");
  auto getApi = reinterpret_cast<qcc_get_api_fn>(sym);
  model->api = static_cast<const qcc_model_api_v1_t *>(
      getApi(QCC_MODEL_ABI_VERSION));
  if (!model->api || model->api->abi_version != QCC_MODEL_ABI_VERSION ||
      model->api->struct_size < sizeof(qcc_model_api_v1_t))
    return fail(QCC_STATUS_INCOMPATIBLE,
                "model ABI version " + std::to_string(QCC_MODEL_ABI_VERSION) +
                    " is not supported by this model.so");
  std::string error;
  if (!qcc::rt::parseMetadata(model->api->metadata, model->sig, error))
    return fail(QCC_STATUS_INCOMPATIBLE, error);
  if (!qcc::rt::hostSupportsTarget(model->sig, error))
    return fail(QCC_STATUS_UNAVAILABLE, error);
  model->inputDimNames = dimNamePointers(model->sig.inputs);
  model->outputDimNames = dimNamePointers(model->sig.outputs);
  *out_model = model.release();
  return nullptr;
}

} // namespace

extern "C" {

void qcc_model_options_initialize(qcc_model_options_t *options) {
  if (!options)
    return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
}

qcc_status_t qcc_model_open(const char *path, const qcc_model_options_t *options,
                            qcc_model_t **out_model) {
  if (!out_model)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "out_model is null");
  *out_model = nullptr;
  if (!path)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "path is null");
  try {
    return openImpl(path, options, out_model);
  } catch (const std::bad_alloc &) {
    return makeStatus(QCC_STATUS_OUT_OF_MEMORY, "out of memory");
  }
}

void qcc_model_free(qcc_model_t *model) {
  if (!model)
    return;
  if (model->handle)
    dlclose(model->handle);
  delete model;
}

size_t qcc_model_input_count(const qcc_model_t *model) {
  return model ? model->sig.inputs.size() : 0;
}

size_t qcc_model_output_count(const qcc_model_t *model) {
  return model ? model->sig.outputs.size() : 0;
}

qcc_status_t qcc_model_input_info(const qcc_model_t *model, size_t index,
                                  qcc_value_info_t *out_info) {
  if (!model || !out_info)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "model or out_info is null");
  if (index >= model->sig.inputs.size())
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "input index " + std::to_string(index) +
                          " out of range (model has " +
                          std::to_string(model->sig.inputs.size()) + ")");
  fillInfo(model->sig.inputs[index], model->inputDimNames[index], out_info);
  return nullptr;
}

qcc_status_t qcc_model_output_info(const qcc_model_t *model, size_t index,
                                   qcc_value_info_t *out_info) {
  if (!model || !out_info)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "model or out_info is null");
  if (index >= model->sig.outputs.size())
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                      "output index " + std::to_string(index) +
                          " out of range (model has " +
                          std::to_string(model->sig.outputs.size()) + ")");
  fillInfo(model->sig.outputs[index], model->outputDimNames[index], out_info);
  return nullptr;
}

int64_t qcc_model_find_input(const qcc_model_t *model, const char *name) {
  if (!model || !name)
    return -1;
  for (size_t i = 0; i < model->sig.inputs.size(); ++i)
    if (model->sig.inputs[i].name == name)
      return static_cast<int64_t>(i);
  return -1;
}

qcc_status_t qcc_model_run(const qcc_model_t *model, qcc_context_t *context,
                           qcc_tensor_t *const *inputs, size_t num_inputs,
                           qcc_tensor_t **outputs, size_t num_outputs) {
  if (!model)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "model is null");
  if (num_inputs && !inputs)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "inputs is null");
  if (num_outputs && !outputs)
    return makeStatus(QCC_STATUS_INVALID_ARGUMENT, "outputs is null");
  try {
    std::vector<qcc_buffer_view_t> in(num_inputs);
    for (size_t i = 0; i < num_inputs; ++i) {
      const qcc_tensor_t *t = inputs[i];
      if (!t)
        return makeStatus(QCC_STATUS_INVALID_ARGUMENT,
                          "input " + std::to_string(i) + " is null");
      std::memset(&in[i], 0, sizeof(in[i]));
      in[i].element_type = t->elementType;
      in[i].rank = t->rank;
      std::memcpy(in[i].shape, t->shape, sizeof(t->shape));
      in[i].data = t->data;
    }
    std::vector<qcc_buffer_view_t> out(num_outputs);
    std::vector<qcc_tensor_t *> tensors(num_outputs, nullptr);
    for (size_t j = 0; j < num_outputs; ++j) {
      tensors[j] = new (std::nothrow) qcc_tensor_s;
      if (!tensors[j]) {
        for (qcc_tensor_t *t : tensors)
          delete t;
        return makeStatus(QCC_STATUS_OUT_OF_MEMORY, "out of memory");
      }
    }
    char error[1024] = {0};
    const qcc_executor_t *executor =
        context && context->pool->numThreads() > 1 ? context->pool->executor()
                                                   : nullptr;
    int32_t code = model->api->run(executor, in.data(), num_inputs, out.data(),
                                   num_outputs, error, sizeof(error));
    if (code != QCC_STATUS_OK) {
      for (qcc_tensor_t *t : tensors)
        delete t;
      return makeStatus(static_cast<qcc_status_code_t>(code), error);
    }
    for (size_t j = 0; j < num_outputs; ++j) {
      qcc_tensor_t *t = tensors[j];
      t->elementType = out[j].element_type;
      t->rank = out[j].rank;
      std::memcpy(t->shape, out[j].shape, sizeof(t->shape));
      t->data = out[j].data;
      t->byteSize = static_cast<size_t>(
                        qcc::rt::elementCount(out[j].shape, out[j].rank)) *
                    qcc::rt::elementTypeSize(out[j].element_type);
      t->ownedBlock = out[j].allocation;
      outputs[j] = t;
    }
    return nullptr;
  } catch (const std::bad_alloc &) {
    return makeStatus(QCC_STATUS_OUT_OF_MEMORY, "out of memory");
  }
}

} // extern "C"
