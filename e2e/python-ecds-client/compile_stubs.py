#!/usr/bin/python3
"""Generates Python message and gRPC stubs for Envoy's ECDS service and the Wasm HTTP filter config.

Usage: compile_stubs.py <out_dir> <include_dir>...

protoc only generates code for the files it is given, so the imports are walked from the two root files
and every proto reached is compiled (except google/protobuf/*, which the protobuf runtime ships).
"""
import os
import re
import sys

import grpc_tools
from grpc_tools import protoc

ROOTS = [
    'envoy/service/extension/v3/config_discovery.proto',
    'envoy/extensions/filters/http/wasm/v3/wasm.proto',
]
IMPORT_RE = re.compile(r'^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;', re.MULTILINE)
WELL_KNOWN_PREFIX = 'google/protobuf/'


def resolve(name, include_dirs):
    for d in include_dirs:
        candidate = os.path.join(d, name)
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError(f'{name} is in none of the include dirs: {include_dirs}')


def transitive_protos(roots, include_dirs):
    """Every proto reachable from `roots` through imports, in discovery order."""
    seen, queue = [], list(roots)
    while queue:
        name = queue.pop(0)
        if name in seen:
            continue
        seen.append(name)
        with open(resolve(name, include_dirs), encoding='utf-8') as f:
            queue.extend(IMPORT_RE.findall(f.read()))
    return seen


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir, include_dirs = argv[1], argv[2:]
    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), '_proto')
    include_dirs = include_dirs + [well_known]
    protos = transitive_protos(ROOTS, include_dirs)
    to_generate = [p for p in protos if not p.startswith(WELL_KNOWN_PREFIX)]
    os.makedirs(out_dir, exist_ok=True)
    args = ['grpc_tools.protoc', *[f'-I{d}' for d in include_dirs], f'--python_out={out_dir}',
            f'--grpc_python_out={out_dir}', *to_generate]
    code = protoc.main(args)
    if code != 0:
        print(f'protoc failed with exit code {code}', file=sys.stderr)
        return 1
    print(f'generated stubs for {len(to_generate)} protos into {out_dir}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
