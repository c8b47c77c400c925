"""GitOps platform toolkit: validate, plan and apply a landscape declared in YAML."""

__version__ = "0.1.0"
