"""XLA's quick compiles for the tests' JAX subprocesses.

A tiny run spends most of its time compiling ~40 small programs (one per weight initialiser shape,
the train and eval steps); without LLVM's optimisation passes each compiles faster and runs the same
(a training run 23 s -> 16 s, building a model eagerly 38 s -> 24 s).
"""

QUICK_XLA_FLAGS = "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
