"""The model runtime: load any causal LM directory (numpy for small Llama checkpoints, transformers
otherwise) and give the decoder one view of it. Training lives in `codegen.training`."""
