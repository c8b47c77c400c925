"""Every formatter: check results, plans, manifests and generated docs."""
