#!/usr/bin/env python3
"""Extract the AWS API models Bulwark serves from the installed botocore package.

Writes src/models/<service>.json: metadata, operations and shapes with documentation stripped.
These are the wire contracts (shape names, member names, types, enums, limits, errors) that the
protocol codec validates and serialises against. Re-run after upgrading botocore:
    python3 scripts/gen-models.py
"""
import json
import os
from botocore.loaders import Loader

SERVICES = ['iam', 'sts', 'kms', 'wafv2', 'shield', 'guardduty', 'cloudtrail']
DROP = {'documentation', 'documentationUrl', 'deprecatedMessage', 'examples', 'sensitive_docs'}


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DROP}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main():
    out_dir = os.path.join(os.path.dirname(__file__), '..', 'src', 'models')
    loader = Loader()
    for svc in SERVICES:
        model = strip(loader.load_service_model(svc, 'service-2'))
        with open(os.path.join(out_dir, f'{svc}.json'), 'w') as f:
            json.dump(model, f, separators=(',', ':'), sort_keys=True)
            f.write('\n')


if __name__ == '__main__':
    main()
