//! Which slice of a sweep this process runs: `--shard I/N`, or the index a batch engine
//! hands its workers (Kubernetes Indexed Jobs, Slurm arrays, AWS Batch arrays, GitLab
//! `parallel:`). A shard variable without a total, or totals that disagree, is an error:
//! never a silent full run.
//!
//! (Issue 11: to be written.)
