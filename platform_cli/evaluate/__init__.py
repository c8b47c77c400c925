"""Running the checks over a revision: the pipeline, the incremental algorithm and its state store."""
