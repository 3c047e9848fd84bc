"""Exporter from Hugging Face checkpoints to the prunebench ONNX layout (docs/model-format.md)."""

EXPORTER_VERSION = "0.1.0"
