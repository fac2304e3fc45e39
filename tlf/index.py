"""Index page (DIR/tlf/index.html) linking every output the earlier programs registered; run last."""

import importlib.util
from pathlib import Path

from derivations.findings import DerivationError
from derivations.tlf import render_index

_spec = importlib.util.spec_from_file_location("_tlf_common", Path(__file__).with_name("_common.py"))
C = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(C)


def derive(ctx):
    outputs = ctx.results.get(C.OUTPUTS_KEY, [])
    out = C.stage_dir(ctx)
    for o in outputs:  # a link to a file that was not written is a defect of the program that registered it
        for href in o.files.values():
            if not (out / href).is_file():
                raise DerivationError(f"{o.output_id}: linked file {href} was not written",
                                      hint="write the file before registering the output")
    html = render_index(outputs, title="Tables, listings and figures", study=C.study_line(ctx),
                        run_date=C.run_date(ctx))
    (out / "index.html").write_text(html, encoding="utf-8", newline="\n")
    return {}
