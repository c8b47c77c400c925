"""Requests people make by command: new resources, promotions, and the YAML writer."""
