//! Excitatory-inhibitory networks (in progress).
