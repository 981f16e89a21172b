"""Long work as jobs: typed progress events, cancel tokens, states, and a content-hash cache."""

from engine.jobs.cache import StageCache, hash_inputs
from engine.jobs.events import CancelToken, JobState, Progress, ProgressSink, StageReporter
from engine.jobs.job import Job
from engine.jobs.worker import run_in_worker_process

__all__ = [
    "StageCache", "hash_inputs", "CancelToken", "JobState", "Progress", "ProgressSink", "StageReporter",
    "Job", "run_in_worker_process",
]
