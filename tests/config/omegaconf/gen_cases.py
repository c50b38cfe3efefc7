#!/usr/bin/env python3
"""Generates the PyYAML-derived case files under cases/ (run: python3 tests/config/omegaconf/gen_cases.py).

OmegaConf itself is not installed here, so its two PyYAML customizations are replicated from
omegaconf/_utils.py (2.3): the loader (float resolver patch, no timestamps, duplicate keys are errors)
and the dumper (strings that look like bools/ints/floats are single-quoted).
Floats are written as {"$float": repr(x)} so the TypeScript side can keep float-ness.
"""
import json
import math
import os
import re

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
YAML_BOOL_TYPES = "y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF".split()


def is_int(s):
    try:
        int(s)
        return True
    except ValueError:
        return False


def is_float(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


class OmegaConfDumper(yaml.Dumper):
    pass


def str_representer(dumper, data):
    with_quotes = data in YAML_BOOL_TYPES or is_int(data) or is_float(data)
    return dumper.represent_scalar(yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG, data, style=("'" if with_quotes else None))


OmegaConfDumper.add_representer(str, str_representer)


def to_yaml(data, sort_keys=False):
    return yaml.dump(data, default_flow_style=False, allow_unicode=True, sort_keys=sort_keys, Dumper=OmegaConfDumper)


def get_yaml_loader():
    class OmegaConfLoader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            keys = set()
            for key_node, value_node in node.value:
                if key_node.tag != yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG:
                    continue
                if key_node.value in keys:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark, f"found duplicate key {key_node.value}", key_node.start_mark
                    )
                keys.add(key_node.value)
            return super().construct_mapping(node, deep=deep)

    loader = OmegaConfLoader
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(
            """^(?:
         [-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*
        |[-+]?\\.(?:inf|Inf|INF)
        |\\.(?:nan|NaN|NAN))$""",
            re.X,
        ),
        list("-+0123456789."),
    )
    loader.yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in loader.yaml_implicit_resolvers.items()
    }
    return loader


def tag(v):
    """JSON form that keeps floats distinguishable from ints."""
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        return {"$float": repr(v)}
    if isinstance(v, list):
        return [tag(x) for x in v]
    if isinstance(v, dict):
        return {"$dict": [[str(k), tag(x)] for k, x in v.items()]}
    raise TypeError(type(v))


STRINGS = [
    "", "???", "123", "-7", "1.5", "1e5", "1e-3", "1_000", "0755", "0x1F", "0o17", "inf", "-inf", "nan", "NaN", "Infinity",
    ".inf", ".nan", "yes", "y", "Y", "n", "no", "on", "off", "ON", "null", "~", "Null", "NULL", "none", "None", "true", "True",
    "${a.b}", "${oc.env:HOME,/tmp}", "x_${a}_${b}", "\\${a}", "a: b", "a:b", "a :b", "- a", "-a", "-", "--", "---", "...",
    "#x", "a #b", "a#b", " lead", "trail ", "multi\nline", "multi\nline\n", "\nlead break", "tab\there", "quote'it",
    'dq"x', "ünïcödé", "emoji 😀", "?", "?x", "? x", ":", ":x", "@foo", "%x", "`x", "!x", "&x", "*x", "|", ">", "{a}", "[a]",
    "a,b", "=", "<<", "\\", "C:\\path\\x", "a\u2028b", "\x00nul", "del\x7f", "café\n", "trailing\n\n", "2020-01-01",
    "2020-01-01 10:00:00", "12:30", "1:20", "190:20:30", "0b101", "+12", "1.", ".5", "1e", "e5", "0.0.1", "1.2.3",
    "hello world", "a  b", "a\n b", "a \nb", "x\ty", "\u00a0nbsp", "\ufeffbom", "line1\r\nline2", "'", '"', "''",
    "a'b'c", "%Y-%m-%d", "${now:%Y-%m-%d_%H-%M-%S}", "outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}",
    "src.models.mnist_module.MNISTLitModule", "lightning.pytorch.callbacks.ModelCheckpoint", "epoch_{epoch:03d}",
    "val/acc", "${paths.output_dir}/checkpoints", "[1, 2]", "{a: 1}", "a[0]", "key: value # comment",
]
LONG = [
    "word " * 20,
    ("word " * 20).strip(),
    "a" * 100,
    " " + "lead space then words " * 5,
    ("multi line\n" * 3) + "with a very long final line " * 4,
    "quote ' " * 15,
    "tab\t" + "long words here " * 8,
    "x" * 79 + " y",
    "x" * 78 + " y z",
    "ab " * 40,
]


