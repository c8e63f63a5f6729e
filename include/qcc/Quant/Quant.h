//===- Quant.h - the QccQuant contract (docs/Design.md Contract 6, part C) -===//
//
// One include for users of the quantization library: schemes, quantized
// weights and round-to-nearest. The algorithms have their own headers
// (Gptq.h, Awq.h, SmoothQuant.h, Sensitivity.h, Knapsack.h, StatsFile.h,
// StatsAccumulator.h, PlanFile.h); docs/Quantization.md describes them all.
//===----------------------------------------------------------------------===//
#ifndef QCC_QUANT_QUANT_H
#define QCC_QUANT_QUANT_H

#include "qcc/Quant/QuantizedWeight.h"
#include "qcc/Quant/Scheme.h"

#endif // QCC_QUANT_QUANT_H
