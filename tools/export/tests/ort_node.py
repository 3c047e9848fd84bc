"""A Python face for onnxruntime-node (through ort_bridge.mjs), shaped like onnxruntime.InferenceSession.

Python onnxruntime is not installable on the development machine, but the worker's own runtime, onnxruntime-node,
is in the repository's node_modules: running the exported graphs through it checks them where they will run.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from types import SimpleNamespace

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
TYPES = {np.dtype(np.float32): "float32", np.dtype(np.float16): "float16", np.dtype(np.int64): "int64",
         np.dtype(np.int32): "int32"}
DTYPES = {name: dtype for dtype, name in TYPES.items()}


def unavailable_reason() -> str | None:
    if shutil.which("node") is None:
        return "node is not on PATH"
    if not os.path.isdir(os.path.join(REPO, "node_modules", "onnxruntime-node")):
        return "onnxruntime-node is not installed in the repository's node_modules"
    return None


class NodeBridge:
    def __init__(self):
        self.process = subprocess.Popen(["node", os.path.join(HERE, "ort_bridge.mjs")], cwd=REPO,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def call(self, request: dict) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        if "error" in reply:
            raise RuntimeError(f"onnxruntime-node: {reply['error']}")
        return reply

    def session(self, path: str, _provider: str = "cpu") -> "NodeSession":
        return NodeSession(self, path, self.call({"op": "load", "path": path}))

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()


class NodeSession:
    def __init__(self, bridge: NodeBridge, path: str, names: dict):
        self.bridge, self.path, self.names = bridge, path, names

    def get_inputs(self):
        return [SimpleNamespace(name=n) for n in self.names["inputs"]]

    def get_outputs(self):
        return [SimpleNamespace(name=n) for n in self.names["outputs"]]

    def run(self, output_names, feeds: dict):
        encoded = {}
        for name, value in feeds.items():
            array = np.ascontiguousarray(value)
            encoded[name] = {"type": TYPES[array.dtype], "dims": list(array.shape),
                             "data": base64.b64encode(array.tobytes()).decode("ascii")}
        outputs = self.bridge.call({"op": "run", "path": self.path, "feeds": encoded})["outputs"]
        names = output_names or self.names["outputs"]
        return [np.frombuffer(base64.b64decode(outputs[n]["data"]), DTYPES[outputs[n]["type"]])
                .reshape(outputs[n]["dims"]) for n in names]
