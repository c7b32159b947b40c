"""Synthetic terms (autumn demo and spring) with answer keys written independently of the pipeline."""
