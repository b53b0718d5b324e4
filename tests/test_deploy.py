"""The classroom's deployment files: the Kubernetes values file is valid for Zero to
JupyterHub's chart (merged over the chart's defaults and checked against its values schema, as
`helm install` does), and the single-machine hub config says what the README promises."""
import copy
import os
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
Z2JH = ROOT.parent / "shared" / "reference" / "z2jh"
VALUES = ROOT / "classroom" / "kubernetes" / "values.yaml"


def helm_merge(defaults, overrides):
    """Helm's coalescing of a values file over a chart's defaults: maps merge key by key, any
    other value (lists too) replaces the default, and null deletes the key."""
    merged = copy.deepcopy(defaults)
    for key, value in overrides.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@pytest.fixture(scope="module")
def chart():
    if not Z2JH.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the chart's schema is missing: {Z2JH}", pytrace=False)
        pytest.skip(f"needs Zero to JupyterHub's schema and defaults in {Z2JH}")
    schema = yaml.safe_load((Z2JH / "values.schema.yaml").read_text())
    defaults = yaml.safe_load((Z2JH / "values.yaml").read_text())
    return jsonschema.Draft7Validator(schema), defaults


def test_the_values_file_passes_the_charts_schema(chart):
    validator, defaults = chart
    values = yaml.safe_load(VALUES.read_text())
    errors = [f"{'.'.join(map(str, e.path))}: {e.message}"
              for e in validator.iter_errors(helm_merge(defaults, values))]
    assert errors == []


def test_the_schema_check_catches_a_misspelt_key(chart):
    validator, defaults = chart
    values = yaml.safe_load(VALUES.read_text())
    values["singleuser"]["memory"]["limt"] = "2G"
    assert not validator.is_valid(helm_merge(defaults, values))


def test_helm_merge_merges_maps_and_replaces_the_rest():
    merged = helm_merge({"a": {"b": 1, "c": [1]}, "d": 2}, {"a": {"c": [2]}, "d": None})
    assert merged == {"a": {"b": 1, "c": [2]}}


def test_the_values_file_carries_the_measured_limits_and_culling():
    values = yaml.safe_load(VALUES.read_text())
    capacity = (ROOT / "classroom" / "CAPACITY.md").read_text()
    user = values["singleuser"]
    assert user["memory"]["guarantee"] in capacity and user["memory"]["limit"] in capacity
    assert values["cull"]["enabled"] and values["cull"]["timeout"] > 0
    assert user["extraEnv"]["COURSE_NUM_THREADS"] == "1"
    mounts = {m["mountPath"] for m in user["storage"]["extraVolumeMounts"]}
    assert user["extraEnv"]["RNN_EXCHANGE"] in mounts, "every pod mounts the shared exchange"
