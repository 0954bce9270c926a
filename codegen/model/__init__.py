"""Model: loading (and, with the default model, training) of causal LMs."""
