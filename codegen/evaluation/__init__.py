"""Evaluation: the field's metrics, a resumable runner, and reports (`dslgen eval`)."""
