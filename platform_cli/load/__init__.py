"""Bytes to a typed landscape: the hardened YAML reader, the JSON Schemas, the model and the document cache."""
