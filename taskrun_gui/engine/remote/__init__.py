"""Runs on other machines over SSH (issue: hosts, batches, clean stop). `on_host` is what
engine/runner.py calls where it would start a local process."""
