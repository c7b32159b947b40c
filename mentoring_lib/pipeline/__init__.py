"""Running a term: the stage catalogue, stage context, runner, kernels, publishing and provenance."""
