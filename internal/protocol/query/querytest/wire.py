#!/usr/bin/env python3
"""Serialize requests and parse responses with botocore, driven by Virga's
embedded models (models/aws plus models/patches), for the query and
ec2query codec tests.

Reads a JSON list of jobs on stdin and writes a JSON list of results:

  {"cmd": "serialize", "model": M, "protocol": P, "operation": O, "input": params JSON}
      -> the URL-encoded form body botocore sends
  {"cmd": "parse", "model": M, "protocol": P, "operation": O, "status": 200, "input": XML}
      -> botocore's parsed response as JSON

Timestamps print as ISO 8601 UTC with milliseconds, blobs as base64. One
process serves a whole test, as starting Python is slow.
"""
import base64
import datetime
import gzip
import json
import os
import sys

from botocore import parsers, serialize
from botocore.model import ServiceModel
from botocore.utils import percent_encode_sequence

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "models")


def merge(dst, src):
    # Mirrors internal/model applyPatch: json.Unmarshal over an existing
    # value merges objects and replaces everything else.
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            merge(dst[k], v)
        else:
            dst[k] = v


def load(name, protocol):
    with gzip.open(os.path.join(MODELS, "aws", name + ".json.gz")) as f:
        model = json.load(f)
    patch = os.path.join(MODELS, "patches", name + ".json")
    if os.path.exists(patch):
        with open(patch) as f:
            p = json.load(f)
        merge(model["metadata"], p.get("metadata", {}))
        for sname, fields in p.get("shapes", {}).items():
            merge(model["shapes"].setdefault(sname, {}), fields)
        for oname, fields in p.get("operations", {}).items():
            merge(model["operations"].setdefault(oname, {}), fields)
    model["metadata"]["protocol"] = protocol
    return ServiceModel(model, service_name=name)


def plain(v):
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc)
        return v.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if isinstance(v, (bytes, bytearray)):
        return base64.b64encode(v).decode()
    raise TypeError(type(v))


_models = {}


def run(job):
    key = (job["model"], job["protocol"])
    if key not in _models:
        _models[key] = load(*key)
    op = _models[key].operation_model(job["operation"])
    if job["cmd"] == "serialize":
        params = json.loads(job["input"])
        req = serialize.create_serializer(job["protocol"], include_validation=False).serialize_to_request(params, op)
        return percent_encode_sequence(req["body"])
    if job["cmd"] == "parse":
        parsed = parsers.create_parser(job["protocol"]).parse(
            {"status_code": job["status"], "headers": {}, "body": job["input"].encode()}, op.output_shape)
        return json.dumps(parsed, default=plain, sort_keys=True, indent=2)
    raise ValueError("unknown command " + job["cmd"])


def main():
    results = []
    for job in json.load(sys.stdin):
        try:
            results.append({"output": run(job)})
        except Exception as e:  # reported per job to the Go test
            results.append({"error": "%s: %s" % (type(e).__name__, e)})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
