import sys
from cfnfix.api import _source
from cfnfix.models import Options
from cfnfix.pipeline import process
import os, cfnfix.pipeline as pl, cfnfix.loader as ld
if os.environ.get('PATCH'):
    _o = ld.load_template
    pl.load_template = lambda s, f, editing=False: _o(s, f, editing=True)
from fixers.secret_parameter import SecretParameter
for f in sys.argv[1:]:
    text = open(f).read()
    src = _source(text, f)
    out = process(src, f, (SecretParameter(),), Options(unsafe_fixes=True, select=("CFX001",)))
    for fd in out.findings:
        print("#", fd.message, "| no_fix:", fd.no_fix_reason, file=sys.stderr)
    if out.errors: print("ERRORS", out.errors, file=sys.stderr)
    sys.stdout.write(out.text)
