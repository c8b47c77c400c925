"""Applying stacks with Pulumi: the operations, the Automation API door, the Pulumi program and the offline preview."""
