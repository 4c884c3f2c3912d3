"""The benchmark runner's parts (Benchmarks/run is the command)."""
