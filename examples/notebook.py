"""Favor from a notebook: fronts, tables and plots with one line each, and a measurement on your own machine.

Plain Python with requests and pandas (pip install requests pandas). Run it as a script against a running server
(`npm start`), or paste the cells (# %%) into Jupyter:

    python examples/notebook.py                       # read-only parts
    FAVOR_TOKEN=secret python examples/notebook.py    # also measure (the server needs FAVOR_TOKENS=secret)

Environment: FAVOR_URL (default http://localhost:4000), FAVOR_TOKEN (a token from the server's FAVOR_TOKENS),
FAVOR_MEASURE_MODEL / FAVOR_MEASURE_RESOLUTION (default ViT-Ti/16 at 224), FAVOR_OUT (where files go, default .).
Figures: Nauen et al., Which Transformer to Favor, WACV 2025 (arXiv 2308.09372); measured cells carry provenance.
"""

# %% Setup
import io
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import requests

URL = os.environ.get("FAVOR_URL", "http://localhost:4000").rstrip("/")
TOKEN = os.environ.get("FAVOR_TOKEN")
OUT = Path(os.environ.get("FAVOR_OUT", "."))


def gql(query, variables=None, token=None):
    """Runs a GraphQL operation and returns its data; raises with the server's messages on errors."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.post(f"{URL}/graphql", json={"query": query, "variables": variables or {}}, headers=headers, timeout=60)
    body = response.json()
    if body.get("errors"):
        codes = {e.get("extensions", {}).get("code") for e in body["errors"]}
        raise RuntimeError(f"GraphQL {sorted(c for c in codes if c)}: " + "; ".join(e["message"] for e in body["errors"]))
    response.raise_for_status()
    return body["data"]


# %% 1. A Pareto front as a DataFrame: throughput vs top-1 accuracy at 224 px (directions from the catalogue)
FRONT = """
query Front($resolution: Int) {
  paretoFront(objectives: [{ metric: "throughput" }, { metric: "accuracyTop1" }], resolution: $resolution) {
    scopeCount
    excluded { count reason }
    front { rank values subject { model { name taxonomyClass } resolution pretrainResolution runId } }
  }
}"""
front = gql(FRONT, {"resolution": 224})["paretoFront"]
front_df = pd.DataFrame(
    [
        {
            "model": p["subject"]["model"]["name"],
            "class": p["subject"]["model"]["taxonomyClass"],
            "pretrain_resolution": p["subject"]["pretrainResolution"],
            "run_id": p["subject"]["runId"],
            "throughput [images/s]": p["values"][0],
            "accuracyTop1 [fraction]": p["values"][1],
        }
        for p in front["front"]
    ]
).sort_values("throughput [images/s]")
print(f"Front of {len(front_df)} runs out of {front['scopeCount']} at 224 px; excluded: {front['excluded']}")
print(front_df.to_string(index=False))

# %% 2. The runs table in one line: tidy columns, units in the headers, exact figures
runs = pd.read_csv(f"{URL}/export/runs.csv?resolution=224")
print(runs[["model", "pretrain_resolution [px]", "accuracyTop1 [fraction]", "throughput [images/s]", "inferenceMemoryB1 [bytes]"]].head())
# Filters are those of the runs query: name, nameContains, family, taxonomyClass, changesWhat, resolution,
# pretrainResolution, where=<metric>:<op>:<number> (eq ne gt gte lt lte), device, orderBy=<metric or field>[:desc].
light = pd.read_csv(f"{URL}/export/runs.csv?where=inferenceMemoryB1:lte:1e9&where=accuracyTop1:gte:0.8&orderBy=throughput:desc")
print(f"{len(light)} runs need at most 1 GB at batch 1 and reach 80% top-1")

# %% 3. A plot in one line: server-side SVG with axis labels, units, legend and the front
svg = requests.get(f"{URL}/plots/pareto.svg", params={"x": "flops", "y": "accuracyTop1", "resolution": 224, "xScale": "log"}, timeout=60)
svg.raise_for_status()
(OUT / "favor-pareto.svg").write_text(svg.text, encoding="utf-8")
print(f"wrote {OUT / 'favor-pareto.svg'} ({len(svg.text)} bytes)")
# In Jupyter: from IPython.display import SVG; SVG(svg.text)

# %% 4. Measure on this machine (needs a token), poll the job, read the new cells
MEASURE = """
mutation Measure($input: MeasureInput!) {
  measure(input: $input) { id status provider device { id name } progress { total done failed skipped fraction } }
}"""
JOB = """
query Job($id: ID!) {
  measurementJob(id: $id) {
    id status error current device { id name }
    progress { total done failed skipped fraction }
    errors { modelName resolution metric reasonKind reason }
  }
}"""
CELLS = """
query Cells($name: String!, $resolution: Int!, $device: ID) {
  models(filter: { name: $name, resolutions: [$resolution] }, device: $device) {
    edges { node { resolution metrics { key value unit batchSize source deviceId provenance } } }
  }
}"""


def measure_and_read(model, resolution, token):
    """Starts a measurement of one model@resolution, polls its job until it ends, and returns the job and the measured cells."""
    job = gql(MEASURE, {"input": {"models": [model], "resolutions": [resolution]}}, token=token)["measure"]
    print(f"job {job['id']} on {job['device']['name']} ({job['provider']}): {job['status']}, {job['progress']['total']} cells, {job['progress']['skipped']} skipped (they exist)")
    while job["status"].lower() in ("queued", "running"):
        time.sleep(2)
        job = gql(JOB, {"id": job["id"]})["measurementJob"]
        p, now = job["progress"], job.get("current") or {}
        print(f"  {job['status']}: {p['done']} measured, {p['skipped']} skipped, {p['failed']} failed of {p['total']} {now.get('modelName', '')}")
    for error in job.get("errors") or []:
        print(f"  failed {error['modelName']}@{error['resolution']} {error['metric']}: {error['reasonKind']}: {error['reason']}")
    # The job's device is the measuring machine: read its figures for this model@resolution, with provenance.
    device = job["device"]
    edges = gql(CELLS, {"name": model, "resolution": resolution, "device": str(device["id"])})["models"]["edges"]
    measured = [
        {
            **m,
            "device": device["name"],
            "provider": m["provenance"].get("provider"),
            "onnxruntime": (m["provenance"].get("device") or {}).get("runtime", {}).get("onnxruntime"),
            "cv": (m["provenance"].get("spread") or {}).get("cv"),
        }
        for edge in edges
        for m in edge["node"]["metrics"]
        if m["source"].lower() == "measured" and m["deviceId"] == device["id"]
    ]
    return job, pd.DataFrame(measured).drop(columns=["provenance"], errors="ignore")


if TOKEN:
    model = os.environ.get("FAVOR_MEASURE_MODEL", "ViT-Ti/16")
    resolution = int(os.environ.get("FAVOR_MEASURE_RESOLUTION", "224"))
    job, cells = measure_and_read(model, resolution, TOKEN)
    p = job["progress"]
    print(f"job {job['id']} ended {job['status']}: {p['done']} measured, {p['skipped']} skipped, {p['failed']} failed of {p['total']}; measured cells:")
    print(cells.to_string(index=False) if not cells.empty else "(none)")
    # The same figures in the runs table of that device (per-device columns from the measurement, the rest the paper's):
    query = urlencode({"name": model, "resolution": resolution, "device": job["device"]["id"]})
    mine = pd.read_csv(f"{URL}/export/runs.csv?{query}")
    print(mine[["model", "resolution [px]", "measured_metrics", "throughput [images/s]", "inferenceMemoryB1 [bytes]"]])
else:
    print("FAVOR_TOKEN not set: skipping the measurement (mutations need a bearer token from the server's FAVOR_TOKENS)")
    sys.exit(0)