def to_yaml_cases():
    cases = []
    for i, s in enumerate(STRINGS + LONG):
        cases.append({"name": f"str value {i}: {s[:40]!r}", "data": {"$dict": [["k", s]]}, "yaml": to_yaml({"k": s})})
        cases.append({"name": f"str list item {i}: {s[:40]!r}", "data": [s], "yaml": to_yaml([s])})
    for i, s in enumerate(LONG):
        nested = {"a": {"b": [{"c": s}]}}
        cases.append({"name": f"nested long {i}", "data": tag(nested), "yaml": to_yaml(nested)})
    for i, k in enumerate(["yes", "1", "", "a b", "with: colon", "k" * 130, "k" * 122, "k" * 123, "multi\nkey", "???", "${x}", "-", "x:"]):
        cases.append({"name": f"key {i}: {k[:30]!r}", "data": {"$dict": [[k, 1]]}, "yaml": to_yaml({k: 1})})
    floats = [1.0, 0.001, 1e-05, 1e16, 1.5e300, -0.0, 0.0, float("nan"), float("inf"), float("-inf"), 0.1, 123456789.123, 1e-4, 3.14, 2.5e-07, 1e22, 100.0]
    for x in floats:
        cases.append({"name": f"float {x!r}", "data": tag({"x": x}), "yaml": to_yaml({"x": x})})
    ints = [0, -5, 10**15, 42]
    for x in ints:
        cases.append({"name": f"int {x}", "data": tag({"x": x}), "yaml": to_yaml({"x": x})})
    structures = {
        "nested": {"a": {"b": [1, {"c": []}, [], [1, [2, 3]]], "d": {}}, "e": [[{"x": 1, "y": [1]}]], "f": None, "g": True},
        "list of dicts": [{"a": 1, "b": 2}, {"c": {"d": [1, 2]}}],
        "empty dict": {},
        "empty list": [],
        "list root nested": [[1, 2], [], {}, [[3]]],
        "trainer": {
            "_target_": "lightning.pytorch.trainer.Trainer",
            "default_root_dir": "${paths.output_dir}",
            "min_epochs": 1,
            "max_epochs": 10,
            "accelerator": "cpu",
            "devices": 1,
            "check_val_every_n_epoch": 1,
            "deterministic": False,
            "gradient_clip_val": 0.5,
            "callbacks": {"model_checkpoint": {"monitor": "val/acc", "mode": "max", "filename": "epoch_{epoch:03d}"}},
            "tags": ["dev", "mnist"],
            "optimizer": {"_target_": "torch.optim.Adam", "_partial_": True, "lr": 0.001, "weight_decay": 0.0},
        },
    }
    for name, data in structures.items():
        cases.append({"name": f"structure {name}", "data": tag(data), "yaml": to_yaml(data)})
    sorted_data = {"b": 1, "a": {"z": 1, "y": 2}, "c": [{"q": 1, "p": 2}]}
    cases.append({"name": "sort keys", "data": tag(sorted_data), "sortKeys": True, "yaml": to_yaml(sorted_data, sort_keys=True)})
    return cases


YAML_INPUTS = {
    "yaml 1.1 bools": "a: yes\nb: no\nc: on\nd: off\ne: Yes\nf: NO\ng: true\nh: False\ni: y\nj: n\nk: ON\n",
    "ints": "a: 0755\nb: 1_000\nc: 0x1F\nd: 0b101\ne: -42\nf: +7\ng: 1:30\nh: 0\ni: 00\nj: 0o17\nk: 09\n",
    "floats": "a: 1e-3\nb: 1.0\nc: .5\nd: 1.\ne: .inf\nf: -.inf\ng: .nan\nh: 1_000.5\ni: 1E3\nj: 1e+3\nk: 1:30.5\nl: 6.02e23\nm: .5e3\nn: 1.5e-3\no: -1e5\n",
    "nulls and strings": "a: ~\nb: null\nc:\nd: Null\ne: none\nf: '???'\ng: ???\nh: \"123\"\ni: '1.5'\nj: 2020-01-01\nk: 10:00:00\n",
    "interpolations": "a: ${b}\nb: x_${a}\nc: \\${d}\nd: '${e:1,2}'\n",
    "nested": "a:\n  b:\n    - 1\n    - c: 2\n      d: [3, 4]\n  e: {f: 1, g: [a, b]}\n",
    "anchors and merge keys": "base: &b\n  x: 1\n  y: 2\nother:\n  <<: *b\n  y: 3\n  z: 4\nlist: &l [1, 2]\ncopy: *l\n",
    "merge key list": "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  w: 0\n",
    "block scalars": "lit: |\n  line1\n  line2\nfold: >\n  a\n  b\n\n  c\nkeep: |+\n  x\n\nstrip: |-\n  y\n",
    "quoted escapes": "a: \"tab\\tnl\\n\"\nb: 'it''s'\nc: \"\\u00e9\"\nd: \"\\x41\"\n",
    "explicit tags": "a: !!str 123\nb: !!float 1\nc: !!int '7'\nd: !!str yes\ne: !!null ''\nf: !!bool 'true'\n",
    "list root": "- 1\n- a\n- {b: 2}\n",
    "numeric keys": "1: a\n2.5: b\nfalse: c\nnull: d\n",
    "empty doc": "",
    "comment only": "# @package _global_\n",
    "dup keys": "a: 1\nb: 2\na: 3\n",
    "nested dup keys": "a:\n  b: 1\n  b: 2\n",
    "quoted and plain dup keys": "a: 1\n'a': 2\n",
    "non-string dup keys are overwritten": "1: a\n2: b\n1: c\noff: d\noff: e\n",
    "multiline plain": "a: this is\n  a folded\n  plain scalar\n",
    "special strings": "a: yes please\nb: 1 2\nc: -1-2\nd: 0.0.1\ne: v1.0\nf: 1e\ng: e5\nh: +.inf\ni: 1__0\nj: '0755'\n",
}


def yaml_load_cases():
    cases = []
    for name, text in YAML_INPUTS.items():
        try:
            obj = yaml.load(text, Loader=get_yaml_loader())
            if obj is None:
                obj = {}
            cases.append({"name": name, "text": text, "expected": tag(obj)})
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            cases.append({"name": name, "text": text, "error": str(getattr(e, "problem", e)), "line": mark.line + 1 if mark else None})
    return cases


def main():
    out = os.path.join(HERE, "cases")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "to-yaml.json"), "w") as f:
        json.dump(to_yaml_cases(), f, indent=1, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(out, "yaml-load.json"), "w") as f:
        json.dump(yaml_load_cases(), f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
