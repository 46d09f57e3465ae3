"""Interactive use: JupyterLab serves the project kernel, and the first cells of 01-clean run in it.

As a user meets it after ``make lab``: a JupyterLab server on 127.0.0.1 with
a random token, a kernel opened through the REST API by the project kernel
name (``mek-framing``, registered by ``make setup``), and code sent over the
kernel's websocket channel. Every wait is bounded; the kernel and the server
are shut down through the API, and the server process is killed if it does
not exit.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import nbformat
import pytest

from helpers.paths import KERNEL_NAME, NOTEBOOKS_DIR, PROJ_ROOT

pytestmark = pytest.mark.e2e  # starts real processes (browser / Jupyter server): not in `make test-fast`

SERVER_START_TIMEOUT = 90.0
KERNEL_START_TIMEOUT = 60.0
CELL_TIMEOUT = 120.0
SHUTDOWN_TIMEOUT = 20.0
CLEAN_NOTEBOOK = NOTEBOOKS_DIR / "01-clean.ipynb"


def _kernelspecs() -> dict[str, str]:
    from jupyter_client.kernelspec import KernelSpecManager

    return KernelSpecManager().find_kernel_specs()


if KERNEL_NAME not in _kernelspecs():
    pytest.skip(
        f"\n\n!!! Jupyter kernel '{KERNEL_NAME}' is not registered: run `make setup` (it runs "
        f"`python -m ipykernel install --sys-prefix --name {KERNEL_NAME}`). Interactive use NOT tested.\n",
        allow_module_level=True,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running JupyterLab server and how to talk to it."""

    def __init__(self, url: str, token: str, proc: subprocess.Popen, log: Path) -> None:
        self.url, self.token, self.proc, self.log = url, token, proc, log

    def request(self, method: str, path: str, body: Any = None, timeout: float = 30.0) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                raw = resp.read()
                status = resp.status
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")
        if resp.headers.get_content_type() == "application/json" and raw:
            return status, json.loads(raw)
        return status, raw.decode(errors="replace")


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("lab")
    token = secrets.token_hex(24)
    port = _free_port()
    env = dict(os.environ)
    # A clean per-test Jupyter config and runtime; kernelspecs still come from the venv (sys-prefix).
    env.update(JUPYTER_CONFIG_DIR=str(base / "config"), JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    log = base / "jupyter.log"
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={NOTEBOOKS_DIR}",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",  # no package-index queries from the test
        "--ServerApp.terminals_enabled=False",
        "--ServerApp.shutdown_no_activity_timeout=600",  # never outlive a crashed test run for long
    ]
    if os.geteuid() == 0:  # containers and CI often run as root; jupyter refuses without this
        cmd.append("--allow-root")
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=base,
                                start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", token, proc, log)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                status, _ = server.request("GET", "/api/status", timeout=5)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer within {SERVER_START_TIMEOUT:.0f}s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        try:
            server.request("POST", "/api/shutdown", timeout=10)
        except OSError:
            pass
        try:
            proc.wait(timeout=SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


class Kernel:
    """A kernel opened through the REST API, driven over its websocket channel."""

    def __init__(self, server: Server, kernel_id: str) -> None:
        import websocket  # websocket-client

        self.server, self.id = server, kernel_id
        self.session = uuid.uuid4().hex
        ws_url = server.url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
        self.ws = websocket.create_connection(
            ws_url, timeout=KERNEL_START_TIMEOUT, header=[f"Authorization: token {server.token}"],
            suppress_origin=True,
        )

    def _send(self, channel: str, msg_type: str, content: dict[str, Any]) -> str:
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "channel": channel,
            "header": {"msg_id": msg_id, "msg_type": msg_type, "session": self.session, "username": "test",
                       "version": "5.3", "date": dt.datetime.now(dt.timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "content": content, "buffers": [],
        }))
        return msg_id

    def _replies(self, msg_id: str, reply_type: str, timeout: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The shell reply to ``msg_id`` and its iopub messages, once the kernel is idle again."""
        reply, iopub, idle = None, [], False
        deadline = time.monotonic() + timeout
        while reply is None or not idle:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"kernel: no {reply_type} within {timeout:.0f}s (iopub so far: {iopub})")
            self.ws.settimeout(remaining)
            msg = json.loads(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == reply_type:
                reply = msg["content"]
            elif msg["channel"] == "iopub":
                if msg["msg_type"] == "status":
                    idle = msg["content"]["execution_state"] == "idle"
                else:
                    iopub.append(msg)
        return reply, iopub

    def wait_ready(self) -> dict[str, Any]:
        msg_id = self._send("shell", "kernel_info_request", {})
        reply, _ = self._replies(msg_id, "kernel_info_reply", KERNEL_START_TIMEOUT)
        return reply

    def execute(self, code: str) -> dict[str, Any]:
        """Run ``code``; return status, stdout and the error (if any)."""
        msg_id = self._send("shell", "execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True,
        })
        reply, iopub = self._replies(msg_id, "execute_reply", CELL_TIMEOUT)
        stdout = "".join(m["content"]["text"] for m in iopub if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")
        errors = [f"{m['content']['ename']}: {m['content']['evalue']}" for m in iopub if m["msg_type"] == "error"]
        return {"status": reply["status"], "stdout": stdout, "errors": errors,
                "ename": reply.get("ename"), "evalue": reply.get("evalue")}

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            status, body = self.server.request("DELETE", f"/api/kernels/{self.id}")
            assert status == 204, (status, body)


@pytest.fixture
def kernel(lab_server):
    status, body = lab_server.request("POST", "/api/kernels", {"name": KERNEL_NAME})
    assert status == 201, (status, body)
    assert body["name"] == KERNEL_NAME
    k = Kernel(lab_server, body["id"])
    try:
        info = k.wait_ready()
        assert info["status"] == "ok" and info["language_info"]["name"] == "python"
        yield k
    finally:
        k.close()
    status, kernels = lab_server.request("GET", "/api/kernels")
    assert all(item["id"] != body["id"] for item in kernels), "the kernel was not shut down"


def _first_code_cells(notebook: Path) -> tuple[str, str]:
    """The ``parameters`` cell and the set-up cell after it."""
    nb = nbformat.read(notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), f"{notebook}: first code cell is not tagged 'parameters'"
    return code[0].source, code[1].source


def test_lab_serves_the_project_kernel(lab_server):
    status, specs = lab_server.request("GET", "/api/kernelspecs")
    assert status == 200 and KERNEL_NAME in specs["kernelspecs"]
    assert specs["kernelspecs"][KERNEL_NAME]["spec"]["display_name"] == "Python (mek-framing)"
    status, page = lab_server.request("GET", "/lab")
    assert status == 200 and "JupyterLab" in page
    status, _ = lab_server.request("GET", "/api/contents/01-clean.ipynb?content=0")
    assert status == 200, "the notebooks are not at hand in the server's root"
    # without the token the server refuses
    req = urllib.request.Request(lab_server.url + "/api/kernels")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(req, timeout=10)
    assert refused.value.code == 403


def test_project_kernel_imports_helpers_with_autoreload(kernel, tmp_path):
    parameters, _ = _first_code_cells(CLEAN_NOTEBOOK)
    assert kernel.execute(parameters)["status"] == "ok"
    result = kernel.execute(
        "%load_ext autoreload\n%autoreload 2\nimport helpers.paths\nfrom helpers.paths import run_paths\n"
        f"out_dir = {str(tmp_path)!r}\n"
        "paths = run_paths(raw_dir, out_dir)\nprint(paths.raw_dir)\nprint(helpers.paths.__file__)"
    )
    assert result["status"] == "ok", result
    raw_dir, module_file = result["stdout"].splitlines()
    assert raw_dir == str(PROJ_ROOT / "data" / "raw")
    assert module_file == str(PROJ_ROOT / "src" / "helpers" / "paths.py")  # the editable source, so edits reload


def test_first_cells_of_01_clean_run_in_the_project_kernel(kernel, tmp_path):
    parameters, setup = _first_code_cells(CLEAN_NOTEBOOK)
    result = kernel.execute(parameters)
    assert result["status"] == "ok", result
    # as papermill would inject it: write anything the set-up cell creates under tmp, not the project
    assert kernel.execute(f"out_dir = {str(tmp_path)!r}")["status"] == "ok"
    result = kernel.execute(setup)
    if result["status"] != "ok" and result["ename"] in ("ModuleNotFoundError", "ImportError"):
        missing = [m for m in ("clean", "entities", "framing", "charts")
                   if f"helpers.{m}" in result["evalue"] or f"'{m}'" in result["evalue"]]
        if missing and not (PROJ_ROOT / "src" / "helpers" / f"{missing[0]}.py").exists():
            pytest.skip(f"\n\n!!! src/helpers/{missing[0]}.py does not exist yet: 01-clean's set-up cell "
                        f"cannot import it ({result['evalue']}).\n")
    assert result["status"] == "ok", result
    result = kernel.execute("print(paths.raw_dir)\nprint(paths.out_root)")
    assert result["status"] == "ok", result
    assert result["stdout"].splitlines() == [str(PROJ_ROOT / "data" / "raw"), str(tmp_path)]
