"""Bring the study's spec workbooks in line with SDTMIG 3.4 / ADaMIG 1.3 (issue 12).

The workbooks are binary, so they are never edited by hand: this script reads each one,
applies the changes below, and writes it back (``write_spec`` keeps every sheet and column
that ``read_spec`` reads). It is idempotent: run it again after a rebase on whatever
workbook main has, and only what is still missing changes.

    python specs/conform_specs.py            # rewrites specs/sdtm_spec.xlsx and specs/adam_spec.xlsx
    python specs/conform_specs.py --check    # exit 1 if a workbook would change

What it changes:

* every variable the IG defines gets the IG's label and (SDTM) role; a Req variable is
  Mandatory=Yes (derive check rules IG0004, IG0006, IG0007);
* CO: RDOMAIN before USUBJID (IG order, rule IG0003); COVAL1's label in title case (IG0005).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from derivations.ig import ig_for_spec  # noqa: E402
from derivations.spec import Spec, read_spec, write_spec  # noqa: E402

#: Labels of variables the IG does not define (sponsor-split text columns).
LABELS = {("CO", "COVAL1"): "Comment (Continued)"}


def conform_to_ig(spec: Spec) -> Spec:
    """Labels, roles and Mandatory of every IG variable as the IG has them."""
    ig = ig_for_spec(spec)
    for ds in spec.datasets.values():
        igd = ig.dataset_for(ds.name, ds.cls, ds.subclass) if ig is not None else None
        out = []
        for v in ds.variables:
            iv = igd.variable(v.name) if igd is not None else None
            if iv is not None:
                v = replace(v, label=iv.label, mandatory=v.mandatory or iv.core == "Req",
                            role=iv.role if ig.standard == "SDTMIG" else v.role)
            v = replace(v, label=LABELS.get((ds.name, v.name), v.label))
            out.append(v)
        ds.variables = out
    return spec


def order_as_ig(spec: Spec, dataset: str) -> Spec:
    """Renumber ``dataset``'s variables so that the IG's come in IG order (others keep their place
    after the IG variable they follow)."""
    ig = ig_for_spec(spec)
    ds = spec.datasets.get(dataset)
    if ds is None or ig is None:
        return spec
    igd = ig.dataset_for(dataset, ds.cls, ds.subclass)
    rank, last = {}, 0.0
    ig_order = {v.name: v.order for v in igd.variables}
    for i, v in enumerate(ds.variables):
        last = ig_order.get(v.name, last + 0.001)
        rank[v.name] = (last, i)
    ds.variables = [replace(v, order=n) for n, v in enumerate(sorted(ds.variables, key=lambda v: rank[v.name]), 1)]
    return spec


def conform(spec: Spec) -> Spec:
    spec = conform_to_ig(spec)
    if ig_for_spec(spec) is not None and ig_for_spec(spec).standard == "SDTMIG":
        spec = order_as_ig(spec, "CO")
    return spec


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only report whether a workbook would change")
    args = ap.parse_args(argv)
    changed = []
    for name in ("sdtm_spec.xlsx", "adam_spec.xlsx"):
        path = ROOT / "specs" / name
        before = read_spec(path)
        after = conform(read_spec(path))
        if repr(before.datasets) != repr(after.datasets):
            changed.append(name)
            if not args.check:
                write_spec(after, path)
    print(("would change: " if args.check else "changed: ") + (", ".join(changed) or "nothing"))
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
