"""The serving recipes in deploy/ are valid and keep the promises the README makes."""

import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from deploy.local import NGINX, main_config, site_config
from tests.helpers import ROOT

MANIFEST = ROOT / "deploy" / "kubernetes" / "autograd-lab.yaml"
KUBERNETES_VERSION = "1.37.0"  # the newest schema kubernetes-validate ships (offline)
HEALTH = "/_stcore/health"


def resources() -> dict[str, dict]:
    return {doc["kind"]: doc for doc in yaml.safe_load_all(MANIFEST.read_text())}


def test_manifests_validate_offline_against_the_kubernetes_schema():
    for resource in resources().values():
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


def test_deployment_probes_health_and_requests_a_core_per_pod():
    container = resources()["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == HEALTH
    assert container["resources"]["requests"]["cpu"] == "1"
    exposed = re.search(r"^EXPOSE (\d+)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert container["ports"][0]["containerPort"] == int(exposed.group(1))


def test_torch_gets_one_thread_in_the_image_and_in_every_pod():
    container = resources()["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    env = {variable["name"]: variable.get("value") for variable in container["env"]}
    dockerfile = (ROOT / "Dockerfile").read_text()
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        assert env[variable] == "1"
        assert re.search(rf"^\s+{variable}=1\b", dockerfile, re.MULTILINE), variable


def test_the_image_pins_a_python_with_thread_safe_parsing():
    """CPython gh-106905 (a spurious SystemError when threads parse at once) is fixed in 3.11.8."""
    base = re.search(
        r"^FROM python:(\d+)\.(\d+)\.(\d+)-slim$", (ROOT / "Dockerfile").read_text(), re.M
    )
    assert base, "the base image names an exact Python release"
    assert tuple(int(part) for part in base.groups()) >= (3, 11, 8)


def test_ingress_keeps_a_browser_on_its_pod_and_its_websocket_open():
    annotations = resources()["Ingress"]["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert annotations[prefix + "affinity"] == "cookie"
    assert int(annotations[prefix + "proxy-read-timeout"]) >= 3600
    assert int(annotations[prefix + "proxy-send-timeout"]) >= 3600


def test_the_nginx_configuration_is_accepted_by_nginx(tmp_path: Path):
    if not shutil.which(NGINX):
        pytest.skip(f"{NGINX} is missing (Debian: apt-get install -y nginx)")
    site = tmp_path / "site.conf"
    site.write_text(site_config([8501, 8502, 8503], 8080, tmp_path / "access.log"))
    assert site.read_text().count("server 127.0.0.1:85") == 3
    config = tmp_path / "nginx.conf"
    config.write_text(main_config(tmp_path, site))
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(config)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


def test_the_image_serves_through_serve_py_whose_app_streamlit_runs_as_asgi():
    """`streamlit run serve.py` finds the st.App in serve.py, so its lifespan (the warm-up)
    runs before the server answers anything, /_stcore/health included."""
    from streamlit.web.server.app_discovery import discover_asgi_app

    command = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert yaml.safe_load(command.group(1))[:3] == ["streamlit", "run", "serve.py"]
    found = discover_asgi_app(ROOT / "serve.py")
    assert found.is_asgi_app and found.import_string.endswith(":app")
    assert 'st.App("app.py", lifespan=' in (ROOT / "serve.py").read_text()
