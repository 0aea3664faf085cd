"""The lessons: pure Python and torch, never Streamlit.

Importing them sets torch to one thread. Every session of a server shares its process, and
with torch's default (a thread per core) one learner's large Jacobian would take every core
from the others. Here, because every module that runs torch for the app is in this package:
every process that serves the app (or tests it) sets it before any lesson's torch work.
Docker and Kubernetes also set OMP_NUM_THREADS=1, for threads that start before this import.
"""

import torch

torch.set_num_threads(1)
