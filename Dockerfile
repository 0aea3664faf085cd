# Autograd Lab in a container: CPU-only torch, a non-root user, a health check.
# 3.11.8 or newer: before it, threads parsing Python at once could raise a spurious
# SystemError (CPython gh-106905), and every learner's session is a thread.
FROM python:3.11.11-slim

# One torch thread per server process (lessons/__init__.py sets it too): learners share
# the process, and one request must not take every core from the others.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OMP_NUM_THREADS=1 \
    MKL_NUM_THREADS=1

WORKDIR /app

# torch first, from PyTorch's CPU-only index: PyPI's Linux wheel bundles CUDA libraries
# (several GB) that a CPU container never uses. requirements.txt then finds torch==2.13.0
# already satisfied by 2.13.0+cpu.
# Its C++ headers, test binaries and tools (about 190 MB) serve extension builders, not the
# app: drop them in the same layer, or they would still count in the image. `import torch`
# needs bin/torch_shm_manager, so that one stays (checked by running a page in the image).
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
    && torch_dir=$(python -c "import importlib.util as u, os; print(os.path.dirname(u.find_spec('torch').origin))") \
    && rm -rf "$torch_dir/include" "$torch_dir/test" \
    && find "$torch_dir/bin" -type f ! -name torch_shm_manager -delete
COPY requirements.txt .
RUN pip install -r requirements.txt

# Only what the app runs (see .dockerignore); .streamlit/config.toml is the tuned serving
# configuration, so the container serves like `streamlit run app.py` in the README.
COPY . .
RUN useradd --create-home --uid 1000 learner && chown -R learner /app
USER learner

EXPOSE 8501
# The slim image has no curl; Python itself asks Streamlit's health endpoint.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"

CMD ["streamlit", "run", "serve.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
