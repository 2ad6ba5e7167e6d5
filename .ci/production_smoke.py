"""CI's production smoke probes: the deployed stack, over HTTP, as a client behind the TLS proxy sees it.

Run by ``.ci/run`` with the system Python (standard library only) once
gunicorn, a Celery worker and beat serve the production settings. Every probe
prints what it saw; any failure exits non-zero.
"""

import argparse
import csv
import gzip
import json
import re
import sys
import time
import urllib.error
import urllib.request
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

# What the TLS-terminating proxy in front of gunicorn adds to every request.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
CENT = Decimal("0.01")


class Failed(Exception):
    pass


class Client:
    def __init__(self, base: str, token: str = ""):
        self.base = base.rstrip("/")
        self.token = token

    def request(
        self, method: str, path: str, *, body: dict | None = None, headers: dict | None = None, proxy: bool = True
    ) -> tuple[int, dict[str, str], bytes]:
        all_headers = {**(PROXY_HEADERS if proxy else {}), **(headers or {})}
        if self.token:
            all_headers["Authorization"] = f"Token {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=all_headers)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()

    def json(self, method: str, path: str, *, want: int, body: dict | None = None) -> dict:
        status, _headers, content = self.request(method, path, body=body)
        print(f"smoke: {method} {path} -> {status}")
        if status != want:
            raise Failed(f"{method} {path} answered {status}, expected {want}: {content[:500]!r}")
        return json.loads(content)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to check, not to follow


def wait_until_ready(client: Client, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            status, _headers, content = client.request("GET", "/readyz", proxy=False)
            if status == 200:
                print(f"smoke: GET /readyz -> 200 {content.decode()}")
                return
            last = f"{status} {content[:300]!r}"
        except OSError as exc:
            last = str(exc)
        time.sleep(1)
    raise Failed(f"/readyz did not answer 200 within {timeout:.0f} s: {last}")


def expected_orders(path: Path) -> dict[str, Decimal]:
    """Each order's total as the file gives it: rounded line totals plus the first row's shipping."""
    lines: dict[str, Decimal] = {}
    shipping: dict[str, Decimal] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            code = row["Order ID"]
            gross = int(row["Quantity Sold"]) * Decimal(row["Unit Price"]) * (1 - Decimal(row["Discount"] or 0))
            lines[code] = lines.get(code, Decimal(0)) + gross.quantize(CENT, rounding=ROUND_HALF_UP)
            shipping.setdefault(code, Decimal(row["Shipping Cost"] or 0))
    return {code: lines[code] + shipping[code] for code in lines}


def probe_https_redirect(client: Client) -> None:
    status, headers, _ = client.request("GET", "/api/v1/customers/", proxy=False)
    print(f"smoke: GET /api/v1/customers/ over plain HTTP -> {status} {headers.get('location', '')}")
    if status != 301 or not headers.get("location", "").startswith("https://"):
        raise Failed("plain HTTP is not redirected to HTTPS under the production settings")


def probe_import(client: Client, *, csv_name: str, import_root: Path, timeout: float) -> None:
    job = client.json("POST", "/api/v1/data/refresh/", want=202, body={"kind": "sales", "file_path": csv_name})
    deadline = time.monotonic() + timeout
    while job["status"] not in {"succeeded", "failed"}:
        if time.monotonic() > deadline:
            raise Failed(f"the import job is still {job['status']} after {timeout:.0f} s: is the worker running?")
        time.sleep(0.5)
        job = client.json("GET", f"/api/v1/data/logs/{job['id']}/", want=200)
    rows = sum(1 for _ in csv.DictReader((import_root / csv_name).open(newline="", encoding="utf-8-sig")))
    print(f"smoke: job {job['id']} {job['status']}: {job['rows_created']} of {job['rows_total']} rows created")
    if (job["status"], job["rows_total"], job["rows_created"], job["rows_rejected"]) != ("succeeded", rows, rows, 0):
        raise Failed(f"the import did not load every row of the file: {job}")

    totals = expected_orders(import_root / csv_name)
    listed = client.json("GET", "/api/v1/orders/?page_size=500&ordering=code", want=200)
    if listed["count"] != len(totals):
        raise Failed(f"the API lists {listed['count']} orders; the file holds {len(totals)}")
    got = {order["code"]: Decimal(str(order["total_amount"])) for order in listed["results"]}
    wrong = {code: (got[code], totals[code]) for code in got if got[code] != totals[code]}
    if wrong:
        raise Failed(f"order totals differ from the file's (API, file): {dict(list(wrong.items())[:5])}")
    print(f"smoke: {len(got)} of {len(totals)} imported orders read back through the API with the file's totals")


def probe_admin_css(client: Client, *, static_root: Path) -> None:
    status, _headers, page = client.request("GET", "/admin/login/")
    print(f"smoke: GET /admin/login/ -> {status}")
    links = re.findall(rb'<link[^>]+href="([^"]+\.css)"', page)
    if status != 200 or not links:
        raise Failed(f"the admin login page answered {status} with no stylesheet")
    href = links[0].decode()
    status, headers, body = client.request("GET", href)
    print(f"smoke: GET {href} -> {status} {headers.get('content-type')}")
    on_disk = (static_root / href.removeprefix("/static/")).read_bytes()
    if status != 200 or not headers.get("content-type", "").startswith("text/css") or body != on_disk:
        raise Failed(f"{href} is not served as the collected stylesheet")
    status, headers, body = client.request("GET", href, headers={"Accept-Encoding": "gzip"})
    print(f"smoke: GET {href} (gzip) -> {status} {headers.get('content-encoding')}")
    if headers.get("content-encoding") != "gzip" or gzip.decompress(body) != on_disk:
        raise Failed(f"{href} is not served compressed by WhiteNoise")


def probe_beat(*, beat_log: Path, worker_log: Path, timeout: float) -> None:
    """Beat sends its sweeps every minute and the worker runs them: wait for the first one."""
    task = "ingestion.tasks.fail_stale_import_jobs"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = f"Sending due task fail-stale-import-jobs ({task})" in beat_log.read_text()
        ran = re.search(rf"Task {re.escape(task)}\[[^]]+\] succeeded", worker_log.read_text())
        if sent and ran:
            print("smoke: beat sent the stale-import sweep and the worker ran it")
            return
        time.sleep(1)
    raise Failed(f"beat's first sweep was not sent and run within {timeout:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--csv", required=True, help="file name inside IMPORT_ROOT")
    parser.add_argument("--import-root", type=Path, required=True)
    parser.add_argument("--static-root", type=Path, required=True)
    parser.add_argument("--beat-log", type=Path, required=True)
    parser.add_argument("--worker-log", type=Path, required=True)
    args = parser.parse_args()
    client = Client(args.base, token=args.token)
    try:
        wait_until_ready(client, timeout=60)
        probe_https_redirect(client)
        Client(args.base).json("GET", "/api/v1/customers/", want=401)  # no token: refused, not served
        probe_import(client, csv_name=args.csv, import_root=args.import_root, timeout=120)
        probe_admin_css(client, static_root=args.static_root)
        probe_beat(beat_log=args.beat_log, worker_log=args.worker_log, timeout=90)
    except (Failed, OSError) as exc:
        print(f"smoke: FAILED: {exc}", file=sys.stderr)
        return 1
    print("smoke: the production stack answered every probe")
    return 0


if __name__ == "__main__":
    sys.exit(main())
