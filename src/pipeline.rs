//! Spawns, wires and stops the worker threads: the only place that knows the topology.
