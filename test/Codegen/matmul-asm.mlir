// RUN: qcc-opt %s -qcc-lower-to-llvm="target=avx512 ukernels=false" | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=skylake-avx512 | FileCheck %s --check-prefix=AVX512
// RUN: qcc-opt %s -qcc-lower-to-llvm="target=avx2 ukernels=false" | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=haswell | FileCheck %s --check-prefix=AVX2

// The 512^3 f32 matmul's micro-kernel, in the outlined parallel body: per K
// step, two B vectors are loaded from the packed panel, each A element is
// broadcast once and feeds one FMA per B vector. With zmm that is 8 rows x
// 2 registers = 16 FMAs; with ymm 6 rows x 2 = 12 FMAs. No zmm may appear in
// AVX2 code.

// AVX512-LABEL: main_par{{.*}}:
// AVX512: vbroadcastss {{.*}}, %zmm[[A0:[0-9]+]]
// AVX512-NEXT: vfmadd231ps {{.*}}%zmm[[A0]]{{.*}}
// AVX512-NEXT: vfmadd231ps {{.*}}%zmm[[A0]]{{.*}}
// AVX512-NEXT: vbroadcastss {{.*}}, %zmm[[A1:[0-9]+]]
// AVX512-NEXT: vfmadd231ps {{.*}}%zmm[[A1]]{{.*}}
// AVX512-NEXT: vfmadd231ps {{.*}}%zmm[[A1]]{{.*}}
// AVX512-NEXT: vbroadcastss {{.*}}, %zmm[[A2:[0-9]+]]
// AVX512-NEXT: vfmadd231ps {{.*}}%zmm[[A2]]{{.*}}
// AVX512-NEXT: vfmadd231ps {{.*}}%zmm[[A2]]{{.*}}
// AVX512-NEXT: vbroadcastss {{.*}}, %zmm[[A3:[0-9]+]]
// AVX512-NEXT: vfmadd231ps {{.*}}%zmm[[A3]]{{.*}}
// AVX512-NEXT: vfmadd231ps {{.*}}%zmm[[A3]]{{.*}}
// AVX512-NEXT: vbroadcastss {{.*}}, %zmm[[A4:[0-9]+]]
// AVX512-NEXT: vfmadd231ps {{.*}}%zmm[[A4]]{{.*}}
// AVX512-NEXT: vfmadd231ps {{.*}}%zmm[[A4]]{{.*}}
// AVX512-NEXT: vbroadcastss {{.*}}, %zmm[[A5:[0-9]+]]
// AVX512-NEXT: vfmadd231ps {{.*}}%zmm[[A5]]{{.*}}
// AVX512-NEXT: vfmadd231ps {{.*}}%zmm[[A5]]{{.*}}
// AVX512-NEXT: vbroadcastss {{.*}}, %zmm[[A6:[0-9]+]]
// AVX512-NEXT: vfmadd231ps {{.*}}%zmm[[A6]]{{.*}}
// AVX512-NEXT: vfmadd231ps {{.*}}%zmm[[A6]]{{.*}}
// AVX512-NEXT: vbroadcastss {{.*}}, %zmm[[A7:[0-9]+]]
// AVX512-NEXT: vfmadd231ps {{.*}}%zmm[[A7]]{{.*}}
// AVX512-NEXT: vfmadd231ps {{.*}}%zmm[[A7]]{{.*}}
// AVX512: _mlir_ciface_main:

// AVX2-NOT: zmm
// AVX2-LABEL: main_par{{.*}}:
// AVX2: vbroadcastss {{.*}}, %ymm[[A0:[0-9]+]]
// AVX2-NEXT: vfmadd231ps {{.*}}%ymm[[A0]]{{.*}}
// AVX2-NEXT: vfmadd231ps {{.*}}%ymm[[A0]]{{.*}}
// AVX2-NEXT: vbroadcastss {{.*}}, %ymm[[A1:[0-9]+]]
// AVX2-NEXT: vfmadd231ps {{.*}}%ymm[[A1]]{{.*}}
// AVX2-NEXT: vfmadd231ps {{.*}}%ymm[[A1]]{{.*}}
// AVX2-NEXT: vbroadcastss {{.*}}, %ymm[[A2:[0-9]+]]
// AVX2-NEXT: vfmadd231ps {{.*}}%ymm[[A2]]{{.*}}
// AVX2-NEXT: vfmadd231ps {{.*}}%ymm[[A2]]{{.*}}
// AVX2-NEXT: vbroadcastss {{.*}}, %ymm[[A3:[0-9]+]]
// AVX2-NEXT: vfmadd231ps {{.*}}%ymm[[A3]]{{.*}}
// AVX2-NEXT: vfmadd231ps {{.*}}%ymm[[A3]]{{.*}}
// AVX2-NEXT: vbroadcastss {{.*}}, %ymm[[A4:[0-9]+]]
// AVX2-NEXT: vfmadd231ps {{.*}}%ymm[[A4]]{{.*}}
// AVX2-NEXT: vfmadd231ps {{.*}}%ymm[[A4]]{{.*}}
// AVX2-NEXT: vbroadcastss {{.*}}, %ymm[[A5:[0-9]+]]
// AVX2-NEXT: vfmadd231ps {{.*}}%ymm[[A5]]{{.*}}
// AVX2-NEXT: vfmadd231ps {{.*}}%ymm[[A5]]{{.*}}
// AVX2: _mlir_ciface_main:
// AVX2-NOT: zmm

func.func @main(%a: tensor<512x512xf32>, %b: tensor<512x512xf32>) -> tensor<512x512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<512x512xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<512x512xf32>) -> tensor<512x512xf32>
  %r = linalg.matmul ins(%a, %b : tensor<512x512xf32>, tensor<512x512xf32>) outs(%c : tensor<512x512xf32>) -> tensor<512x512xf32>
  return %r : tensor<512x512xf32>
}
