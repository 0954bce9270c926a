"""The training wing: corpus builders, tokenizer training, model pretraining and fine-tuning,
checkpoints and publishing. Serving a request never imports it (tests/test_wings.py checks)."""
