# Writes inputs and numpy reference outputs for the addsub test model.
import sys

import numpy as np

d = sys.argv[1]
rng = np.random.default_rng(7)
a = rng.standard_normal((5, 4)).astype(np.float32)
b = rng.standard_normal((5, 4)).astype(np.float32)
np.save(f"{d}/a.npy", a)
np.save(f"{d}/b.npy", b)
np.save(f"{d}/sum.npy", a + b)
np.save(f"{d}/diff.npy", a - b)
np.save(f"{d}/b_f64.npy", b.astype(np.float64))
np.save(f"{d}/b_rank3.npy", b.reshape(5, 4, 1))
np.save(f"{d}/b_5x3.npy", np.zeros((5, 3), np.float32))
np.save(f"{d}/b_6x4.npy", np.zeros((6, 4), np.float32))
