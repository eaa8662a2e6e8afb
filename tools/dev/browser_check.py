"""The browser check (`make test`, CI): JupyterLab as `make lab` starts it, knn.ipynb's first cells run through the UI of a headless Chromium.

    python -m tools.dev.browser_check [--cells 4] [--out build/browser-check]

It starts JupyterLab with tools/dev/lab.py's command on a free loopback port (a random
token, its runtime, settings and workspaces in a temporary folder, autosave off so the
committed notebook is never written), opens assignment1/knn.ipynb in a headless
Chromium driven over the DevTools protocol (websocket-client), clicks the first code
cell and presses Shift+Enter until --cells code cells have run, in the kernel JupyterLab
started in assignment1/ (so `import cs231n` works). It checks each ran ([n]: prompts in
order, no traceback), saves a screenshot to build/browser-check/knn.png, and stops the
browser, the kernel and the server. Smoke sizes on the synthetic data of build/smoke-data
(as the notebook runner). No Chromium/Chrome: it says so and exits 0 (skipped).
"""

import argparse
import base64
import hashlib
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from tools.dev.lab import ROOT, lab_command, running_as_root

NOTEBOOK = "assignment1/knn.ipynb"


def log(msg):
    print(msg, flush=True)


def find_browser():
    """The browser the PDF hand-in would use: collect_submission.find_browser, the one rule for it
    ($CS231N_BROWSER, else the first Chromium-family browser on PATH, else None)."""
    path = os.path.join(ROOT, "assignment1", "collect_submission.py")
    spec = importlib.util.spec_from_file_location("_collect_submission", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.find_browser()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, fn, timeout, interval=0.5):
    """Call fn until it returns something truthy; raise TimeoutError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            got = fn()
            if got:
                return got
        except Exception as e:  # not up yet
            last = e
        time.sleep(interval)
    raise TimeoutError(f"{what}: nothing after {timeout} s" + (f" (last error: {last})" if last else ""))


def http_json(url, method="GET", timeout=5):
    req = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        body = r.read()
    return json.loads(body) if body else {}


class CDP:
    """A minimal Chrome DevTools Protocol client over one page's websocket."""

    def __init__(self, ws_url):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.n = 0

    def call(self, method, **params):
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.n:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"JS error in {expr[:80]!r}: {r['exceptionDetails']}")
        return r.get("result", {}).get("value")

    def key(self, key, code, vk, modifiers=0):
        for kind in ("rawKeyDown", "keyUp"):
            self.call(
                "Input.dispatchKeyEvent",
                type=kind,
                key=key,
                code=code,
                windowsVirtualKeyCode=vk,
                nativeVirtualKeyCode=vk,
                modifiers=modifiers,
            )

    def click(self, x, y):
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def screenshot(self, path):
        shot = self.call("Page.captureScreenshot", format="png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass


CELLS_JS = """
(() => Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')).map(c => ({
  code: c.classList.contains('jp-CodeCell'),
  prompt: (c.querySelector('.jp-InputPrompt') || {}).textContent || '',
  out: (c.querySelector('.jp-OutputArea') || {}).innerText || '',
  imgs: c.querySelectorAll('.jp-OutputArea img').length,
  error: !!c.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"] .ansi-red-fg, .jp-OutputArea-output.jp-mod-error') ,
})))()
"""

KERNEL_IDLE_JS = """
(() => { const s = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
         return s ? s.getAttribute('data-status') : null; })()
"""


def _stop(proc, name, grace=10):
    """Stop a process group this check started: SIGTERM, then SIGKILL after `grace` s."""
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue
    log(f"warning: {name} (pid {proc.pid}) did not stop")


def _prepare_data():
    from tools.dev.run_notebooks import prepare_smoke_data

    data = os.path.join(ROOT, "build", "smoke-data")
    if not prepare_smoke_data(data, ["assignment1"]):
        raise RuntimeError("could not prepare the synthetic data in build/smoke-data")
    return data


def run(n_code_cells, out_dir, timeout):
    browser = find_browser()
    if browser is None:
        log(
            "SKIPPED: no Chromium or Chrome on this machine (Debian/Ubuntu: apt-get install chromium; "
            "or set CS231N_BROWSER), so JupyterLab was not checked in a browser."
        )
        return 0
    nb_path = os.path.join(ROOT, NOTEBOOK)
    with open(nb_path, "rb") as f:
        before = hashlib.sha256(f.read()).hexdigest()
    os.makedirs(out_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="browser-check-")
    settings = os.path.join(tmp, "settings", "@jupyterlab", "docmanager-extension")
    os.makedirs(settings)
    with open(os.path.join(settings, "plugin.jupyterlab-settings"), "w") as f:
        json.dump({"autosave": False}, f)  # the check must never write the committed notebook
    news = os.path.join(tmp, "settings", "@jupyterlab", "apputils-extension")
    os.makedirs(news)
    with open(os.path.join(news, "notification.jupyterlab-settings"), "w") as f:
        json.dump({"fetchNews": "false"}, f)  # no "notified about Jupyter news?" pop-up over the cells
    port, dport, token = free_port(), free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        CS231N_SMOKE="1",
        CS231N_DATASETS=_prepare_data(),
        JUPYTER_RUNTIME_DIR=os.path.join(tmp, "runtime"),
        JUPYTERLAB_SETTINGS_DIR=os.path.join(tmp, "settings"),
        JUPYTERLAB_WORKSPACES_DIR=os.path.join(tmp, "workspaces"),
        MPLBACKEND="module://matplotlib_inline.backend_inline",
    )
    cmd = lab_command(
        [
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.news_url=None",
        ]
    )
    log(f"starting JupyterLab (as make lab does) on 127.0.0.1:{port}: {' '.join(cmd[1:4])} ...")
    server_log = open(os.path.join(out_dir, "jupyterlab.log"), "w")
    server = browser_proc = cdp = None
    base = f"http://127.0.0.1:{port}"
    try:
        server = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_for("JupyterLab's API", lambda: http_json(f"{base}/api/status?token={token}"), timeout)
        log(f"JupyterLab answers; starting {browser} headless")
        bcmd = [
            browser,
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            f"--user-data-dir={os.path.join(tmp, 'browser')}",
            f"--remote-debugging-port={dport}",
            "--remote-allow-origins=*",
            "--window-size=1280,1500",
            "about:blank",
        ]
        if running_as_root():
            bcmd.insert(1, "--no-sandbox")
        browser_proc = subprocess.Popen(
            bcmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        pages = wait_for(
            "the browser's DevTools endpoint",
            lambda: [p for p in http_json(f"http://127.0.0.1:{dport}/json") if p.get("type") == "page"],
            60,
        )
        cdp = CDP(pages[0]["webSocketDebuggerUrl"])
        cdp.call("Page.enable")
        cdp.call("Runtime.enable")
        cdp.call("Page.navigate", url=f"{base}/lab/tree/{NOTEBOOK}?reset&token={token}")
        wait_for(
            f"the notebook's first {n_code_cells} code cells",
            lambda: sum(c["code"] for c in cdp.js(CELLS_JS) or []) >= n_code_cells,
            timeout,
        )
        wait_for("an idle kernel", lambda: cdp.js(KERNEL_IDLE_JS) == "idle", timeout)
        cells = cdp.js(CELLS_JS)
        code_idx = [i for i, c in enumerate(cells) if c["code"]][:n_code_cells]
        if len(code_idx) < n_code_cells:
            raise RuntimeError(f"the page shows only {len(code_idx)} code cells, {n_code_cells} wanted")
        last = code_idx[-1]
        log(f"kernel idle; running code cells {[i + 1 for i in code_idx]} with Shift+Enter")
        # click into the first code cell's editor (until JupyterLab makes it the active cell), then
        # Shift+Enter once per cell down to the last one wanted, each time until the next cell is active
        cell_sel = "document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')"
        active_js = f"Array.from({cell_sel}).findIndex(c => c.classList.contains('jp-mod-active'))"
        time.sleep(2.0)  # let the freshly opened notebook settle

        def click_first():
            box = cdp.js(
                f"(() => {{ const e = {cell_sel}[{code_idx[0]}].querySelector('.cm-content');"
                " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
                " return [r.left + 20, r.top + r.height / 2]; })()"
            )
            cdp.click(*box)
            time.sleep(0.5)
            return cdp.js(active_js) == code_idx[0]

        wait_for("the first code cell to take the click", click_first, 30, interval=1.0)
        for i in range(code_idx[0], last + 1):

            def advanced(i=i):
                if cdp.js(active_js) > i:
                    return True
                cdp.key("Enter", "Enter", 13, modifiers=8)  # 8 = Shift
                time.sleep(0.5)
                return cdp.js(active_js) > i

            wait_for(f"Shift+Enter to move past cell {i + 1}", advanced, 30, interval=0.5)

        def done():
            cs = cdp.js(CELLS_JS)
            ran = all(cs[i]["prompt"].strip() not in ("[ ]:", "[*]:", "") for i in code_idx)
            return cs if ran and cdp.js(KERNEL_IDLE_JS) == "idle" else None

        cells = wait_for("the cells to run", done, timeout)
        prompts = [cells[i]["prompt"].strip() for i in code_idx]
        want = [f"[{k + 1}]:" for k in range(len(code_idx))]
        problems = []
        if prompts != want:
            problems.append(f"prompts {prompts}, expected {want} (each cell run once, in order)")
        for i in code_idx:
            if cells[i]["error"] or "Traceback" in cells[i]["out"] or "Error" in cells[i]["out"]:
                problems.append(f"cell {i + 1} shows an error:\n{cells[i]['out'][-1500:]}")
        if not any(cells[i]["imgs"] for i in code_idx):
            problems.append("no figure among the outputs (the sample images should be drawn)")
        # the last cell run into view, with the output above it, then the screenshot
        cdp.js(
            "document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')"
            f"[{last}].scrollIntoView({{block: 'end'}})"
        )
        time.sleep(1.0)
        png = os.path.join(out_dir, "knn.png")
        cdp.screenshot(png)
        log(f"screenshot: {os.path.relpath(png, ROOT)}")
        summary = "; ".join(
            f"cell {i + 1} {cells[i]['prompt'].strip()} {cells[i]['out'].strip()[:60]!r}" for i in code_idx
        )
        log(f"ran: {summary}")
        if problems:
            log("FAILED: " + "\n".join(problems))
            return 1
        log(f"ok: {len(code_idx)} code cells of {NOTEBOOK} ran through JupyterLab in {os.path.basename(browser)}")
        return 0
    except BaseException:
        if cdp is not None:  # what the page showed when it went wrong
            try:
                cdp.screenshot(os.path.join(out_dir, "knn-failed.png"))
                log(f"screenshot of the failure: {os.path.relpath(os.path.join(out_dir, 'knn-failed.png'), ROOT)}")
            except Exception:
                pass
        raise
    finally:
        if cdp is not None:
            cdp.close()
        _stop(browser_proc, "the browser")
        if server is not None and server.poll() is None:
            try:  # the server shuts its kernels down, then exits
                http_json(f"{base}/api/shutdown?token={token}", method="POST")
                server.wait(20)
            except Exception:
                pass
        _stop(server, "JupyterLab")
        server_log.close()
        shutil.rmtree(tmp, ignore_errors=True)
        with open(nb_path, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != before:
                log(f"FAILED: {NOTEBOOK} was written during the check (autosave); restore it with git checkout")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Run knn.ipynb's first cells in JupyterLab in a headless browser.")
    ap.add_argument("--cells", type=int, default=4, help="how many code cells to run (default 4)")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "browser-check"), help="screenshot and server log")
    ap.add_argument("--timeout", type=int, default=180, help="seconds for each wait (server, notebook, cells)")
    args = ap.parse_args(argv)
    try:
        return run(args.cells, os.path.abspath(args.out), args.timeout)
    except (TimeoutError, RuntimeError, OSError) as e:
        log(f"FAILED: {e} (server log: {os.path.relpath(os.path.join(args.out, 'jupyterlab.log'), ROOT)})")
        return 1


if __name__ == "__main__":
    sys.exit(main())
